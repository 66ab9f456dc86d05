/**
 * `bench scheduler`: N simulated nodes (Node objects, no kubelet), then M pods created as fast
 * as the API server takes them while the scheduler runs; pods bound per second and the time
 * from each pod's creation (its POST answered) to its binding (the scheduler's bind answered).
 * The reference column is Kubernetes' scheduler_perf CI threshold for SchedulingBasic
 * (680 pods/s at 5,000 nodes / 10k pods, test/integration/scheduler_perf/misc/
 * performance-config.yaml): a published anchor, not measured here. After the run every
 * placement is checked against the API: all pods bound, no node over its cpu, memory or pods.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../controlplane/apiserver/index.js';
import { Scheduler, toNodeInfo, toPodInfo } from '../../controlplane/scheduler/index.js';
import { coreResources, KubeClient, parseKubeconfig, podsResource } from '../../lib/client/index.js';
import { createSimNode } from '../../test/harness/cluster/sim-node.js';
import { type Benchmark, type BenchOptions, type BenchResult, percentile } from '../framework.js';

/** Sizes of one run. */
export interface SchedulerBenchOptions extends BenchOptions {
  readonly nodes?: number;
  readonly pods?: number;
  /** Concurrent pod creators (default 16). */
  readonly writers?: number;
  /**
   * Where the API server runs: `child` (its own process, as deployed: the default when running
   * from the built CLI) or `in-process` (tests).
   */
  readonly apiserver?: 'child' | 'in-process';
}

/** A running API server for the benchmark. */
interface BenchServer {
  readonly kubeconfigPath: string;
  close(): Promise<void>;
}

/** Starts `switchyard apiserver` as a child process of the same CLI bundle. */
async function startChildApiServer(dir: string): Promise<BenchServer> {
  const child = spawn(
    process.execPath,
    [process.argv[1] ?? '', 'apiserver', '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const kubeconfigPath = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stderr.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const m = /"kubeconfig":"([^"]+)"/.exec(buf);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`apiserver exited with ${code}: ${buf.slice(0, 500)}`)));
  });
  return {
    kubeconfigPath,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** scheduler_perf SchedulingBasic 5000Nodes_10000Pods threshold (pods/s). */
export const SCHEDULER_PERF_THRESHOLD = 680;

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i] as T);
    }),
  );
}

