/**
 * Issue 12's acceptance, in a lab started by the real CLI (`up --nodes 2`): the API server,
 * scheduler and controller manager, and on each node containerd and the kubelet. Everything is
 * driven with the installed kubectl through the lab's kubeconfig, and checked where it lands:
 * pod IPs in the node's podCIDR, HTTP answered from the node, the host-local store and the
 * node's links after a delete, container ids and start times across a kubelet crash.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanLabs } from '../../lab/clean.js';
import { parseNodesFile } from '../../lab/nodes.js';
import { contains } from '../../lib/net/index.js';
import { type CliResult, repoRoot, runCommand } from '../harness/cli.js';
import { describeKernel, runId } from '../harness/kernel.js';

const labId = `${runId()}-pods${process.pid.toString(36)}`;
const prefix = `sy-${labId}-`;
const NS = 'e2e';

interface PodJson {
  readonly metadata: { readonly name: string; readonly uid: string };
  readonly spec: { readonly nodeName?: string };
  readonly status: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
    readonly containerStatuses?: readonly ContainerStatusJson[];
  };
}

interface ContainerStatusJson {
  readonly name: string;
  readonly containerID?: string;
  readonly restartCount: number;
  readonly ready: boolean;
  readonly state: {
    readonly running?: { readonly startedAt: string };
    readonly waiting?: { readonly reason: string; readonly message?: string };
    readonly terminated?: { readonly reason?: string; readonly exitCode: number };
  };
  readonly lastState: { readonly terminated?: { readonly reason?: string; readonly exitCode: number } };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err: unknown) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(300);
  }
}

describeKernel('pods on containerd through the kubelet, in the lab', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-e2e-pods-'));
  const stateDir = join(tmp, 'state');
  const runDir = join(tmp, 'run');
  const env = {
    ...process.env,
    SWITCHYARD_STATE_DIR: stateDir,
    SWITCHYARD_RUN_DIR: runDir,
    SWITCHYARD_LAB_ID: labId,
    HOME: join(tmp, 'home'),
  };
  const kubeconfig = join(stateDir, 'kubeconfig');
  // The built CLI (node scripts/build.mjs): `up` installs dist/cni, builds the suite image from
  // dist/ and applies deploy/demo from the root the bundle sits in.
  const bundle = join(repoRoot, 'dist', 'switchyard.mjs');
  const children: ChildProcess[] = [];

  const cli = (...args: string[]): Promise<CliResult> =>
    runCommand([process.execPath, bundle, ...args], { env });
  const kubectlArgs = (args: readonly string[]): string[] => [
    'kubectl',
    '--kubeconfig',
    kubeconfig,
    '--cache-dir',
    join(tmp, 'kube-cache'),
    ...args,
  ];
  const kubectl = (args: readonly string[], input?: string): Promise<CliResult> =>
    runCommand(kubectlArgs(args), input === undefined ? { env } : { env, input });
  const ok = async (args: readonly string[], input?: string): Promise<string> => {
    const r = await kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const pod = async (name: string): Promise<PodJson> =>
    JSON.parse(await ok(['get', 'pod', name, '-n', NS, '-o', 'json'])) as PodJson;
  const nodeExec = (node: string, argv: readonly string[]): Promise<CliResult> =>
    cli('exec', node, '--', ...argv);
  const applyPod = (name: string, spec: string): Promise<string> =>
    ok(
      ['apply', '-f', '-'],
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${NS}\nspec:\n${spec}`,
    );

  beforeAll(async () => {
    if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run "node scripts/build.mjs" first`);
    const up = await cli('up', '--nodes', '2');
    if (up.code !== 0) throw new Error(`up failed: ${up.stderr}\n${up.stdout}`);
    await ok(['create', 'namespace', NS]);
  }, 300_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await cli('down');
    await cleanLabs({ paths: { stateDir, runDir }, scope: prefix });
    rmSync(tmp, { recursive: true, force: true });
  }, 120_000);

  it('a Deployment of 3 busybox httpd pods becomes Ready through its readiness probe and answers from the node', async () => {
    await ok(
      ['apply', '-f', '-'],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${NS}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: httpd
        image: busybox:1
        command: [sh, -c, 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && echo started && exec httpd -f -v -p 80 -h /www']
        ports: [{containerPort: 80}]
        readinessProbe:
          httpGet: {path: /, port: 80}
          periodSeconds: 1
`,
    );
    await ok(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s']);
    const pods = JSON.parse(await ok(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])) as {
      items: PodJson[];
    };
    expect(pods.items).toHaveLength(3);
    // up waited for both nodes to be Ready, so the scheduler spreads the replicas over them.
    expect(new Set(pods.items.map((p) => p.spec.nodeName))).toEqual(new Set(['node-1', 'node-2']));
    for (const p of pods.items) {
      expect(p.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      const node = p.spec.nodeName as string;
      const cidr = (await ok(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}'])).trim();
      expect(contains(cidr, p.status.podIP as string), `${p.status.podIP} in ${cidr}`).toBe(true);
      const page = await nodeExec(node, ['wget', '-qO-', `http://${p.status.podIP}/`]);
      expect(page.stdout).toBe(`hello from ${p.metadata.name}\n`);
    }
  }, 180_000);

  it('kubectl logs shows the output, --tail cuts it, and logs -f streams new lines', async () => {
    await applyPod(
      'logger',
      `  containers:
  - name: main
    image: busybox:1
    command: [sh, -c, 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 1; done']
`,
    );
    await eventually('logger logs', async () => {
      const out = await ok(['logs', 'logger', '-n', NS]);
      return out.includes('line 2') ? out : undefined;
    });
    const tail = await ok(['logs', 'logger', '-n', NS, '--tail', '1']);
    expect(tail).toMatch(/^line \d+\n$/);
    const stamped = await ok(['logs', 'logger', '-n', NS, '--tail', '1', '--timestamps']);
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line \d+\n$/);

    const follow = spawn(
      kubectlArgs(['logs', '-f', 'logger', '-n', NS, '--tail', '1'])[0] as string,
      kubectlArgs(['logs', '-f', 'logger', '-n', NS, '--tail', '1']).slice(1),
      { env },
    );
    children.push(follow);
    let streamed = '';
    follow.stdout?.on('data', (b: Buffer) => {
      streamed += b.toString();
    });
    const lines = await eventually(
      'three streamed lines',
      async () => {
        const seen = streamed.split('\n').filter((l) => l.startsWith('line '));
        return seen.length >= 3 ? seen : undefined;
      },
      20_000,
    );
    const numbers = lines.map((l) => Number(l.slice(5)));
    expect(numbers[1]).toBe((numbers[0] as number) + 1);
    expect(numbers[2]).toBe((numbers[0] as number) + 2);
    follow.kill('SIGTERM');
  }, 90_000);

  it('kubectl exec returns the exit code and passes stdin; port-forward carries an HTTP request', async () => {
    const name = (
      await ok(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])
    ).trim();
    const failed = await kubectl([
      'exec',
      name,
      '-n',
      NS,
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    expect(failed.code).toBe(3);
    expect(failed.stdout).toBe('out\n');
    expect(failed.stderr).toContain('err\n');
    expect(failed.stderr).toContain('command terminated with exit code 3');

    const piped = await kubectl(
      ['exec', '-i', name, '-n', NS, '--', 'sh', '-c', 'cat; echo done'],
      'hello stdin\n',
    );
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toBe('hello stdin\ndone\n');

    const argv = kubectlArgs(['port-forward', '-n', NS, `pod/${name}`, ':80']);
    const forward = spawn(argv[0] as string, argv.slice(1), { env });
    children.push(forward);
    let said = '';
    forward.stdout?.on('data', (b: Buffer) => {
      said += b.toString();
    });
    const port = await eventually(
      'port-forward to listen',
      async () => {
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(said);
        return m ? Number(m[1]) : undefined;
      },
      30_000,
    );
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe(`hello from ${name}\n`);
    forward.kill('SIGTERM');
  }, 90_000);

  it("kubectl attach streams a running container's output; exec -it gets a terminal of the size asked", async () => {
    const argv = kubectlArgs(['attach', 'logger', '-n', NS]);
    const attach = spawn(argv[0] as string, argv.slice(1), { env });
    children.push(attach);
    let attached = '';
    attach.stdout?.on('data', (b: Buffer) => {
      attached += b.toString();
    });
    await eventually(
      'two attached lines',
      async () => (attached.split('\n').filter((l) => l.startsWith('line ')).length >= 2 ? true : undefined),
      20_000,
    );
    attach.kill('SIGTERM');

    const name = (
      await ok(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])
    ).trim();
    // `script` gives kubectl a terminal of its own, as a user's shell would. containerd 1.6 starts
    // the process before it applies the first size (so it does under kubectl's own SPDY too), so
    // the command looks a moment later.
    const inner = [
      ...kubectlArgs(['exec', '-it', name, '-n', NS, '--', 'sh', '-c', 'sleep 1; stty size; tty; exit 4']),
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    const tty = await runCommand(['script', '-qec', `stty rows 33 cols 111; ${inner}`, '/dev/null'], { env });
    expect(tty.code).toBe(4);
    expect(tty.stdout).toContain('33 111');
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
  }, 60_000);

  it('runs the pods node agents need: hostNetwork, privileged, capabilities and hostPath', async () => {
    const node = 'node-1';
    const hostDir = join(tmp, 'host-path');
    await applyPod(
      'agent',
      `  nodeName: ${node}
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:1
    command: [sh, -c, 'ip -o -4 addr show eth0 > /host/addr; exec sleep 3600']
    securityContext: {privileged: true}
    volumeMounts: [{name: host, mountPath: /host}]
  volumes:
  - name: host
    hostPath: {path: ${hostDir}, type: DirectoryOrCreate}
`,
    );
    await applyPod(
      'netadmin',
      `  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:1
    command: [sleep, '3600']
    securityContext: {capabilities: {add: [NET_ADMIN]}}
  - name: plain
    image: busybox:1
    command: [sleep, '3600']
`,
    );
    await ok(['wait', '--for=condition=Ready', 'pod/agent', 'pod/netadmin', '-n', NS, '--timeout=60s']);
    const agent = await pod('agent');
    const nodeIP = (
      await ok(['get', 'node', node, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])
    ).trim();
    expect(agent.status.podIP).toBe(nodeIP);
    expect(readFileSync(join(hostDir, 'addr'), 'utf8')).toContain(`inet ${nodeIP}/16`);
    // Changing an interface needs CAP_NET_ADMIN (the agent's is the lab node's own loopback).
    const netAdmin = ['sh', '-c', 'ip addr add 127.0.0.9/8 dev lo && ip addr del 127.0.0.9/8 dev lo'];
    expect((await kubectl(['exec', 'agent', '-n', NS, '--', ...netAdmin])).code).toBe(0);
    expect((await kubectl(['exec', 'netadmin', '-c', 'main', '-n', NS, '--', ...netAdmin])).code).toBe(0);
    const plain = await kubectl(['exec', 'netadmin', '-c', 'plain', '-n', NS, '--', ...netAdmin]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/Operation not permitted/);
  }, 90_000);

  it('a container that exits is restarted with growing back-off and its restartCount rises', async () => {
    await applyPod(
      'crasher',
      `  containers:
  - name: main
    image: busybox:1
    command: [sh, -c, 'echo attempt; exit 1']
`,
    );
    const messages = new Set<string>();
    const status = await eventually(
      'two back-offs',
      async () => {
        const c = (await pod('crasher')).status.containerStatuses?.[0];
        const message = c?.state.waiting?.reason === 'CrashLoopBackOff' ? c.state.waiting.message : undefined;
        if (message) messages.add(message.replace(/ restarting.*/, ''));
        return messages.size >= 2 ? c : undefined;
      },
      60_000,
    );
    expect([...messages].slice(0, 2)).toEqual(['back-off 10s', 'back-off 20s']);
    expect(status?.restartCount).toBeGreaterThanOrEqual(2);
    expect(status?.lastState.terminated?.exitCode).toBe(1);
    expect(await ok(['logs', 'crasher', '-n', NS, '--previous'])).toBe('attempt\n');
  }, 90_000);

  it('a failing liveness probe restarts the container', async () => {
    await applyPod(
      'unlively',
      `  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:1
    command: [sh, -c, 'touch /tmp/alive; exec sleep 3600']
    livenessProbe:
      exec: {command: [sh, -c, 'rm /tmp/alive']}
      periodSeconds: 1
      failureThreshold: 2
`,
    );
    const c = await eventually('a liveness restart', async () => {
      const s = (await pod('unlively')).status.containerStatuses?.[0];
      return s && s.restartCount >= 1 ? s : undefined;
    });
    expect(c.lastState.terminated).toBeDefined();
  }, 90_000);

  it('a container over its memory limit is reported OOMKilled', async () => {
    await applyPod(
      'hog',
      `  restartPolicy: Never
  containers:
  - name: main
    image: busybox:1
    command: [sh, -c, 'tail /dev/zero']
    resources:
      limits: {memory: 16Mi}
`,
    );
    const c = await eventually('OOMKilled', async () => {
      const s = (await pod('hog')).status.containerStatuses?.[0];
      return s?.state.terminated ? s : undefined;
    });
    expect(c.state.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect((await pod('hog')).status.phase).toBe('Failed');
  }, 90_000);

  it('deleting a pod releases its IP from the host-local store and removes its veth', async () => {
    const name = (
      await ok(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])
    ).trim();
    const before = await pod(name);
    const node = before.spec.nodeName as string;
    const ip = before.status.podIP as string;
    const store = join(stateDir, 'nodes', `${prefix}${node}`, 'kubelet', 'cni', 'networks', 'switchyard');
    const ports = async (): Promise<string[]> =>
      (await nodeExec(node, ['ip', '-o', 'link', 'show', 'master', 'cni0'])).stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (l.split(': ')[1] ?? '').replace(/@.*/, ''));
    expect(readdirSync(store)).toContain(ip);
    // The pod's veth on the node: the link whose index is the pod's eth0 peer (iflink). The
    // Deployment's replacement may add a veth of its own meanwhile, so the check is by name.
    const iflink = (await ok(['exec', name, '-n', NS, '--', 'cat', '/sys/class/net/eth0/iflink'])).trim();
    const links = (await nodeExec(node, ['ip', '-o', 'link', 'show'])).stdout.split('\n');
    const veth = links
      .find((l) => l.startsWith(`${iflink}: `))
      ?.split(': ')[1]
      ?.replace(/@.*/, '');
    expect(veth).toMatch(/^veth/);
    expect(await ports()).toContain(veth);
    await ok(['delete', 'pod', name, '-n', NS, '--wait=true']);
    await eventually('the IP released and the veth gone', async () =>
      readdirSync(store).includes(ip) || (await ports()).includes(veth as string) ? undefined : true,
    );
    // The Deployment replaces it.
    await ok(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=120s']);
  }, 180_000);

  it('kill -9 of the kubelet and a restart leave running containers untouched and reconcile what changed meanwhile', async () => {
    type Seen = { id?: string; startedAt?: string; restarts: number };
    const seen = async (): Promise<Map<string, Seen>> => {
      const list = JSON.parse(await ok(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])) as {
        items: PodJson[];
      };
      return new Map(
        list.items.map((p) => {
          const c = p.status.containerStatuses?.[0];
          return [
            p.metadata.name,
            {
              ...(c?.containerID ? { id: c.containerID } : {}),
              ...(c?.state.running ? { startedAt: c.state.running.startedAt } : {}),
              restarts: c?.restartCount ?? -1,
            },
          ];
        }),
      );
    };
    const before = await seen();
    expect(before.size).toBe(3);
    for (const v of before.values()) expect(v.startedAt).toBeDefined();
    const nodesFile = () => {
      const path = join(stateDir, 'nodes.json');
      return parseNodesFile(path, JSON.parse(readFileSync(path, 'utf8'))).nodes;
    };
    const pids = Object.fromEntries(
      Object.entries(nodesFile()).map(([n, r]) => [n, r.kubelet?.pid as number]),
    );
    // While no kubelet runs, one pod is deleted and another created: the restarted kubelets
    // reconcile both (the deleted pod's container ends and its IP is released; the new one runs).
    const logger = await pod('logger');
    const loggerStore = join(
      stateDir,
      'nodes',
      `${prefix}${logger.spec.nodeName}`,
      'kubelet',
      'cni',
      'networks',
      'switchyard',
    );
    expect(readdirSync(loggerStore)).toContain(logger.status.podIP);
    for (const pid of Object.values(pids)) process.kill(pid, 'SIGKILL');
    await ok(['delete', 'pod', 'logger', '-n', NS, '--grace-period=1', '--wait=false']);
    await applyPod(
      'latecomer',
      '  containers:\n  - name: main\n    image: busybox:1\n    command: [sleep, "3600"]\n',
    );
    const up = await cli('up');
    expect(up.code, up.stderr).toBe(0);
    await ok(['wait', '--for=condition=Ready', 'pod/latecomer', '-n', NS, '--timeout=60s']);
    await eventually("the deleted pod's IP released", async () =>
      readdirSync(loggerStore).includes(logger.status.podIP as string) ? undefined : true,
    );
    const restarted = Object.fromEntries(
      Object.entries(nodesFile()).map(([n, r]) => [n, r.kubelet?.pid as number]),
    );
    for (const [n, pid] of Object.entries(pids)) expect(restarted[n]).not.toBe(pid);
    // Give the new kubelets a few sync rounds: nothing they do may touch the containers.
    await sleep(5000);
    await ok(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=60s']);
    expect(await seen()).toEqual(before);
  }, 240_000);

  it("kubectl top shows the nodes and pods from the kubelets' stats", async () => {
    const nodes = await eventually('node metrics', async () => {
      const r = await kubectl(['top', 'nodes', '--no-headers']);
      return r.code === 0 && r.stdout.split('\n').filter((l) => l !== '').length === 2 ? r.stdout : undefined;
    });
    expect(nodes).toMatch(/^node-1 +\d+m +\d+% +\d+Mi +\d+%/m);
    // A pod started since the last scrape shows up at the next one (metrics are cached 10 s).
    const pods = await eventually('pod metrics', async () => {
      const r = await kubectl(['top', 'pods', '-n', NS, '-l', 'app=web', '--no-headers']);
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      return r.code === 0 && lines.length === 3 ? lines : undefined;
    });
    for (const line of pods) expect(line).toMatch(/^web-\S+ +\d+m +\d+Mi\s*$/);
  }, 90_000);
});
