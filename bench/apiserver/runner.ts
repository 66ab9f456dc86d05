/**
 * `bench apiserver`: the embedded store and etcd side by side in one run, each behind a real
 * API server on loopback (HTTPS, keep-alive): creates/s and p99 with concurrent writers, LIST
 * of many pods, many watchers receiving events (in a process of their own; p99 delay from a
 * write's acknowledgement, and from its sending, to its arrival at a watcher), and resident memory. Targets from the issue: ≥ 2,000 writes/s and p99
 * < 50 ms embedded (Kubernetes' SLO for mutating calls is p99 ≤ 1 s), watch delivery p99 < 100 ms.
 * The result has the shape of bench/framework.ts's BenchResult (ours = embedded, reference = etcd).
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../controlplane/apiserver/index.js';
import { openEtcdStore, type Store, withWatchCache } from '../../controlplane/store/index.js';
import { startTestEtcd } from '../../test/harness/cluster/etcd.js';
import { startWatchers, type WatcherResult } from './watchers.js';

/** What the load generator needs to reach a server. */
interface Target {
  readonly url: string;
  readonly caCertPath: string;
  readonly adminToken: string;
  /** Resident memory of the server in MB (its own process when it runs as a child). */
  readonly rssMb: () => number;
}

/** Sizes of one run (the numbers by default). */
export interface ApiserverBenchOptions {
  readonly writers?: number;
  readonly creates?: number;
  /** Untimed creates before the measured ones (default 1,000). */
  readonly warmUp?: number;
  readonly listPods?: number;
  readonly watchers?: number;
  readonly events?: number;
  readonly log?: (line: string) => void;
  /**
   * How to run `switchyard` (e.g. `[process.execPath, 'dist/switchyard.mjs']`): the servers then
   * run as child processes (`switchyard apiserver …`). Without it they run in this process.
   */
  readonly serverCommand?: readonly string[];
}

/** One measured row: embedded (`ours`) vs etcd (`reference`). */
export interface ApiserverBenchRow {
  readonly metric: string;
  readonly unit: string;
  readonly ours: number;
  readonly reference: number;
  readonly better: 'higher' | 'lower';
}

/** The result, shaped like bench/framework.ts BenchResult. */
export interface ApiserverBenchResult {
  readonly title: string;
  readonly referenceLabel: string;
  readonly rows: readonly ApiserverBenchRow[];
  readonly notes: readonly string[];
}

interface Measured {
  readonly createsPerSec: number;
  readonly createP99: number;
  readonly listMs: number;
  readonly watchAckP50: number;
  readonly watchAckP99: number;
  readonly watchSentP99: number;
  /** Fraction of the watchers × events that arrived. */
  readonly delivered: number;
  readonly rssMb: number;
}

function pct(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

function client(server: Target) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256, ca: readFileSync(server.caCertPath) });
  const headers = { Authorization: `Bearer ${server.adminToken}` };
  const send = (method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        new URL(path, server.url),
        {
          method,
          agent,
          headers: payload
            ? { ...headers, 'Content-Type': 'application/json', 'Content-Length': payload.length }
            : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { agent, headers, send };
}

/** Runs `write(i)` for every i in [from, to), `writers` at a time, each writer taking the next i. */
async function inParallel(
  writers: number,
  range: { readonly from?: number; readonly to: number },
  write: (i: number) => Promise<void>,
): Promise<void> {
  let next = range.from ?? 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < range.to; i = next++) await write(i);
    }),
  );
}

const POD_SPEC = { containers: [{ name: 'c', image: 'busybox:1.36' }] };

