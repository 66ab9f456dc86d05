/**
 * A thin synchronous adapter over iproute2 for the plugins: one `ip` exec per call, or one
 * `ip -json -batch -` for a whole step (changes and the reads that follow them), inside a
 * namespace given by path: `ip -n NAME` for /run/netns/NAME (ip enters it itself), otherwise
 * `nsenter --net=PATH`. Plugins run once per invocation, so a couple of short execs beat
 * loading a netlink binding at start-up (see cni/README.md, "Start-up cost").
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { CniCode, CniError } from '../../lib/cni/index.js';
import { EEXIST, ENODEV, ENOENT, isNotFound, systemError } from '../../lib/errors/index.js';
import { spawnSync } from './spawn.js';

/** Where a command runs: the current namespace (undefined) or the one at this path. */
export interface InNs {
  readonly netns?: string | undefined;
}

/** Maps iproute2's error text to a coded error (NotFound / AlreadyExists / System). */
function ipError(args: readonly string[], stderr: string, status: number | null): Error {
  const text = stderr.trim().split('\n').slice(-1)[0] ?? '';
  // Words quoted as JSON when they are not plain, so a message shows exactly what was asked.
  const shownArgs = args.map((a) => (/^[A-Za-z0-9_.,:@%+=/;-]+$/.test(a) ? a : JSON.stringify(a)));
  const detail = `ip ${shownArgs.join(' ')}: ${text || `exit ${status}`}`;
  if (/File exists|already assigned/.test(stderr)) return systemError('ip', EEXIST, detail);
  if (/Cannot find device|does not exist|No such device/.test(stderr))
    return systemError('ip', ENODEV, detail);
  if (/No such process|Cannot assign requested address|No such file/.test(stderr)) {
    return systemError('ip', ENOENT, detail);
  }
  return new CniError(CniCode.KernelFailure, detail);
}

function command(args: readonly string[], opts: InNs): { file: string; argv: string[] } {
  if (opts.netns === undefined) return { file: 'ip', argv: [...args] };
  let real = opts.netns;
  try {
    real = realpathSync(opts.netns);
  } catch {
    // missing: nsenter below reports it
  }
  // containerd passes /var/run/netns/cni-…, which resolves to /run/netns: ip can enter it by name.
  if (dirname(real) === '/run/netns') return { file: 'ip', argv: ['-n', basename(real), ...args] };
  return { file: 'nsenter', argv: [`--net=${opts.netns}`, '--', 'ip', ...args] };
}

/** One `ip` command of a batch, as its words (e.g. `['link', 'del', 'dev', name]`). */
export type IpCommand = readonly string[];

/**
 * One word as `ip -batch` reads it back, or undefined when no spelling carries it. iproute2
 * (getcmdline, makeargs) cuts a line at `#` (a comment, even inside quotes), joins a line
 * ending in a backslash with the next, ends the line at a newline and the string at a NUL,
 * splits words on space, tab, CR and LF, and takes a word that starts with `'` or `"` up to
 * the next same quote, without escapes. So: plain words as they are, others quoted with a
 * quote they do not contain (which also keeps a trailing backslash off the line's end).
 */
export function batchWord(word: string): string | undefined {
  if (/^[A-Za-z0-9_.,:@%+=/-]+$/.test(word)) return word;
  if (/[\0\n#]/.test(word)) return undefined;
  if (!word.includes('"')) return `"${word}"`;
  if (!word.includes("'")) return `'${word}'`;
  return undefined;
}

/** The batch text for `commands`, or undefined when some word cannot be written in one. */
export function batchText(commands: readonly IpCommand[]): string | undefined {
  const lines: string[] = [];
  for (const words of commands) {
    const out: string[] = [];
    for (const w of words) {
      const text = batchWord(w);
      if (text === undefined) return undefined;
      out.push(text);
    }
    lines.push(out.join(' '));
  }
  return `${lines.join('\n')}\n`;
}

/** The outcome of `runBatch`: never throws for a failing line, so callers can tell which one failed. */
export interface BatchOutcome {
  readonly ok: boolean;
  /** 0-based index of the failed command (when !ok and iproute2 said which). */
  readonly failedLine: number | undefined;
  /** The failure as a coded error (when !ok). */
  readonly error: Error | undefined;
  /** One parsed JSON array per `show` command that ran, in order. */
  readonly shows: readonly unknown[][];
}

function showsOf(stdout: string): unknown[][] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('['))
    .map((l) => JSON.parse(l) as unknown[]);
}

