/**
 * A snapshot of the root network namespace and of the run's leftovers, so the global guard can
 * prove the suite changed nothing outside its own namespaces.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The parts of root-namespace state that tests must never change. */
export interface RootState {
  readonly links: readonly string[];
  readonly addresses: readonly string[];
  readonly routes: readonly string[];
  readonly nftRuleset: string;
}

function run(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

function jsonLines(out: string, pick: (row: Record<string, unknown>) => string): string[] {
  if (!out.trim()) return [];
  return (JSON.parse(out) as Record<string, unknown>[]).map(pick).sort();
}

/**
 * Reads the root namespace's links, addresses, routes and nft ruleset as sorted text. With
 * `netns`, reads that namespace instead: only the guard's own test does, so it can change
 * "root" state without touching the machine's.
 */
export function readRootState(netns?: string): RootState {
  const ip = (args: readonly string[]): string =>
    run('ip', netns === undefined ? args : ['-n', netns, ...args]);
  const links = jsonLines(ip(['-j', 'link', 'show']), (l) =>
    [l.ifname, l.link_type, l.mtu, l.master ?? '', l.address ?? ''].join(' '),
  );
  const addresses = ip(['-o', 'addr', 'show'])
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/).slice(1, 4).join(' '))
    .sort();
  const routes = ['-4', '-6'].flatMap((family) =>
    ip([family, '-o', 'route', 'show', 'table', 'all'])
      .split('\n')
      .filter(Boolean)
      .map((r) => r.replace(/\s+expires \S+/, '').trim()),
  );
  routes.sort();
  const nftRuleset =
    netns === undefined
      ? run('nft', ['list', 'ruleset'])
      : run('ip', ['netns', 'exec', netns, 'nft', 'list', 'ruleset']);
  return { links, addresses, routes, nftRuleset };
}

/** Differences between two snapshots of `where`, one line each; empty when equal. */
export function diffRootState(before: RootState, after: RootState, where = 'root namespace'): string[] {
  const out: string[] = [];
  for (const key of ['links', 'addresses', 'routes'] as const) {
    const a = new Set(before[key]);
    const b = new Set(after[key]);
    for (const x of a) if (!b.has(x)) out.push(`${where} ${key}: removed ${x}`);
    for (const x of b) if (!a.has(x)) out.push(`${where} ${key}: added ${x}`);
  }
  if (before.nftRuleset !== after.nftRuleset) out.push(`${where} nft ruleset changed`);
  return out;
}

/** Network namespaces whose name carries the run id. */
export function leftoverNamespaces(id: string): string[] {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`sy-${id}`));
}

/** Processes (other than this one) whose command line mentions the run id. */
export function leftoverProcesses(id: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    if (cmdline.includes(`sy-${id}`)) found.push({ pid, cmdline });
  }
  return found;
}
