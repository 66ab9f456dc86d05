/**
 * The kubelet endpoint over a real containerd 1.6 (test/harness/containerd.ts, busybox and
 * pause images) and the real API server: pods are made as the kubelet's sync makes them
 * (observe → planPod → applyActions), their logs read from containerd's CRI log files —
 * directly and through the API server with the real kubectl (`logs`, `--tail`, `--previous`),
 * with tail, timestamps, limitBytes, follow (new lines arrive; the stream ends when the
 * container stops; `kubectl logs -f`) — and exec, attach and port-forward routed to the running container's and
 * the ready sandbox's CRI ids (handlers that record them and answer 501 stand in for the
 * bridges, which have their own tests). Unknown pods and containers are 404s with a message.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BUSYBOX_IMAGE } from '../../../lab/images/index.js';
import type { Container, Pod } from '../../../lib/api/index.js';
import { KubeClient, nodesResource, parseKubeconfig, podsResource } from '../../../lib/client/index.js';
import type { CriClient } from '../../../lib/cri/index.js';
import { createLogger } from '../../../lib/obs/index.js';
import { kubectl, kubectlEnv } from '../../../test/harness/cluster/apiserver.js';
import { startTestEnv, type TestEnv } from '../../../test/harness/cluster/env.js';
import { startTestRuntime, type TestRuntime } from '../../../test/harness/containerd.js';
import { describeKernel } from '../../../test/harness/kernel.js';
import { addToken, pkiFiles } from '../../apiserver/pki.js';
import { type ApplyContext, applyActions } from '../apply.js';
import { type KubeletPod, toKubeletPod } from '../model.js';
import { observeRuntime } from '../observe.js';
import { emptyObservation, type ObservedContainer, type ObservedPod } from '../observed.js';
import { type BackOffEntry, planPod } from '../plan.js';
import { testApplyContext } from '../testing/run-pod.js';
import { type KubeletServer, startKubeletServer } from './index.js';
import { type ClientPair, callKubelet, recordingHandlers, SPDY_UPGRADE } from './testing/kubelet-fixture.js';

const NODE = 'kserver-node';

describeKernel('the kubelet endpoint over containerd', () => {
  let rt: TestRuntime | undefined;
  let env: TestEnv | undefined;
  let kubelet: KubeletServer | undefined;
  let nodeClient: KubeClient | undefined;
  let admin: ClientPair = { cert: '', key: '' };
  const handlers = recordingHandlers();
  const backoff = new Map<string, BackOffEntry>();
  const pods = new Map<string, KubeletPod>();

  const cri = (): CriClient => {
    if (!rt) throw new Error('containerd did not start');
    return rt.cri;
  };
  const api = (): TestEnv => {
    if (!env) throw new Error('the API server did not start');
    return env;
  };
  const port = (): number => kubelet?.port ?? 0;
  const podLogsDir = (): string => join(rt?.dir ?? '/nonexistent', 'pods');
  const logs = (path: string) => callKubelet(port(), path, admin);
  const k = (...args: string[]) => kubectl(kubectlEnv(api().server), args);

  const observe = async (pod: KubeletPod): Promise<ObservedPod> =>
    (await observeRuntime(cri())).get(pod.uid) ?? emptyObservation(pod);
  const context = (observed: ObservedPod): ApplyContext => testApplyContext(observed, podLogsDir());
  /** One sync of the pod, as the kubelet's. */
  const sync = async (pod: KubeletPod): Promise<void> => {
    const observed = await observe(pod);
    const p = planPod({ desired: pod, observed, now: Date.now(), backoff });
    for (const [key, v] of p.backoff) backoff.set(key, v);
    const result = await applyActions(cri(), pod, p.actions, context(observed));
    expect(result.outcomes.filter((o) => o.failure)).toEqual([]);
  };
  const until = async <T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
  /** The pod's container in `state` (and at `attempt`, when given). */
  const container = (pod: KubeletPod, state: ObservedContainer['state'], attempt?: number) =>
    until(`${pod.name} ${state}`, async () =>
      (await observe(pod)).containers.find(
        (c) => c.state === state && (attempt === undefined || c.attempt === attempt),
      ),
    );
  /** A pod in the API server, bound to the node, and made real by a sync. */
  const runPod = async (
    name: string,
    main: Container,
    restartPolicy: 'Always' | 'Never',
  ): Promise<KubeletPod> => {
    const created = await api()
      .client.resource(podsResource)
      .create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { nodeName: NODE, restartPolicy, terminationGracePeriodSeconds: 1, containers: [main] },
      } as Pod);
    const pod = toKubeletPod(created);
    pods.set(name, pod);
    await sync(pod);
    return pod;
  };
  const sh = (script: string): Container => ({
    name: 'main',
    image: BUSYBOX_IMAGE,
    command: ['sh', '-c', script],
  });

  beforeAll(async () => {
    rt = await startTestRuntime({
      tag: 'ks',
      bridge: 'sykls0',
      subnet: '10.93.0.0/24',
      images: ['busybox', 'pause'],
    });
    env = await startTestEnv();
    const data = join(env.server.dir, 'data');
    const pki = pkiFiles(data);
    admin = { cert: readFileSync(pki.adminCert, 'utf8'), key: readFileSync(pki.adminKey, 'utf8') };
    const token = addToken({ dir: data, user: `system:node:${NODE}`, groups: ['system:nodes'] });
    env.server.server.reloadTokens();
    const path = env.server.server.kubeconfigPath;
    const { cert: _c, key: _k, ...base } = parseKubeconfig(readFileSync(path, 'utf8'), { path });
    nodeClient = new KubeClient({ config: { ...base, token } });
    kubelet = await startKubeletServer({
      nodeName: NODE,
      host: '127.0.0.1',
      port: 0,
      tls: { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) },
      clientCA: readFileSync(pki.caCert),
      client: nodeClient,
      cri: rt.cri,
      podLogsDir: podLogsDir(),
      logger: createLogger({ level: 'error' }),
      remoteCommand: handlers.remoteCommand,
      portForward: handlers.portForward,
      stats: { summary: async () => ({}), resourceMetrics: async () => '' },
      logRecheckMs: 300,
    });
    // The Node the API server finds the kubelet by: its InternalIP and the endpoint's port.
    const nodes = env.client.resource(nodesResource);
    await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } });
    await nodes.patchStatus(
      NODE,
      {
        status: {
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
          daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
        },
      },
      { type: 'merge' },
    );
  }, 180_000);

  afterAll(async () => {
    await kubelet?.close();
    nodeClient?.close();
    await env?.stop();
    await rt?.stop();
  }, 60_000);

  it('reads a finished container’s log: whole, tail, timestamps, limitBytes; kubectl logs through the API server', async () => {
    const pod = await runPod(
      'print',
      sh('echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three'),
      'Never',
    );
    await container(pod, 'CONTAINER_EXITED');
    const base = '/containerLogs/default/print/main';
    expect(await logs(base)).toEqual({ status: 200, text: 'one\ntwo\nthree\n' });
    expect((await logs(`${base}?tailLines=1`)).text).toBe('three\n');
    expect((await logs(`${base}?limitBytes=6`)).text).toBe('one\ntw');
    const stamped = (await logs(`${base}?timestamps=true`)).text.split('\n').slice(0, 3);
    for (const [i, word] of ['one', 'two', 'three'].entries())
      expect(stamped[i]).toMatch(
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) ${word}$`),
      );
    expect((await logs(`${base}?sinceTime=2999-01-01T00:00:00Z`)).text).toBe('');

    expect(await k('logs', 'print')).toMatchObject({ code: 0, stdout: 'one\ntwo\nthree\n' });
    expect(await k('logs', 'print', '--tail=2')).toMatchObject({ code: 0, stdout: 'two\nthree\n' });
  }, 120_000);

  it('reads the previous container after a restart, and says so when there is none', async () => {
    // Containers of a pod share its /dev/shm: the second attempt knows it is the second.
    const pod = await runPod(
      'restarts',
      sh(
        'if [ -e /dev/shm/ran ]; then echo second; exec sleep 3600; fi; touch /dev/shm/ran; echo first; exit 1',
      ),
      'Always',
    );
    await container(pod, 'CONTAINER_EXITED', 0);
    await sync(pod);
    await container(pod, 'CONTAINER_RUNNING', 1);
    await until('the second attempt’s line', async () =>
      (await logs('/containerLogs/default/restarts/main')).text === 'second\n' ? true : undefined,
    );
    expect((await logs('/containerLogs/default/restarts/main?previous=true')).text).toBe('first\n');
    expect(await k('logs', 'restarts', '--previous')).toMatchObject({ code: 0, stdout: 'first\n' });

    const ticker = await runPod(
      'ticker',
      sh('i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'),
      'Always',
    );
    await container(ticker, 'CONTAINER_RUNNING');
    expect(await logs('/containerLogs/default/ticker/main?previous=true')).toEqual({
      status: 400,
      text: 'previous terminated container "main" in pod "ticker" not found',
    });
    const viaKubectl = await k('logs', 'ticker', '--previous');
    expect(viaKubectl.code).not.toBe(0);
    expect(viaKubectl.stderr).toContain('previous terminated container "main" in pod "ticker" not found');
  }, 120_000);

  it('routes exec, attach and port-forward to the CRI ids; unknown pods and containers are 404', async () => {
    const ticker = pods.get('ticker') as KubeletPod;
    const running = await container(ticker, 'CONTAINER_RUNNING');
    const sandbox = (await observe(ticker)).sandboxes.find((s) => s.state === 'SANDBOX_READY');
    const upgrade = (path: string, method = 'POST') =>
      callKubelet(port(), path, admin, { method, headers: SPDY_UPGRADE });

    expect(
      await upgrade('/exec/default/ticker/main?command=sh&command=-c&command=id&input=1&output=1&tty=1'),
    ).toEqual({
      status: 501,
      text: 'recorded',
    });
    expect(handlers.commands.at(-1)).toEqual({
      kind: 'exec',
      containerId: running.id,
      command: ['sh', '-c', 'id'],
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
    });
    const websocket = {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Protocol': 'v5.channel.k8s.io',
    };
    const attach = await callKubelet(
      port(),
      `/attach/default/ticker/${ticker.uid}/main?stdout=true&stderr=true`,
      admin,
      {
        headers: websocket,
      },
    );
    expect(attach.status).toBe(501);
    expect(handlers.commands.at(-1)).toMatchObject({
      kind: 'attach',
      containerId: running.id,
      command: [],
      stderr: true,
    });
    expect((await upgrade('/portForward/default/ticker?port=8080')).status).toBe(501);
    expect(handlers.forwards.at(-1)).toEqual({ sandboxId: sandbox?.id, ports: [8080] });

    expect(await upgrade('/exec/default/nope/main?command=ls&output=1')).toEqual({
      status: 404,
      text: 'pod "nope" does not exist in namespace "default" on this node',
    });
    expect(await upgrade('/exec/default/ticker/other?command=ls&output=1')).toEqual({
      status: 404,
      text: 'container "other" in pod "ticker" is not running on this node',
    });
    expect(await upgrade('/exec/default/print/main?command=ls&output=1')).toEqual({
      status: 404,
      text: 'container "main" in pod "print" is not running on this node',
    });
    expect((await upgrade('/portForward/default/nope')).status).toBe(404);
    expect((await logs('/containerLogs/default/nope/main')).status).toBe(404);
    expect(handlers.commands.length).toBe(2);
    expect(handlers.forwards.length).toBe(1);
  }, 60_000);

  it('follows a log as it grows and ends the stream once the container stops', async () => {
    const ticker = pods.get('ticker') as KubeletPod;
    const running = await container(ticker, 'CONTAINER_RUNNING');
    let text = '';
    let ended = false;
    let res: IncomingMessage | undefined;
    await callKubelet(port(), '/containerLogs/default/ticker/main?follow=true&tailLines=1', admin, {
      onResponse: (r) => {
        res = r;
        r.on('data', (c: Buffer) => {
          text += c.toString();
        });
        r.on('end', () => {
          ended = true;
        });
      },
    });
    expect(res?.statusCode).toBe(200);
    await until('three followed lines', async () => (text.split('\n').length > 3 ? true : undefined), 10_000);
    const numbers = text
      .trim()
      .split('\n')
      .map((l) => Number(/^tick (\d+)$/.exec(l)?.[1]));
    // Consecutive ticks: nothing lost or repeated between the tail and the followed lines.
    expect(numbers.every((n, i) => i === 0 || n === (numbers[i - 1] as number) + 1)).toBe(true);
    expect(ended).toBe(false);
    await cri().stopContainer({ containerId: running.id, timeout: 0 });
    await until('the follow to end', async () => (ended ? true : undefined), 10_000);

    // kubectl logs -f through the API server: lines as they come, done when the container exits.
    const burst = await runPod('burst', sh('echo a; sleep 1; echo b; sleep 1; echo c'), 'Never');
    await container(burst, 'CONTAINER_RUNNING');
    const started = Date.now();
    expect(await k('logs', '-f', 'burst')).toMatchObject({ code: 0, stdout: 'a\nb\nc\n' });
    expect(Date.now() - started).toBeGreaterThan(1000);
  }, 60_000);
});
