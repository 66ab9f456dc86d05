/**
 * The CNI benchmark: the reference bridge + host-local and ours, same config, same run,
 * alternating per pod so machine load hits both alike. Measures ADD and DEL latency (p50/p95)
 * over N pods, the wall time of C concurrent ADDs, and the cost of starting Node (`node -e 0`)
 * as the floor a one-process-per-call Node plugin cannot beat. Everything happens in private
 * `sy-bench-…` namespaces: a "host" one per implementation (bridge, veths) and one per pod.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of one benchmark run. */
export interface CniBenchOptions {
  /** Directory with our plugins (bridge, host-local). */
  readonly ours: string;
  /** Directory with the reference plugins (Debian: /usr/lib/cni). */
  readonly reference: string;
  readonly pods: number;
  readonly concurrent: number;
  /** Progress lines go here. */
  readonly log: (line: string) => void;
}

/** Latency summary in milliseconds. */
export interface Stats {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
}

/** One implementation's numbers. */
export interface ImplResult {
  readonly add: Stats;
  readonly del: Stats;
  readonly concurrentAddWallMs: number;
}

/** The whole run. */
export interface CniBenchResult {
  readonly ours: ImplResult;
  readonly reference: ImplResult;
  readonly nodeStart: Stats;
  /** 1-minute load average before and after the sequential phase (the machine is shared). */
  readonly loadAverage: readonly number[];
}

/** p50/p95 of a sample (nearest-rank). */
export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.max(0, Math.ceil(p * s.length) - 1)] ?? Number.NaN;
  return { n: s.length, p50: q(0.5), p95: q(0.95) };
}

interface Impl {
  readonly label: 'ours' | 'reference';
  readonly dir: string;
  readonly host: string;
  readonly dataDir: string;
}

function run(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  input: string,
): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(performance.now() - start);
      else
        reject(new Error(`${file} ${args.join(' ')} ${env.CNI_COMMAND ?? ''} exited ${code}: ${out.trim()}`));
    });
    child.stdin.end(input);
  });
}

function cni(impl: Impl, cmd: 'ADD' | 'DEL', pod: string, config: string): Promise<number> {
  return run(
    'nsenter',
    [`--net=/run/netns/${impl.host}`, '--', join(impl.dir, 'bridge')],
    {
      CNI_COMMAND: cmd,
      CNI_CONTAINERID: pod,
      CNI_NETNS: `/run/netns/${pod}`,
      CNI_IFNAME: 'eth0',
      CNI_PATH: impl.dir,
    },
    config,
  );
}

function configFor(impl: Impl, index: number): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'bench',
    type: 'bridge',
    bridge: 'sybench0',
    isGateway: true,
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: `10.99.${index}.0/24` }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: impl.dataDir,
    },
  });
}

const loadAverage = (): number => Number((loadavg()[0] ?? 0).toFixed(2));

const netns = (op: 'add' | 'del', name: string) =>
  execFileSync('ip', ['netns', op, name], { stdio: 'ignore' });

