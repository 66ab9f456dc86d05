/**
 * `bench netlink`: the same link lifecycle through lib/netlink and through ip(8), inside two
 * throwaway namespaces, interleaved iteration by iteration (the order alternates) so drift
 * in machine load hits both alike. One iteration is 7 operations: create a veth pair, move
 * one end to the other namespace, add an address, set both ends up, add a route, delete.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ErrorCode, SwitchyardError } from '../../lib/errors/index.js';
import { createNetlink, type Netlink } from '../../lib/netlink/index.js';
import { createNetns, deleteNetns } from '../../lib/netns/index.js';
import { type Benchmark, type BenchOptions, type BenchResult, percentile } from '../framework.js';

const run = promisify(execFile);
const OPS_PER_ITERATION = 7;
const WARMUP = 10;

/** One iteration of the sequence in namespaces `a` and `b`. */
type Sequence = (a: string, b: string) => Promise<void>;

function viaNetlink(nl: Netlink): Sequence {
  return async (a, b) => {
    await nl.createVeth(a, { name: 'bench0', peerName: 'bench1' });
    await nl.setLink(a, { name: 'bench1', netns: b });
    await nl.addAddress(a, { link: 'bench0', address: '10.250.0.1/30' });
    await nl.setLink(a, { name: 'bench0', up: true });
    await nl.setLink(b, { name: 'bench1', up: true });
    await nl.addRoute(a, { dst: '10.251.0.0/16', gateway: '10.250.0.2' });
    await nl.deleteLink(a, 'bench0');
  };
}

const viaIp: Sequence = async (a, b) => {
  const ip = (ns: string, ...args: string[]): Promise<unknown> => run('ip', ['-n', ns, ...args]);
  await ip(a, 'link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1');
  await ip(a, 'link', 'set', 'bench1', 'netns', b);
  await ip(a, 'addr', 'add', '10.250.0.1/30', 'dev', 'bench0');
  await ip(a, 'link', 'set', 'bench0', 'up');
  await ip(b, 'link', 'set', 'bench1', 'up');
  await ip(a, 'route', 'add', '10.251.0.0/16', 'via', '10.250.0.2');
  await ip(a, 'link', 'del', 'bench0');
};

async function timed(seq: Sequence, a: string, b: string): Promise<number> {
  const start = performance.now();
  await seq(a, b);
  return performance.now() - start;
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
    summary: 'link lifecycle through lib/netlink vs ip(8) commands, in two namespaces',
    defaultIterations: 200,
    async run(options: BenchOptions): Promise<BenchResult> {
      if (process.getuid?.() !== 0) {
        throw new SwitchyardError(ErrorCode.Unsupported, 'bench netlink needs root (network namespaces)');
      }
      const iterations = options.iterations ?? 200;
      const prefix = settings.nsPrefix ?? `sy-bench-${process.pid.toString(36)}`;
      const a = `${prefix}-a`;
      const b = `${prefix}-b`;
      const nl = createNetlink();
      const ours = viaNetlink(nl);
      const samples = { ours: [] as number[], ip: [] as number[] };
      createNetns(a);
      try {
        createNetns(b);
        // Warm both paths (socket cache, page cache for ip(8)) before measuring.
        for (let i = 0; i < Math.min(WARMUP, Math.ceil(iterations / 10)); i++) {
          await ours(a, b);
          await viaIp(a, b);
        }
        for (let i = 0; i < iterations; i++) {
          // Alternate which goes first, so neither always runs on a warmer cache.
          if (i % 2 === 0) {
            samples.ours.push(await timed(ours, a, b));
            samples.ip.push(await timed(viaIp, a, b));
          } else {
            samples.ip.push(await timed(viaIp, a, b));
            samples.ours.push(await timed(ours, a, b));
          }
          if ((i + 1) % 50 === 0) options.log(`netlink: ${i + 1}/${iterations} iterations`);
        }
      } finally {
        nl.dispose();
        deleteNetns(a, { ignoreMissing: true });
        deleteNetns(b, { ignoreMissing: true });
      }
      const total = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
      const rate = (xs: readonly number[]): number => (xs.length * OPS_PER_ITERATION) / (total(xs) / 1000);
      return {
        title: `netlink: ${iterations} iterations of ${OPS_PER_ITERATION} operations (veth add, move, addr, up x2, route, del)`,
        referenceLabel: 'ip(8)',
        rows: [
          {
            metric: 'operations/s',
            unit: 'ops/s',
            ours: rate(samples.ours),
            reference: rate(samples.ip),
            better: 'higher',
          },
          {
            metric: 'iteration p50',
            unit: 'ms',
            ours: percentile(samples.ours, 50),
            reference: percentile(samples.ip, 50),
            better: 'lower',
          },
          {
            metric: 'iteration p99',
            unit: 'ms',
            ours: percentile(samples.ours, 99),
            reference: percentile(samples.ip, 99),
            better: 'lower',
          },
        ],
        notes: [
          'Both run in the same process run, interleaved; ip(8) pays a fork+exec per operation,',
          'lib/netlink one request/ACK on a cached per-namespace socket (plus a name lookup).',
        ],
      };
    },
  };
}

/** The registered instance. */
export const netlinkBench: Benchmark = createNetlinkBench();
