/**
 * The kubelet as it runs on a node: the built `switchyard kubelet` in a throwaway `sy-`
 * namespace beside a private containerd (test/harness/containerd.ts, busybox and pause
 * images), as `system:node:<name>` against the real API server in this process (reached from
 * the namespace through a loopback listener there that relays to the server; the root
 * namespace gets nothing). Asserted through the API and the runtime: an httpd pod becomes Ready
 * through its httpGet readiness probe with an IP from the podCIDR and answers from the node,
 * with its env and configMap/secret/emptyDir volumes inside; a hostPort reaches its pod; an
 * absent image and a ConfigMap not there yet show as waiting reasons (the pod starts once the
 * ConfigMap exists); a crashing container restarts into CrashLoopBackOff, its restart count
 * rising; a failing liveness probe restarts its container; a container over its memory limit
 * is OOMKilled; a SIGKILLed kubelet's successor leaves running containers alone; a deleted pod
 * is gone with its IP, its veth and its directory. The API server runs the ServiceAccount
 * admission plugin and the controller manager its service account and root CA controllers, so
 * every pod gets its API access volume: the token inside authenticates (TokenReview) as the
 * pod's service account, ca.crt is the API server's CA, namespace its namespace.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ControllerManager } from '../../controlplane/controllers/index.js';
import { BUSYBOX_IMAGE } from '../../lab/images/index.js';
import type { ConfigMap, Container, Pod, Secret } from '../../lib/api/index.js';
import { coreResources, defineResource, type KubeClient, podsResource } from '../../lib/client/index.js';
import { createTcpServerIn, spawnInNetns } from '../../lib/netns/index.js';
import { repoRoot } from '../../test/harness/cli.js';
import { eventually, startTestEnv, type TestEnv } from '../../test/harness/cluster/env.js';
import { type Running, runComponent } from '../../test/harness/cluster/run.js';
import { startTestRuntime, type TestRuntime } from '../../test/harness/containerd.js';
import { describeKernel } from '../../test/harness/kernel.js';
import { addToken, kubeconfig, pkiFiles } from '../apiserver/pki.js';

const NODE = 'kl-node';
const SUBNET = '10.89.7';
const CLI = join(repoRoot, 'dist', 'switchyard.mjs');

describeKernel('the kubelet on a real API server and containerd', () => {
  let env: TestEnv;
  let rt: TestRuntime;
  let relay: Server;
  let manager: Running<ControllerManager> | undefined;
  let client: KubeClient;
  let kubelet: ChildProcess | undefined;
  let kubeconfigFile = '';
  let logs = '';

  const pods = () => client.resource(podsResource);
  const getPod = (name: string): Promise<Pod> => pods().get(name, { namespace: 'default' });
  const condition = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type)?.status;
  const exec = async (pod: Pod, cmd: string[]): Promise<string> => {
    const id = (pod.status?.containerStatuses?.[0]?.containerID ?? '').replace('containerd://', '');
    const res = await rt.cri.execSync({ containerId: id, cmd, timeout: 5 });
    return res.stdout.toString();
  };
  const inNode = (cmd: string, args: string[]): string =>
    execFileSync('ip', ['netns', 'exec', rt.host, cmd, ...args], {
      encoding: 'utf8',
      timeout: 10_000,
      // `ip link` notes veth peers in other namespaces on stderr.
      stdio: ['ignore', 'pipe', 'ignore'],
    });

  const startKubelet = (): ChildProcess => {
    const dir = join(rt.dir, 'kubelet');
    const child = spawnInNetns(
      rt.host,
      {
        cmd: process.execPath,
        args: [
          CLI,
          'kubelet',
          `--kubeconfig=${kubeconfigFile}`,
          `--node-name=${NODE}`,
          `--node-ip=${SUBNET}.1`,
          `--containerd-socket=${rt.containerd.paths.socket}`,
          `--root-dir=${dir}`,
          `--pod-logs-dir=${join(dir, 'logs')}`,
          `--cni-conf-dir=${rt.containerd.paths.cniConfDir}`,
          '--cni-bridge=sykl0',
          `--cni-ipam-dir=${rt.ipamDir}`,
          `--pod-cidr=${SUBNET}.0/24`,
          '--resolv-conf=',
          '--sync-frequency=5s',
          '--log-level=warn',
        ],
      },
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (b: Buffer) => {
      logs += b.toString();
    });
    return child;
  };
  const stopKubelet = async (signal: NodeJS.Signals): Promise<void> => {
    const child = kubelet;
    kubelet = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };

  const container = (name: string, over: Partial<Container>): Container => ({
    name,
    image: BUSYBOX_IMAGE,
    ...over,
  });
  const create = (name: string, spec: Partial<Pod['spec']>): Promise<Pod> =>
    pods().create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [], ...spec },
      },
      { namespace: 'default' },
    );
  const httpd = (extra: Partial<Container> = {}): Container =>
    container('web', {
      command: [
        'sh',
        '-c',
        'mkdir -p /www && echo hello from $POD_NAME > /www/index.html && exec httpd -f -p 80 -h /www',
      ],
      env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      ...extra,
    });

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run node scripts/build.mjs first`);
    env = await startTestEnv({ serviceAccountAdmission: true });
    client = env.newClient();
    // The controllers every pod's API access volume needs: `default` and `kube-root-ca.crt`.
    const managerClient = env.newClient();
    manager = runComponent(
      new ControllerManager({
        client: managerClient,
        leaderElection: false,
        controllers: ['serviceaccount', 'rootcacertpublisher'],
      }),
      managerClient,
    );
    await eventually('default/default and kube-root-ca.crt', async () => {
      const ns = '/api/v1/namespaces/default';
      const found = await Promise.all(
        [`${ns}/serviceaccounts/default`, `${ns}/configmaps/kube-root-ca.crt`].map((path) =>
          client.requestJson({ method: 'GET', path }).then(
            () => true,
            () => false,
          ),
        ),
      );
      return found.every(Boolean);
    });
    rt = await startTestRuntime({
      tag: 'kl',
      bridge: 'sykl0',
      subnet: `${SUBNET}.0/24`,
      images: ['busybox', 'pause'],
    });
    // The API server as the node sees it: 127.0.0.1:<port> inside the namespace, relayed here.
    const port = env.server.server.port;
    relay = await createTcpServerIn(rt.host, { host: '127.0.0.1', port: 0 });
    relay.on('connection', (c) => {
      const up = connect(port, '127.0.0.1');
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    const relayPort = (relay.address() as { port: number }).port;
    const data = join(env.server.dir, 'data');
    const token = addToken({ dir: data, user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env.server.server.reloadTokens();
    kubeconfigFile = join(rt.dir, 'kubelet.kubeconfig');
    mkdirSync(rt.dir, { recursive: true });
    writeFileSync(
      kubeconfigFile,
      kubeconfig({
        server: `https://127.0.0.1:${relayPort}`,
        caCert: pkiFiles(data).caCert,
        user: `system:node:${NODE}`,
        token,
      }),
    );
    const cms = client.resource(defineResource<ConfigMap>({ ...coreResources.configmaps }));
    await cms.create(
      {
        metadata: { name: 'web-config', namespace: 'default' },
        data: { greeting: 'hi', 'app.conf': 'port=80\n' },
      },
      { namespace: 'default' },
    );
    const secrets = client.resource(
      defineResource<Secret>({
        group: '',
        version: 'v1',
        plural: 'secrets',
        kind: 'Secret',
        namespaced: true,
      }),
    );
    await secrets.create(
      {
        metadata: { name: 'web-secret', namespace: 'default' },
        data: { password: Buffer.from('s3cret').toString('base64') },
      },
      { namespace: 'default' },
    );

    // Every pod at once, so their waits overlap.
    await create('web', {
      containers: [
        httpd({
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'greeting' } } },
          ],
          readinessProbe: { httpGet: { path: '/index.html', port: 80 }, periodSeconds: 1 },
          volumeMounts: [
            { name: 'config', mountPath: '/etc/config' },
            { name: 'secret', mountPath: '/etc/secret' },
            { name: 'scratch', mountPath: '/scratch' },
          ],
        }),
      ],
      volumes: [
        { name: 'config', configMap: { name: 'web-config' } },
        { name: 'secret', secret: { secretName: 'web-secret', defaultMode: 0o400 } },
        { name: 'scratch', emptyDir: {} },
      ],
    });
    await create('crash', { containers: [container('fail', { command: ['sh', '-c', 'exit 1'] })] });
    await create('live', {
      containers: [
        httpd({ livenessProbe: { tcpSocket: { port: 81 }, periodSeconds: 1, failureThreshold: 1 } }),
      ],
    });
    await create('oom', {
      restartPolicy: 'Never',
      containers: [
        container('hog', {
          command: ['sh', '-c', 'head -c 200m /dev/zero | tail'],
          resources: { limits: { memory: '20Mi' } },
        }),
      ],
    });
    await create('hp', {
      containers: [
        httpd({
          ports: [{ containerPort: 80, hostPort: 8080 }],
          readinessProbe: { exec: { command: ['cat', '/www/index.html'] }, periodSeconds: 1 },
        }),
      ],
    });
    await create('missing', { containers: [container('app', { image: 'switchyard.local/missing:1' })] });
    await create('later', {
      containers: [
        container('app', { command: ['sleep', '3600'], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }),
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'later-config' } }],
    });
    kubelet = startKubelet();
  }, 120_000);

  afterAll(async () => {
    await stopKubelet('SIGTERM');
    relay?.close();
    await manager?.stop();
    client?.close();
    await rt?.stop();
    await env?.stop();
  }, 60_000);

  it('registers the node and writes its CNI config for the podCIDR', async () => {
    const node = await eventually('the Node', () => client.resource(coreResources.nodes).get(NODE), 20_000);
    expect(node.metadata.name).toBe(NODE);
    const file = join(rt.containerd.paths.cniConfDir, '10-switchyard.conflist');
    const conflist = JSON.parse(
      await eventually('the conflist', () => existsSync(file) && readFileSync(file, 'utf8')),
    );
    expect(conflist.plugins.map((p: { type: string }) => p.type)).toEqual(['bridge', 'portmap', 'loopback']);
  }, 30_000);

  it('runs an httpd pod Ready through its readiness probe, with env and volumes', async () => {
    const web = await eventually(
      'web Ready',
      async () => {
        const p = await getPod('web');
        return condition(p, 'Ready') === 'True' ? p : undefined;
      },
      40_000,
    );
    const ip = web.status?.podIP ?? '';
    expect(ip).toMatch(new RegExp(`^${SUBNET.replaceAll('.', '\\.')}\\.\\d+$`));
    expect(web.status?.phase).toBe('Running');
    expect(inNode('curl', ['-s', '--max-time', '5', `http://${ip}/index.html`])).toBe('hello from web\n');
    const envText = await exec(web, ['env']);
    expect(envText).toContain(`POD_IP=${ip}\n`);
    expect(envText).toContain('GREETING=hi\n');
    expect(envText).toContain('KUBERNETES_SERVICE_HOST=');
    expect(await exec(web, ['cat', '/etc/config/app.conf'])).toBe('port=80\n');
    expect(await exec(web, ['cat', '/etc/secret/password'])).toBe('s3cret');
    expect(await exec(web, ['sh', '-c', 'echo x > /scratch/f && cat /scratch/f'])).toBe('x\n');
    expect(await exec(web, ['sh', '-c', 'echo x > /etc/config/new 2>&1 || echo read-only'])).toMatch(
      /read-only/i,
    );
  }, 60_000);

  it('mounts the service account token, the cluster CA and the namespace', async () => {
    const web = await eventually('web Ready', async () => {
      const p = await getPod('web');
      return condition(p, 'Ready') === 'True' ? p : undefined;
    });
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    expect(web.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);
    expect(await exec(web, ['cat', `${dir}/namespace`])).toBe('default');
    expect(await exec(web, ['cat', `${dir}/ca.crt`])).toBe(
      readFileSync(env.server.server.caCertPath, 'utf8'),
    );
    const token = await exec(web, ['cat', `${dir}/token`]);
    const review = await client.requestJson<{
      status: { authenticated?: boolean; user?: { username?: string } };
    }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      contentType: 'application/json',
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
    });
    expect(review.status.authenticated).toBe(true);
    expect(review.status.user?.username).toBe('system:serviceaccount:default:default');
    expect(await exec(web, ['sh', '-c', `echo x > ${dir}/token 2>&1 || echo read-only`])).toMatch(
      /read-only/i,
    );
  }, 60_000);

  it('maps a hostPort to the pod on the node address, Ready through an exec probe', async () => {
    await eventually('hp Ready', async () => condition(await getPod('hp'), 'Ready') === 'True', 20_000);
    const body = await eventually(
      'hp answering on the host port',
      () => {
        try {
          return inNode('curl', ['-s', '--max-time', '2', `http://${SUBNET}.1:8080/index.html`]);
        } catch {
          return undefined;
        }
      },
      10_000,
    );
    expect(body).toBe('hello from hp\n');
  }, 40_000);

  it('shows a failed start as the waiting reason: an absent image, a volume not ready yet', async () => {
    const waiting = await eventually(
      'missing waits with ErrImageNeverPull',
      async () => {
        const w = (await getPod('missing')).status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === 'ErrImageNeverPull' ? w : undefined;
      },
      20_000,
    );
    expect(waiting.message).toBe(
      'Container image "switchyard.local/missing:1" is not present with pull policy of Never',
    );
    const held = await eventually(
      'later waits for its ConfigMap',
      async () => {
        const w = (await getPod('later')).status?.containerStatuses?.[0]?.state?.waiting;
        return w?.message?.includes('later-config') ? w : undefined;
      },
      20_000,
    );
    expect(held.reason).toBe('ContainerCreating');
    await client
      .resource(defineResource<ConfigMap>({ ...coreResources.configmaps }))
      .create(
        { metadata: { name: 'later-config', namespace: 'default' }, data: { k: 'v' } },
        { namespace: 'default' },
      );
    const running = await eventually(
      'later runs once its ConfigMap exists',
      async () => {
        const p = await getPod('later');
        return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
      },
      20_000,
    );
    expect(await exec(running, ['cat', '/cfg/k'])).toBe('v');
  }, 50_000);

  it('restarts a crashing container into CrashLoopBackOff', async () => {
    const status = await eventually(
      'crash in back-off',
      async () => {
        const s = (await getPod('crash')).status?.containerStatuses?.[0];
        return s?.state?.waiting?.reason === 'CrashLoopBackOff' ? s : undefined;
      },
      30_000,
    );
    expect(status.restartCount).toBeGreaterThanOrEqual(1);
    expect(status.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  }, 40_000);

  it('restarts a container whose liveness probe fails', async () => {
    const status = await eventually(
      'live restarted',
      async () => {
        const s = (await getPod('live')).status?.containerStatuses?.[0];
        return (s?.restartCount ?? 0) >= 1 ? s : undefined;
      },
      30_000,
    );
    expect(status.lastState?.terminated).toBeDefined();
  }, 40_000);

  it('reports a container over its memory limit as OOMKilled', async () => {
    const terminated = await eventually(
      'hog OOMKilled',
      async () => {
        const t = (await getPod('oom')).status?.containerStatuses?.[0]?.state?.terminated;
        return t ? t : undefined;
      },
      30_000,
    );
    expect(terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect((await getPod('oom')).status?.phase).toBe('Failed');
  }, 40_000);

  it('leaves running containers alone across a SIGKILLed kubelet', async () => {
    const before = (await getPod('web')).status?.containerStatuses?.[0];
    expect(before?.state?.running).toBeDefined();
    await stopKubelet('SIGKILL');
    kubelet = startKubelet();
    // Let the new kubelet sync every pod at least twice (relist 1 s, resync 5 s).
    await new Promise((r) => setTimeout(r, 7000));
    const after = await getPod('web');
    expect(after.status?.containerStatuses?.[0]?.containerID).toBe(before?.containerID);
    expect(after.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBe(
      before?.state?.running?.startedAt,
    );
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(before?.restartCount);
    expect(condition(after, 'Ready')).toBe('True');
  }, 40_000);

  it('keeps restarting the crashing container with a growing restart count', async () => {
    const status = await eventually(
      'crash restarted again after its back-off',
      async () => {
        const s = (await getPod('crash')).status?.containerStatuses?.[0];
        return (s?.restartCount ?? 0) >= 2 ? s : undefined;
      },
      20_000,
    );
    expect(status.lastState?.terminated?.exitCode).toBe(1);
  }, 30_000);

  it('deletes a pod: the API object, its IP and its veth go', async () => {
    const web = await getPod('web');
    const ip = web.status?.podIP ?? '';
    const ipam = join(rt.ipamDir, 'switchyard');
    expect(readdirSync(ipam)).toContain(ip);
    const veths = (): number =>
      (inNode('ip', ['-o', 'link', 'show', 'type', 'veth']).match(/\n/g) ?? []).length;
    const before = veths();
    await pods().delete('web', { namespace: 'default', gracePeriodSeconds: 1 });
    await eventually(
      'web gone',
      async () => {
        try {
          await getPod('web');
          return false;
        } catch {
          return true;
        }
      },
      30_000,
    );
    // The API server ends the grace period itself; the kubelet then cleans up what is left.
    await eventually('the IP released', () => !readdirSync(ipam).includes(ip), 20_000);
    await eventually('the veth removed', () => veths() === before - 1, 10_000);
    await eventually(
      'the pod dir removed',
      () => !existsSync(join(rt.dir, 'kubelet', 'pods', web.metadata.uid ?? '')),
      10_000,
    );
  }, 40_000);

  it('logs no errors', () => {
    expect(logs.split('\n').filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});
