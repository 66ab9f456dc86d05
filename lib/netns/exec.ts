/**
 * Child processes inside a network namespace. A child cannot inherit a setns() done on our
 * main thread safely (spawn runs on that thread, but libuv may fork from a state we do not
 * control), so the child enters the namespace itself through nsenter(1) (util-linux).
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { ErrorCode, notFound, SwitchyardError } from '../errors/index.js';
import { netnsExists } from './manage.js';
import { netnsPath } from './path.js';

/** Options for `runInNetns`. */
export interface RunOptions {
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string | Buffer;
  /** Kill the child (SIGKILL) after this many milliseconds and reject with a Timeout error. */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Reject with a Command error when the exit status is not 0. Default false. */
  readonly check?: boolean;
}

/** What a finished child left behind. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit status; 128 + signal number when killed by a signal. */
  readonly exitCode: number;
}

const SIGNALS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

function argv(ns: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  if (ns === undefined) return [cmd, [...args]];
  if (!netnsExists(ns)) throw notFound('network namespace', ns);
  return ['nsenter', [`--net=${netnsPath(ns)}`, '--', cmd, ...args]];
}

/**
 * Starts `cmd args` inside namespace `ns` (name or path; undefined: our own) and returns the
 * child at once, for long-running processes. Unknown namespace → `notFound`.
 */
export function spawnInNetns(
  ns: string | undefined,
  command: { readonly cmd: string; readonly args?: readonly string[] },
  options: SpawnOptions = {},
): ChildProcess {
  const [file, list] = argv(ns, command.cmd, command.args ?? []);
  return spawn(file, list, options);
}

/**
 * Runs `cmd args` inside namespace `ns` to completion and resolves with its output and exit
 * status. Unknown namespace → `notFound`; a command that cannot start → Command error.
 */
export async function runInNetns(
  ns: string | undefined,
  command: { readonly cmd: string; readonly args?: readonly string[] },
  options: RunOptions = {},
): Promise<RunResult> {
  const [file, list] = argv(ns, command.cmd, command.args ?? []);
  const shown = [command.cmd, ...(command.args ?? [])].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, list, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new SwitchyardError(ErrorCode.Command, `${shown}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: RunResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0),
      };
      if (timedOut) {
        reject(new SwitchyardError(ErrorCode.Timeout, `${shown}: timed out after ${options.timeoutMs} ms`));
      } else if (options.check && result.exitCode !== 0) {
        const why = result.stderr.trim().split('\n').pop() ?? '';
        reject(new SwitchyardError(ErrorCode.Command, `${shown}: exit status ${result.exitCode}: ${why}`));
      } else {
        resolve(result);
      }
    });
    child.stdin?.on('error', () => {
      // The child may exit before reading its input; its exit status tells the story.
    });
    child.stdin?.end(options.input ?? '');
  });
}
