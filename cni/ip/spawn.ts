/**
 * Synchronous process execution for the plugins, without loading `node:child_process`.
 *
 * A plugin lives for one CNI call, so module loading is on every pod's critical path, and
 * `node:child_process` pulls in `net`, `dgram` and the stream machinery: about 5 ms of each
 * call's ~15 ms of work here (cni/README.md, "Start-up cost"). The plugins only need what
 * `child_process.spawnSync` itself calls: the `spawn_sync` binding, reachable through
 * `process.binding` (deprecated, DEP0111, but kept on Node 20–24 for exactly this allow-list).
 * Where that is gone, or refuses, this falls back to `child_process.spawnSync`, loaded only then;
 * both paths give the same `SpawnResult` (spawn.test.ts runs each).
 */
import { getSystemErrorName } from 'node:util';
import { processBinding } from './binding.js';

/** What a finished child left: exit status (null when killed), its output, or why it did not run. */
export interface SpawnResult {
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the process could not be started (e.g. ENOENT for a missing binary). */
  readonly error: (Error & { code?: string }) | undefined;
}

/** Options of `spawnSync`. */
export interface SpawnOptions {
  /** Written to the child's stdin, which is then closed. */
  readonly input?: string;
  /** Largest stdout or stderr accepted, in bytes (default 64 MiB); beyond it the child is killed. */
  readonly maxBuffer?: number;
}

interface StdioPipe {
  readonly type: 'pipe';
  readonly readable: boolean;
  readonly writable: boolean;
  readonly input?: Uint8Array;
}

/** The options object the `spawn_sync` binding reads (lib/internal/child_process.js builds the same). */
interface BindingOptions {
  readonly file: string;
  readonly args: readonly string[];
  readonly envPairs: readonly string[];
  readonly stdio: readonly StdioPipe[];
  readonly maxBuffer: number;
  readonly killSignal: number;
  readonly detached: boolean;
  readonly windowsHide: boolean;
  readonly windowsVerbatimArguments: boolean;
}

interface BindingResult {
  readonly status: number | null;
  readonly signal: string | null;
  readonly output: readonly (Uint8Array | null)[] | null;
  /** A negative errno when the child could not be started or was cut short. */
  readonly error?: number;
}

interface SpawnSyncBinding {
  spawn(options: BindingOptions): BindingResult;
}

const DEFAULT_MAX_BUFFER = 64 << 20;
const SIGTERM = 15;

function isSpawnSyncBinding(value: unknown): value is SpawnSyncBinding {
  return typeof (value as Partial<SpawnSyncBinding> | undefined)?.spawn === 'function';
}

function text(b: Uint8Array | null | undefined): string {
  return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8') : '';
}

function errnoError(file: string, errno: number): Error & { code: string } {
  const code = getSystemErrorName(errno);
  return Object.assign(new Error(`spawnSync ${file} ${code}`), { code, errno, syscall: `spawnSync ${file}` });
}

/**
 * The argument check child_process does before it spawns: the binding hands C strings to
 * execve, so an embedded NUL would silently cut an argument short (`eth0\0x` → `eth0`).
 */
function refuseNul(file: string, args: readonly string[]): void {
  const at = [file, ...args].findIndex((a) => a.includes('\0'));
  if (at < 0) return;
  const name = at === 0 ? 'file' : `args[${at - 1}]`;
  throw Object.assign(new TypeError(`The argument '${name}' must be a string without null bytes`), {
    code: 'ERR_INVALID_ARG_VALUE',
  });
}

function viaBinding(
  b: SpawnSyncBinding,
  file: string,
  args: readonly string[],
  o: SpawnOptions,
): SpawnResult {
  refuseNul(file, args);
  const envPairs: string[] = [];
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) envPairs.push(`${k}=${v}`);
  const r = b.spawn({
    file,
    args: [file, ...args],
    envPairs,
    stdio: [
      { type: 'pipe', readable: true, writable: false, input: Buffer.from(o.input ?? '') },
      { type: 'pipe', readable: false, writable: true },
      { type: 'pipe', readable: false, writable: true },
    ],
    maxBuffer: o.maxBuffer ?? DEFAULT_MAX_BUFFER,
    killSignal: SIGTERM,
    detached: false,
    windowsHide: false,
    windowsVerbatimArguments: false,
  });
  return {
    status: r.status,
    signal: r.signal,
    stdout: text(r.output?.[1]),
    stderr: text(r.output?.[2]),
    error: r.error ? errnoError(file, r.error) : undefined,
  };
}

/** `child_process.spawnSync`, for when the binding is unavailable (and for the tests). */
export function spawnSyncPortable(file: string, args: readonly string[], o: SpawnOptions = {}): SpawnResult {
  const { spawnSync: nodeSpawnSync } = process.getBuiltinModule('node:child_process');
  const r = nodeSpawnSync(file, args, {
    input: o.input ?? '',
    encoding: 'utf8',
    maxBuffer: o.maxBuffer ?? DEFAULT_MAX_BUFFER,
  });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    error: r.error,
  };
}

/**
 * Runs `file args…` to completion with stdin `input`; never throws for a failing child. Throws
 * (TypeError, code ERR_INVALID_ARG_VALUE) for a NUL byte in `file` or `args`, as child_process does.
 */
export function spawnSync(file: string, args: readonly string[], o: SpawnOptions = {}): SpawnResult {
  const b = processBinding('spawn_sync');
  return isSpawnSyncBinding(b) ? viaBinding(b, file, args, o) : spawnSyncPortable(file, args, o);
}