/** Runs the benchmark once. */
export async function runSchedulerBench(o: SchedulerBenchOptions): Promise<BenchResult> {
  const nodeCount = o.nodes ?? 1000;
  const podCount = o.pods ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'sy-bench-sched-'));
  const mode = o.apiserver ?? (/switchyard\.mjs$/.test(process.argv[1] ?? '') ? 'child' : 'in-process');
  const server: BenchServer =
    mode === 'child'
      ? await startChildApiServer(dir)
      : await startApiServer({ dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0 });
  const path = server.kubeconfigPath;
  const mk = (): KubeClient =>
    new KubeClient({ config: parseKubeconfig(readFileSync(path, 'utf8'), { path }) });
  const client = mk();
  const schedClient = mk();
  try {
    o.log(`creating ${nodeCount} nodes`);
    const names = Array.from({ length: nodeCount }, (_, i) => `node-${i + 1}`);
    await pool(names, 16, async (n) => {
      await createSimNode(client, n, { cpu: '32', memory: '128Gi', pods: 110, lease: false });
    });
    await client.resource(coreResources.namespaces).create({ metadata: { name: 'bench' } });
    const pods = client.resource(podsResource);
    const createPods = async (from: number, count: number, created: Map<string, number>): Promise<number> => {
      const t = performance.now();
      await pool(
        Array.from({ length: count }, (_, i) => from + i),
        o.writers ?? 16,
        async (i) => {
          const name = `p-${i}`;
          await pods.create(
            {
              metadata: { name, namespace: 'bench' },
              spec: {
                containers: [
                  { name: 'c', image: 'pause', resources: { requests: { cpu: '100m', memory: '128Mi' } } },
                ],
              },
            },
            { namespace: 'bench' },
          );
          created.set(`bench/${name}`, performance.now());
        },
      );
      return (performance.now() - t) / 1000;
    };
    const startScheduler = (
      bound: Map<string, number>,
      want: number,
    ): { stop: () => Promise<void>; all: Promise<void>; scheduler: Scheduler } => {
      const ac = new AbortController();
      let done: () => void = () => undefined;
      const all = new Promise<void>((resolve) => {
        done = resolve;
      });
      const scheduler = new Scheduler({
        client: schedClient,
        onBound: (pod) => {
          bound.set(pod.key, performance.now());
          if (bound.size === want) done();
        },
      });
      const running = scheduler.run(ac.signal);
      return {
        scheduler,
        all,
        stop: async () => {
          ac.abort();
          await running;
        },
      };
    };
    const timeout = <T>(p: Promise<T>): Promise<unknown> =>
      Promise.race([p, new Promise((r) => setTimeout(r, 600_000).unref())]);

    // Phase 1, streaming: half the pods created while the scheduler runs; latency per pod.
    const half = Math.floor(podCount / 2);
    const created = new Map<string, number>();
    const bound = new Map<string, number>();
    const s1 = startScheduler(bound, half);
    while (!s1.scheduler.synced) await new Promise((r) => setTimeout(r, 20));
    o.log(`phase 1: creating ${half} pods with the scheduler running`);
    const createSecs = await createPods(0, half, created);
    await timeout(s1.all);
    await s1.stop();
    const latencies = [...bound].map(([k, at]) => Math.max(0, at - (created.get(k) ?? at)));
    const streamTimes = [...bound.values()].sort((a, b) => a - b);
    const streamRate = bound.size / (((streamTimes.at(-1) ?? 0) - (streamTimes[0] ?? 0)) / 1000);

    // Phase 2, backlog: the other half created with no scheduler, then a fresh scheduler (which
    // first rebuilds its cache from the API: phase 1's pods are bound) drains them.
    o.log(`phase 2: creating ${podCount - half} pending pods, then starting a scheduler`);
    await createPods(half, podCount - half, new Map());
    const bound2 = new Map<string, number>();
    const t0 = performance.now();
    const s2 = startScheduler(bound2, podCount - half);
    await timeout(s2.all);
    const drained = [...bound2.values()].sort((a, b) => a - b);
    // Throughput over the scheduling window, first bind to last, as scheduler_perf measures it.
    const drainSecs = ((drained.at(-1) ?? t0) - (drained[0] ?? t0)) / 1000;
    const startupSecs = ((drained[0] ?? t0) - t0) / 1000;
    await s2.stop();
    const drainRate = bound2.size / drainSecs;
    const total = bound.size + bound2.size;
    o.log('checking every placement against the API');
    const valid = await checkPlacements(client, podCount);
    return {
      title: `scheduler: ${nodeCount} nodes, ${podCount} pods (API server ${mode === 'child' ? 'in its own process' : 'in the same process'})`,
      referenceLabel: 'scheduler_perf threshold',
      rows: [
        {
          metric: 'backlog drained per second',
          unit: 'pods/s',
          ours: drainRate,
          reference: SCHEDULER_PERF_THRESHOLD,
          better: 'higher',
        },
        {
          metric: 'streaming: bound per second',
          unit: 'pods/s',
          ours: streamRate,
          reference: SCHEDULER_PERF_THRESHOLD,
          better: 'higher',
        },
        {
          metric: 'creation → binding p50',
          unit: 'ms',
          ours: percentile(latencies, 50),
          reference: Number.NaN,
          better: 'lower',
        },
        {
          metric: 'creation → binding p99',
          unit: 'ms',
          ours: percentile(latencies, 99),
          reference: Number.NaN,
          better: 'lower',
        },
      ],
      notes: [
        `bound ${total}/${podCount}; placements valid: ${valid}`,
        `streaming phase: ${half} pods created in ${createSecs.toFixed(1)} s (${(half / createSecs).toFixed(0)} pods/s): binding cannot outrun creation there`,
        `backlog phase: ${podCount - half} pending pods, rate from first to last bind; start to first bind (list+watch of ${nodeCount} nodes and ${half} bound pods) ${startupSecs.toFixed(1)} s`,
        'reference: SchedulingBasic 5000Nodes_10000Pods CI threshold (published, not measured here; 5x our node count)',
      ],
    };
  } finally {
    schedClient.close();
    client.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lists nodes and pods and checks that every pod is bound and no node is overcommitted. */
async function checkPlacements(client: KubeClient, podCount: number): Promise<string> {
  const nodes = new Map(
    (await client.resource(coreResources.nodes).listAll()).items.map((n) => [
      n.metadata.name ?? '',
      toNodeInfo(n as never),
    ]),
  );
  const pods = (await client.resource(podsResource).listAll({ namespace: 'bench' })).items;
  const used = new Map<string, { cpu: number; mem: number; pods: number }>();
  let unbound = 0;
  for (const p of pods) {
    const info = toPodInfo(p as never);
    if (!info.nodeName) {
      unbound++;
      continue;
    }
    const u = used.get(info.nodeName) ?? { cpu: 0, mem: 0, pods: 0 };
    u.cpu += info.requests.milliCpu;
    u.mem += info.requests.memory;
    u.pods += 1;
    used.set(info.nodeName, u);
  }
  const over = [...used].filter(([n, u]) => {
    const a = nodes.get(n)?.allocatable;
    return !a || u.cpu > a.milliCpu || u.mem > a.memory || u.pods > a.pods;
  });
  if (pods.length !== podCount || unbound > 0 || over.length > 0)
    return `NO (${pods.length} pods, ${unbound} unbound, ${over.length} nodes overcommitted)`;
  return `yes (max ${Math.max(...[...used.values()].map((u) => u.pods))} pods on a node)`;
}

/** The registered benchmark. */
export const schedulerBench: Benchmark = {
  name: 'scheduler',
  summary: '1,000 simulated nodes, 10,000 pods: scheduling rate and creation-to-binding p99',
  defaultIterations: 1,
  run: (options) => runSchedulerBench(options),
};
