/**
 * `bench netlink`: the same work through lib/netlink and through ip(8), inside two throwaway
 * namespaces, interleaved iteration by iteration (the order alternates) so drift in machine
 * load hits both alike. Two sequences:
 * - lifecycle (6 operations, the sequence): create a veth pair, move one end to the
 *   other namespace, add an address, set both ends up, add a route. Moving a link waits for an
 *   RCU grace period in the kernel, which both sides pay. The pair is deleted after each
 *   iteration, outside the timed window (deletion waits for another grace period and is not
 *   part of the sequence).
 * - address/route (4 operations) on an existing link: add an address, add a route, delete
 *   the route, delete the address; this isolates the per-operation cost.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ErrorCode, SwitchyardError } from '../../lib/errors/index.js';
import { createNetlink, type Netlink } from '../../lib/netlink/index.js';
import { createNetns, deleteNetns } from '../../lib/netns/index.js';
import {
  type Benchmark,
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  percentile,
} from '../framework.js';

const run = promisify(execFile);
const WARMUP = 10;

/** One iteration of a sequence in namespaces `a` and `b`. */
type Sequence = (a: string, b: string) => Promise<void>;

/** The same sequence both ways, and how many operations one iteration is. */
interface Pair {
  readonly name: string;
  readonly ops: number;
  readonly ours: Sequence;
  readonly ip: Sequence;
  /** Untimed clean-up after each iteration of either side. */
  readonly cleanup?: Sequence;
}

const ip = (ns: string, ...args: string[]): Promise<unknown> => run('ip', ['-n', ns, ...args]);

function lifecycle(nl: Netlink): Pair {
  return {
    name: 'lifecycle',
    ops: 6,
    ours: async (a, b) => {
      await nl.createVeth(a, { name: 'bench0', peerName: 'bench1' });
      await nl.setLink(a, { name: 'bench1', netns: b });
      await nl.addAddress(a, { link: 'bench0', address: '10.250.0.1/30' });
      await nl.setLink(a, { name: 'bench0', up: true });
      await nl.setLink(b, { name: 'bench1', up: true });
      await nl.addRoute(a, { dst: '10.251.0.0/16', gateway: '10.250.0.2' });
    },
    ip: async (a, b) => {
      await ip(a, 'link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1');
      await ip(a, 'link', 'set', 'bench1', 'netns', b);
      await ip(a, 'addr', 'add', '10.250.0.1/30', 'dev', 'bench0');
      await ip(a, 'link', 'set', 'bench0', 'up');
      await ip(b, 'link', 'set', 'bench1', 'up');
      await ip(a, 'route', 'add', '10.251.0.0/16', 'via', '10.250.0.2');
    },
    cleanup: async (a) => {
      await nl.deleteLink(a, 'bench0');
    },
  };
}

/** Needs the link `stay0` (up, in `a`) that `run` creates before measuring. */
function addressRoute(nl: Netlink): Pair {
  return {
    name: 'address/route',
    ops: 4,
    ours: async (a) => {
      await nl.addAddress(a, { link: 'stay0', address: '10.252.0.1/24' });
      await nl.addRoute(a, { dst: '10.253.0.0/16', gateway: '10.252.0.2' });
      await nl.deleteRoute(a, { dst: '10.253.0.0/16' });
      await nl.deleteAddress(a, { link: 'stay0', address: '10.252.0.1/24' });
    },
    ip: async (a) => {
      await ip(a, 'addr', 'add', '10.252.0.1/24', 'dev', 'stay0');
      await ip(a, 'route', 'add', '10.253.0.0/16', 'via', '10.252.0.2');
      await ip(a, 'route', 'del', '10.253.0.0/16');
      await ip(a, 'addr', 'del', '10.252.0.1/24', 'dev', 'stay0');
    },
  };
}

async function timed(pair: Pair, seq: Sequence, ns: { a: string; b: string }): Promise<number> {
  const start = performance.now();
  await seq(ns.a, ns.b);
  const elapsed = performance.now() - start;
  await pair.cleanup?.(ns.a, ns.b);
  return elapsed;
}