/**
 * Runs `commands` with one `ip -json -batch -`, and reports which one failed, if any. Each word
 * is quoted for the batch reader (batchWord), so no value can end a command or start another;
 * a word no batch line can carry (a `#`, which the kernel allows in a name) makes it run the
 * commands one exec each, by argument vector, stopping at the first failure as the batch does.
 */
export function runBatch(commands: readonly IpCommand[], opts: InNs = {}): BatchOutcome {
  const input = batchText(commands);
  if (input === undefined) return runOneByOne(commands, opts);
  const { file, argv } = command(['-json', '-batch', '-'], opts);
  const r = spawnSync(file, argv, { input });
  if (r.error) throw new CniError(CniCode.KernelFailure, `${file}: ${r.error.message}`, { cause: r.error });
  const shows = showsOf(r.stdout);
  if (r.status === 0) return { ok: true, failedLine: undefined, error: undefined, shows };
  const m = /Command failed -:(\d+)/.exec(r.stderr);
  const failedLine = m ? Number(m[1]) - 1 : undefined;
  const words =
    failedLine === undefined ? commands.flatMap((c) => [...c, ';']) : (commands[failedLine] ?? []);
  return {
    ok: false,
    failedLine,
    error: ipError(words, r.stderr.replace(/Command failed.*/, ''), r.status),
    shows,
  };
}

function runOneByOne(commands: readonly IpCommand[], opts: InNs): BatchOutcome {
  const shows: unknown[][] = [];
  for (const [i, words] of commands.entries()) {
    const { file, argv } = command(['-json', ...words], opts);
    const r = spawnSync(file, argv);
    if (r.error) throw new CniError(CniCode.KernelFailure, `${file}: ${r.error.message}`, { cause: r.error });
    shows.push(...showsOf(r.stdout));
    if (r.status !== 0) return { ok: false, failedLine: i, error: ipError(words, r.stderr, r.status), shows };
  }
  return { ok: true, failedLine: undefined, error: undefined, shows };
}

/** The interface names of the current network namespace, from /proc/net/dev (no exec). */
export function localLinkNames(): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const name = line.split(':')[0]?.trim();
    if (name) names.add(name);
  }
  return names;
}

/** Runs `ip ARGS…`; returns stdout. Throws a coded error naming the command on failure. */
export function ip(args: readonly string[], opts: InNs & { readonly input?: string } = {}): string {
  const { file, argv } = command(args, opts);
  const r = spawnSync(file, argv, { input: opts.input ?? '' });
  if (r.error) throw new CniError(CniCode.KernelFailure, `${file}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw ipError(args, r.stderr, r.status);
  return r.stdout;
}

/** Runs `ip -json ARGS…` and parses the output (iproute2 prints nothing for an empty list). */
export function ipJson<T>(args: readonly string[], opts: InNs = {}): T[] {
  const out = ip(['-json', ...args], opts).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}

/** One link as `ip -json link show` prints it (the fields we use). */
export interface IpLink {
  readonly ifindex: number;
  readonly ifname: string;
  readonly address?: string;
  readonly mtu?: number;
  readonly flags?: readonly string[];
  readonly operstate?: string;
  readonly master?: string;
  readonly linkinfo?: {
    readonly info_kind?: string;
    readonly info_slave_kind?: string;
    readonly info_slave_data?: Readonly<Record<string, unknown>>;
  };
}

/** One interface with its addresses as `ip -json addr show` prints it. */
export interface IpAddrLink extends IpLink {
  readonly addr_info?: readonly {
    readonly family: string;
    readonly local: string;
    readonly prefixlen: number;
    readonly scope?: string;
  }[];
}

/** The link called `name`, or undefined when it does not exist. */
export function findLink(name: string, opts: InNs = {}): IpLink | undefined {
  try {
    return ipJson<IpLink>(['-details', 'link', 'show', 'dev', name], opts)[0];
  } catch (err: unknown) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The link and addresses of `name`, or undefined when it does not exist. */
export function findAddrs(name: string, opts: InNs = {}): IpAddrLink | undefined {
  try {
    return ipJson<IpAddrLink>(['addr', 'show', 'dev', name], opts)[0];
  } catch (err: unknown) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