async function measure(
  server: Target,
  o: Required<Omit<ApiserverBenchOptions, 'log' | 'serverCommand'>>,
  log: (l: string) => void,
): Promise<Measured> {
  const c = client(server);
  await c.send('POST', '/api/v1/namespaces', { metadata: { name: 'bench' } });
  await c.send('POST', '/api/v1/namespaces', { metadata: { name: 'warm-up' } });
  // Warm-up, untimed: the same requests until both processes' JIT has compiled the hot paths
  // (the first thousand creates of a fresh server run ~30% slower), as steady-state
  // throughput benchmarks do. The objects go to their own namespace, out of the LIST below.
  await inParallel(o.writers, { to: o.warmUp }, async (i) => {
    const r = await c.send('POST', '/api/v1/namespaces/warm-up/pods', {
      metadata: { name: `w-${i}`, labels: { app: 'bench' } },
      spec: POD_SPEC,
    });
    if (r.status !== 201) throw new Error(`warm-up create failed: ${r.status} ${r.text}`);
  });
  // Creates: `writers` concurrent loops over `creates` pods.
  const lat: number[] = [];
  const started = performance.now();
  await inParallel(o.writers, { to: o.creates }, async (i) => {
    const t0 = performance.now();
    const r = await c.send('POST', '/api/v1/namespaces/bench/pods', {
      metadata: { name: `p-${i}`, labels: { app: 'bench' } },
      spec: POD_SPEC,
    });
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
    lat.push(performance.now() - t0);
  });
  const createsPerSec = o.creates / ((performance.now() - started) / 1000);
  log(`  ${o.creates} creates: ${Math.round(createsPerSec)}/s, p99 ${pct(lat, 99).toFixed(1)} ms`);
  // Top up to listPods objects, then time one full LIST.
  await inParallel(o.writers, { from: o.creates, to: o.listPods }, async (i) => {
    await c.send('POST', '/api/v1/namespaces/bench/pods', { metadata: { name: `p-${i}` }, spec: POD_SPEC });
  });
  const l0 = performance.now();
  const list = await c.send('GET', '/api/v1/namespaces/bench/pods');
  const listMs = performance.now() - l0;
  const count = (JSON.parse(list.text) as { items: unknown[] }).items.length;
  log(`  LIST of ${count} pods: ${listMs.toFixed(0)} ms`);
  // Watchers in a process of their own (watchers.ts), so neither the writers nor the
  // measurement share their event loop; delays from the write being sent and from its 201.
  const rv = JSON.parse((await c.send('GET', '/api/v1/namespaces/bench/configmaps')).text).metadata
    .resourceVersion as string;
  const watchers = await startWatchers({
    url: server.url,
    ca: readFileSync(server.caCertPath, 'utf8'),
    token: server.adminToken,
    path: `/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion=${rv}`,
    watchers: o.watchers,
    events: o.events,
  });
  let delivery: WatcherResult;
  try {
    const clock = (): number => performance.timeOrigin + performance.now();
    const sent = new Float64Array(o.events);
    const acked = new Float64Array(o.events);
    await inParallel(o.writers, { to: o.events }, async (i) => {
      sent[i] = clock();
      const r = await c.send('POST', '/api/v1/namespaces/bench/configmaps', {
        metadata: { name: `e-${i}` },
        data: { i: String(i) },
      });
      acked[i] = clock();
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
    });
    delivery = await watchers.finish({ sent, acked, timeoutMs: 120_000 });
  } finally {
    watchers.stop();
  }
  const want = o.watchers * o.events;
  log(
    `  ${o.watchers} watchers × ${o.events} events: ${delivery.received}/${want} delivered, p99 ${delivery.fromAckP99.toFixed(1)} ms from the 201 (${delivery.fromSentP99.toFixed(1)} ms from the write sent)`,
  );
  c.agent.destroy();
  return {
    createsPerSec,
    createP99: pct(lat, 99),
    listMs,
    watchAckP50: delivery.fromAckP50,
    watchAckP99: delivery.fromAckP99,
    watchSentP99: delivery.fromSentP99,
    delivered: delivery.received / want,
    rssMb: server.rssMb(),
  };
}