/** Runs the benchmark; all namespaces and files it made are removed, also on failure. */
export async function runCniBench(opts: CniBenchOptions): Promise<CniBenchResult> {
  const tag = `sy-bench-${randomBytes(3).toString('hex')}`;
  const created: string[] = [];
  const dirs: string[] = [];
  const mk = (name: string) => {
    netns('add', name);
    created.push(name);
    return name;
  };
  try {
    const impls: Impl[] = (['reference', 'ours'] as const).map((label) => {
      const dataDir = mkdtempSync(join(tmpdir(), `${tag}-${label}-`));
      dirs.push(dataDir);
      return {
        label,
        dir: label === 'ours' ? opts.ours : opts.reference,
        host: mk(`${tag}-h${label[0]}`),
        dataDir,
      };
    });
    const configs = new Map(impls.map((impl, i) => [impl.label, configFor(impl, i + 1)]));
    const samples = new Map(impls.map((i) => [i.label, { add: [] as number[], del: [] as number[] }]));
    const pods = new Map(impls.map((i) => [i.label, [] as string[]]));
    for (const impl of impls) {
      for (let p = 0; p < opts.pods; p++) pods.get(impl.label)?.push(mk(`${tag}-${impl.label[0]}${p}`));
    }
    // One warm-up ADD/DEL each creates the bridge and the store, so sample 0 is not special.
    for (const impl of impls) {
      const warm = mk(`${tag}-w${impl.label[0]}`);
      await cni(impl, 'ADD', warm, configs.get(impl.label) ?? '');
      await cni(impl, 'DEL', warm, configs.get(impl.label) ?? '');
    }
    opts.log(`sequential: ${opts.pods} pods per implementation, alternating, with a node -e 0 each round`);
    const floor: number[] = [];
    const load = [loadAverage()];
    for (const cmd of ['ADD', 'DEL'] as const) {
      for (let p = 0; p < opts.pods; p++) {
        const order = p % 2 === 0 ? impls : [...impls].reverse();
        for (const impl of order) {
          const pod = pods.get(impl.label)?.[p] ?? '';
          const ms = await cni(impl, cmd, pod, configs.get(impl.label) ?? '');
          samples.get(impl.label)?.[cmd === 'ADD' ? 'add' : 'del'].push(ms);
        }
        // The floor is sampled in the same rounds (same machine load) and through the same
        // nsenter hop the plugins take, so the difference is what the plugin itself costs.
        if (cmd === 'ADD') {
          const host = impls[0]?.host ?? '';
          floor.push(
            await run('nsenter', [`--net=/run/netns/${host}`, '--', process.execPath, '-e', '0'], {}, ''),
          );
        }
      }
    }
    load.push(loadAverage());
    opts.log(`concurrent: ${opts.concurrent} ADDs at once per implementation`);
    const wall = new Map<string, number>();
    for (const impl of impls) {
      const batch = (pods.get(impl.label) ?? []).slice(0, opts.concurrent);
      const start = performance.now();
      await Promise.all(batch.map((pod) => cni(impl, 'ADD', pod, configs.get(impl.label) ?? '')));
      wall.set(impl.label, performance.now() - start);
      await Promise.all(batch.map((pod) => cni(impl, 'DEL', pod, configs.get(impl.label) ?? '')));
    }
    const result = (label: 'ours' | 'reference'): ImplResult => ({
      add: stats(samples.get(label)?.add ?? []),
      del: stats(samples.get(label)?.del ?? []),
      concurrentAddWallMs: wall.get(label) ?? Number.NaN,
    });
    return {
      ours: result('ours'),
      reference: result('reference'),
      nodeStart: stats(floor),
      loadAverage: load,
    };
  } finally {
    for (const name of created.reverse()) {
      try {
        netns('del', name);
      } catch {
        // already gone
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** The result as a Markdown table with ratios ours/reference. */
export function formatCniBench(r: CniBenchResult, opts: { pods: number; concurrent: number }): string {
  const f = (n: number) => n.toFixed(1);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const rows = [
    ['ADD p50', r.reference.add.p50, r.ours.add.p50],
    ['ADD p95', r.reference.add.p95, r.ours.add.p95],
    ['DEL p50', r.reference.del.p50, r.ours.del.p50],
    ['DEL p95', r.reference.del.p95, r.ours.del.p95],
    [`${opts.concurrent} concurrent ADDs, wall`, r.reference.concurrentAddWallMs, r.ours.concurrentAddWallMs],
  ] as const;
  const lines = [
    `CNI bridge + host-local, ${opts.pods} pods, ms (each call timed from spawn to exit, via nsenter)`,
    '',
    '| measure | reference | ours | ours/reference |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(([name, ref, ours]) => `| ${name} | ${f(ref)} | ${f(ours)} | ${ratio(ours, ref)} |`),
    `| nsenter … node -e 0 (floor) p50 / p95 | | ${f(r.nodeStart.p50)} / ${f(r.nodeStart.p95)} | |`,
    '',
    `ours ADD p50 − node start p50 = ${f(r.ours.add.p50 - r.nodeStart.p50)} ms (target ≤ 20 ms); load average ${r.loadAverage.join(' → ')} on ${availableParallelism()} CPUs`,
  ];
  return `${lines.join('\n')}\n`;
}
