/**
 * The real adapter: runs `nft` inside a named network namespace through
 * `ip netns exec NS nft …` (execa 9). One transaction is one `nft -f -` execution, which
 * the kernel applies atomically (nft(8): "the whole ruleset file is applied as a single
 * transaction").
 */
import { execa } from 'execa';
import { ErrorCode, invalid, SwitchyardError } from '../errors/index.js';
import { nftErrorFromStderr } from './errors.js';
import type { Nft } from './nft.js';
import { readBack } from './read-back.js';
import type { Transaction } from './transaction.js';
import type { Family, NftObject } from './types.js';

/** Result of one process execution. */
export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; injected so tests and callers can wrap or observe execution. */
export type ExecFn = (
  file: string,
  args: readonly string[],
  options: { readonly input?: string; readonly timeoutMs: number },
) => Promise<ExecResult>;

/** Options of {@link createNft}. */
export interface NftOptions {
  /**
   * Network namespace (a name under /run/netns) every command runs in. Required: the
   * adapter never touches the namespace it happens to run in by accident.
   */
  readonly netns: string;
  /** Per-command timeout; default 30 s (a 10k-service ruleset loads in ~12 s in chunks). */
  readonly timeoutMs?: number;
  readonly exec?: ExecFn;
}

/** Default ExecFn over execa 9; never rejects on a non-zero exit, only on spawn failure. */
export const execaExec: ExecFn = async (file, args, options) => {
  const r = await execa(file, [...args], {
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    timeout: options.timeoutMs,
    reject: false,
    stripFinalNewline: false,
  });
  if (r.timedOut) {
    throw new SwitchyardError(
      ErrorCode.Timeout,
      `${file} ${args.join(' ')}: timed out after ${options.timeoutMs} ms`,
    );
  }
  if (r.exitCode === undefined) {
    throw new SwitchyardError(ErrorCode.Command, `${file}: ${r.shortMessage ?? 'could not run'}`, {
      cause: r.cause,
    });
  }
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

class ExecNft implements Nft {
  readonly #netns: string;
  readonly #timeoutMs: number;
  readonly #exec: ExecFn;

  constructor(options: NftOptions) {
    this.#netns = options.netns;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#exec = options.exec ?? execaExec;
  }

  async #nft(args: readonly string[], input?: string): Promise<string> {
    const r = await this.#exec('ip', ['netns', 'exec', this.#netns, 'nft', ...args], {
      timeoutMs: this.#timeoutMs,
      ...(input === undefined ? {} : { input }),
    });
    if (r.exitCode !== 0) throw nftErrorFromStderr(r.stderr, `nft ${args.join(' ')} (netns ${this.#netns})`);
    return r.stdout;
  }

  async run(tx: Transaction): Promise<void> {
    if (tx.error !== undefined) throw tx.error;
    if (tx.size === 0) return;
    await this.#nft(['-f', '-'], tx.toString());
  }

  async check(tx: Transaction): Promise<void> {
    if (tx.error !== undefined) throw tx.error;
    if (tx.size === 0) return;
    await this.#nft(['-c', '-f', '-'], tx.toString());
  }

  async listTable(family: Family, name: string): Promise<NftObject[]> {
    return this.#list(['table', family, name]);
  }

  async listRuleset(): Promise<NftObject[]> {
    return this.#list(['ruleset']);
  }

  /**
   * Both listings run concurrently. A transaction landing between them could make them
   * disagree; callers own their table and do not write while they read it back.
   */
  async #list(what: readonly string[]): Promise<NftObject[]> {
    const [json, text] = await Promise.all([
      this.#nft(['-j', 'list', ...what]),
      this.#nft(['-a', 'list', ...what]),
    ]);
    return readBack(json, text);
  }
}

/** An Nft that runs the real `nft` inside `options.netns`. */
export function createNft(options: NftOptions): Nft {
  if (typeof options.netns !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(options.netns)) {
    throw invalid('netns', `must be a network namespace name, got ${JSON.stringify(options.netns)}`);
  }
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) {
    throw invalid('timeoutMs', `must be a positive integer, got ${options.timeoutMs}`);
  }
  return new ExecNft(options);
}