/** Resident set of a process from /proc (Linux), in MB. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function withServer(
  backend: { readonly store?: Store; readonly etcd?: string },
  serverCommand: readonly string[] | undefined,
  fn: (s: Target) => Promise<Measured>,
): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'sy-apiserver-bench-'));
  try {
    if (!serverCommand) {
      const server = await startApiServer({
        dataDir: dir,
        port: 0,
        ...(backend.store ? { store: backend.store } : {}),
      });
      try {
        return await fn({ ...server, rssMb: () => process.memoryUsage().rss / 1e6 });
      } finally {
        await server.close();
      }
    }
    // The server in its own process, so the load generator's CPU is not counted against it.
    const [cmd = process.execPath, ...pre] = serverCommand;
    const child = spawn(
      cmd,
      [
        ...pre,
        'apiserver',
        '--data-dir',
        dir,
        '--listen',
        '127.0.0.1:0',
        ...(backend.etcd ? ['--etcd-servers', backend.etcd] : []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr?.on('data', (c: Buffer) => {
          err += c.toString();
          const m = /"url":"([^"]+)"/.exec(err);
          if (m) resolve(m[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`apiserver exited with ${code}: ${err}`)));
      });
      const token = readFileSync(join(dir, 'tokens.csv'), 'utf8').split(',')[0] as string;
      const pid = child.pid ?? 0;
      return await fn({
        url,
        caCertPath: join(dir, 'pki', 'ca.crt'),
        adminToken: token,
        rssMb: () => rssOf(pid),
      });
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the benchmark on both backends. */
export async function runApiserverBench(options: ApiserverBenchOptions = {}): Promise<ApiserverBenchResult> {
  const o = {
    writers: options.writers ?? 16,
    creates: options.creates ?? 5000,
    warmUp: options.warmUp ?? 1000,
    listPods: options.listPods ?? 10_000,
    watchers: options.watchers ?? 200,
    events: options.events ?? 10_000,
  };
  const log = options.log ?? (() => undefined);
  log('embedded (SQLite):');
  const embedded = await withServer({}, options.serverCommand, (s) => measure(s, o, log));
  log('etcd (Debian etcd-server, fsync on):');
  const etcd = await startTestEtcd({ fsync: true });
  let remote: Measured;
  try {
    remote = await withServer(
      options.serverCommand
        ? { etcd: etcd.endpoint }
        : { store: withWatchCache(openEtcdStore({ endpoints: [etcd.endpoint] })) },
      options.serverCommand,
      (s) => measure(s, o, log),
    );
  } finally {
    await etcd.stop();
  }
  const row = (
    metric: string,
    unit: string,
    key: keyof Measured,
    better: 'higher' | 'lower',
  ): ApiserverBenchRow => ({
    metric,
    unit,
    ours: embedded[key],
    reference: remote[key],
    better,
  });
  return {
    title: `apiserver: ${o.writers} writers, LIST ${o.listPods} pods, ${o.watchers} watchers × ${o.events} events`,
    referenceLabel: 'etcd',
    rows: [
      row('creates', 'per s', 'createsPerSec', 'higher'),
      row('create p99', 'ms', 'createP99', 'lower'),
      row(`LIST ${o.listPods} pods`, 'ms', 'listMs', 'lower'),
      row('watch delivery p50 (from the 201)', 'ms', 'watchAckP50', 'lower'),
      row('watch delivery p99 (from the 201)', 'ms', 'watchAckP99', 'lower'),
      row('watch delivery p99 (from write sent)', 'ms', 'watchSentP99', 'lower'),
      row('watch events delivered', 'fraction', 'delivered', 'higher'),
      row('server resident memory', 'MB', 'rssMb', 'lower'),
    ],
    notes: [
      'watchers run in their own process; "from the 201" = arrival − the writer receiving its 201 (0 when the event came first)',
      options.serverCommand
        ? 'servers run as child processes; targets: ≥ 2000 creates/s, create p99 < 50 ms, watch p99 < 100 ms (embedded)'
        : 'server and clients share one process (memory includes the clients); targets: ≥ 2000 creates/s, create p99 < 50 ms, watch p99 < 100 ms (embedded)',
    ],
  };
}