/** Runs a pair interleaved; returns per-iteration milliseconds for each side. */
async function measure(
  pair: Pair,
  ns: { a: string; b: string; iterations: number },
  log: (line: string) => void,
): Promise<{ ours: number[]; ip: number[] }> {
  const { iterations } = ns;
  // Warm both paths (socket cache, page cache for ip(8)) before measuring.
  for (let i = 0; i < Math.min(WARMUP, Math.ceil(iterations / 10)); i++) {
    await timed(pair, pair.ours, ns);
    await timed(pair, pair.ip, ns);
  }
  const samples = { ours: [] as number[], ip: [] as number[] };
  for (let i = 0; i < iterations; i++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (i % 2 === 0) {
      samples.ours.push(await timed(pair, pair.ours, ns));
      samples.ip.push(await timed(pair, pair.ip, ns));
    } else {
      samples.ip.push(await timed(pair, pair.ip, ns));
      samples.ours.push(await timed(pair, pair.ours, ns));
    }
    if ((i + 1) % 50 === 0) log(`netlink ${pair.name}: ${i + 1}/${iterations} iterations`);
  }
  return samples;
}

function rows(pair: Pair, samples: { ours: number[]; ip: number[] }): BenchRow[] {
  const total = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
  const rate = (xs: readonly number[]): number => (xs.length * pair.ops) / (total(xs) / 1000);
  const pct = (p: number): BenchRow => ({
    metric: `${pair.name} iteration p${p}`,
    unit: 'ms',
    ours: percentile(samples.ours, p),
    reference: percentile(samples.ip, p),
    better: 'lower',
  });
  return [
    {
      metric: `${pair.name} operations/s`,
      unit: 'ops/s',
      ours: rate(samples.ours),
      reference: rate(samples.ip),
      better: 'higher',
    },
    pct(50),
    pct(99),
  ];
}

/** Options for the netlink benchmark. */
export interface NetlinkBenchOptions {
  /** Namespace name prefix; `-a`/`-b` are appended. Default `sy-bench-<pid>`. */
  readonly nsPrefix?: string;
}

/** Creates the netlink benchmark (the registry uses the default prefix). */
export function createNetlinkBench(settings: NetlinkBenchOptions = {}): Benchmark {
  return {
    name: 'netlink',
    summary: 'link lifecycle and address/route changes through lib/netlink vs ip(8) commands',
    defaultIterations: 200,
    async run(options: BenchOptions): Promise<BenchResult> {
      if (process.getuid?.() !== 0) {
        throw new SwitchyardError(ErrorCode.Unsupported, 'bench netlink needs root (network namespaces)');
      }
      const iterations = options.iterations ?? 200;
      const prefix = settings.nsPrefix ?? `sy-bench-${process.pid.toString(36)}`;
      const ns = { a: `${prefix}-a`, b: `${prefix}-b`, iterations };
      const nl = createNetlink();
      const out: BenchRow[] = [];
      createNetns(ns.a);
      try {
        createNetns(ns.b);
        const life = lifecycle(nl);
        out.push(...rows(life, await measure(life, ns, options.log)));
        await nl.createVeth(ns.a, { name: 'stay0', peerName: 'stay1', peerNs: ns.b });
        await nl.setLink(ns.a, { name: 'stay0', up: true });
        const l3 = addressRoute(nl);
        out.push(...rows(l3, await measure(l3, ns, options.log)));
      } finally {
        nl.dispose();
        deleteNetns(ns.a, { ignoreMissing: true });
        deleteNetns(ns.b, { ignoreMissing: true });
      }
      return {
        title: `netlink: ${iterations} iterations each, lib/netlink and ip(8) interleaved in the same run`,
        referenceLabel: 'ip(8)',
        rows: out,
        notes: [
          'lifecycle = veth add, move peer, addr add, up x2, route add (6 ops; the pair is deleted untimed);',
          'address/route = addr add, route add, route del, addr del on an existing link (4 ops).',
          'ip(8) pays a fork+exec per operation; lib/netlink one request/ACK on a cached socket.',
        ],
      };
    },
  };
}

/** The registered instance. */
export const netlinkBench: Benchmark = createNetlinkBench();
