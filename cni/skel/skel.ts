/**
 * The plugin-side runner: CNI_* env + JSON stdin → one of the plugin's command handlers →
 * result JSON on stdout, or the spec's error JSON on stdout with exit status 1 (SPEC.md
 * §"Error"; libcni's skel prints errors to stdout too). Logs never go to stdout.
 */
import { readFileSync, writeSync } from 'node:fs';
import {
  type Attachment,
  CniCode,
  CniError,
  CURRENT_VERSION,
  formatResult,
  IMPLICIT_VERSION,
  type NetConf,
  negotiateVersion,
  type Result,
  SUPPORTED_VERSIONS,
} from '../../lib/cni/index.js';
import { ErrorCode, SwitchyardError } from '../../lib/errors/index.js';
import { type CniEnv, readEnv } from './env.js';
import { containerIdProblem, netnsFault } from './input.js';

/** What a command handler gets: the validated environment and the plugin's frozen config. */
export interface PluginCall<C> {
  readonly env: CniEnv;
  readonly conf: C;
  /** The stdin config as received (after JSON parsing), for delegation to other plugins. */
  readonly raw: NetConf;
}

/**
 * A CNI plugin: a config parser (parse → default → validate → freeze; throws `invalid()` naming
 * the field) and one handler per command. Handlers throw CniError (or any SwitchyardError) to
 * fail; STATUS and GC are optional (missing STATUS means "ready", missing GC means "nothing to
 * collect").
 */
export interface Plugin<C> {
  /** Shown in the "about" line: `CNI <name> plugin …`. */
  readonly name: string;
  /**
   * The CNI_ARGS keys the plugin reads. When set, any other key fails the call unless
   * `IgnoreUnknown=1` (or true) is among the args, as libcni's `types.LoadArgs` does for the
   * reference plugins (containerd always sends IgnoreUnknown=1 with its K8S_POD_* args).
   */
  readonly cniArgs?: readonly string[];
  parse(conf: NetConf, env: CniEnv): C;
  add(call: PluginCall<C>): Promise<Result>;
  del(call: PluginCall<C>): Promise<void>;
  check(call: PluginCall<C>): Promise<void>;
  status?(call: PluginCall<C>): Promise<void>;
  gc?(call: PluginCall<C>, valid: readonly Attachment[]): Promise<void>;
}

/** Where the runner reads and writes; injected so tests run it in-process. */
export interface PluginIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: () => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Maps any thrown value to a CniError: config errors → 7, other coded errors keep their sense. */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  if (err instanceof SwitchyardError) {
    const code =
      err.code === ErrorCode.Invalid
        ? CniCode.InvalidNetworkConfig
        : err.code === ErrorCode.Unsupported
          ? CniCode.UnsupportedField
          : CniCode.Internal;
    return new CniError(code, err.message, { cause: err, ...(err.field ? { field: err.field } : {}) });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CniError(CniCode.Internal, message, { cause: err });
}

function decode(stdin: string): NetConf {
  let json: unknown;
  try {
    json = JSON.parse(stdin);
  } catch (err: unknown) {
    throw new CniError(CniCode.DecodeFailure, `error decoding network config: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CniError(CniCode.DecodeFailure, 'error decoding network config: not a JSON object');
  }
  return json as NetConf;
}

/** Checks the keys every config has: `cniVersion` (default 0.1.0, so it fails) and `name`. */
function checkBase(conf: NetConf, env: CniEnv): string {
  const version = conf.cniVersion ?? IMPLICIT_VERSION;
  if (typeof version !== 'string') {
    throw new CniError(CniCode.InvalidNetworkConfig, 'cniVersion: must be a string', { field: 'cniVersion' });
  }
  if (typeof conf.name !== 'string') {
    throw new CniError(CniCode.InvalidNetworkConfig, 'name: missing network name', { field: 'name' });
  }
  const p = containerIdProblem(conf.name);
  if (p) throw new CniError(CniCode.InvalidNetworkConfig, `name: ${p}`, { field: 'name' });
  return negotiateVersion(version, env.command);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Reads `cni.dev/valid-attachments` (GC input; libcni's key, not the draft `cni.dev/attachments`). */
function validAttachments(conf: NetConf): readonly Attachment[] {
  const raw = conf['cni.dev/valid-attachments'] ?? [];
  if (!Array.isArray(raw)) {
    throw new CniError(CniCode.InvalidNetworkConfig, 'cni.dev/valid-attachments: must be a list', {
      field: 'cni.dev/valid-attachments',
    });
  }
  return raw.map((a: unknown, i) => {
    const o = a as Partial<Attachment> | null;
    if (typeof o?.containerID !== 'string' || typeof o.ifname !== 'string') {
      const field = `cni.dev/valid-attachments[${i}]`;
      throw new CniError(CniCode.InvalidNetworkConfig, `${field}: needs string containerID and ifname`, {
        field,
      });
    }
    return { containerID: o.containerID, ifname: o.ifname };
  });
}

/** Fails with code 4 on CNI_ARGS keys the plugin does not read, unless IgnoreUnknown is set. */
function checkCniArgs(env: CniEnv, known: readonly string[]): void {
  const ignore = env.args.get('IgnoreUnknown')?.toLowerCase();
  if (ignore === '1' || ignore === 'true') return;
  const unknown = [...env.args].filter(([k]) => k !== 'IgnoreUnknown' && !known.includes(k));
  if (unknown.length === 0) return;
  const list = unknown.map(([k, v]) => JSON.stringify(`${k}=${v}`)).join(', ');
  throw new CniError(
    CniCode.InvalidEnvironment,
    `CNI_ARGS: unknown args [${list}] (add IgnoreUnknown=1 to have them ignored)`,
    { field: 'CNI_ARGS' },
  );
}

/**
 * ADD and CHECK enter CNI_NETNS, so it must be a namespace file: code 3 (container unknown)
 * when it does not exist, code 4 when it is something else. DEL does not ask: it must succeed
 * when the namespace is gone.
 */
function checkNetns(netns: string): void {
  const fault = netnsFault(netns);
  if (!fault) return;
  const code = fault.kind === 'missing' ? CniCode.UnknownContainer : CniCode.InvalidEnvironment;
  throw new CniError(code, `CNI_NETNS: ${fault.problem}`, { field: 'CNI_NETNS' });
}

async function dispatch<C>(
  plugin: Plugin<C>,
  io: PluginIo,
  env: CniEnv,
  seen: { version?: string },
): Promise<string | undefined> {
  const stdin = await io.stdin();
  if (env.command === 'VERSION') {
    let asked = CURRENT_VERSION;
    try {
      const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
      if (typeof v === 'string' && v !== '') asked = v;
    } catch {
      // VERSION tolerates any stdin, as libcni's skel does
    }
    return JSON.stringify({ cniVersion: asked, supportedVersions: SUPPORTED_VERSIONS });
  }
  const raw = decode(stdin);
  const version = checkBase(raw, env);
  seen.version = version;
  if (plugin.cniArgs) checkCniArgs(env, plugin.cniArgs);
  let conf: C;
  try {
    conf = deepFreeze(plugin.parse(raw, env));
  } catch (err: unknown) {
    const e = toCniError(err);
    throw e.cniCode === CniCode.Internal
      ? new CniError(CniCode.InvalidNetworkConfig, e.message, { cause: err })
      : e;
  }
  if (env.command === 'ADD' || env.command === 'CHECK') checkNetns(env.netns);
  const call: PluginCall<C> = { env, conf, raw };
  switch (env.command) {
    case 'ADD':
      return JSON.stringify(formatResult(await plugin.add(call), version));
    case 'DEL':
      await plugin.del(call);
      return undefined;
    case 'CHECK':
      await plugin.check(call);
      return undefined;
    case 'STATUS':
      if (plugin.status) await plugin.status(call);
      return undefined;
    case 'GC':
      if (plugin.gc) await plugin.gc(call, validAttachments(raw));
      return undefined;
  }
}

/**
 * Runs one invocation and resolves to the exit status. With no CNI_COMMAND it prints the
 * "about" line on stderr and exits 0, as the reference plugins do.
 */
export async function runPlugin<C>(plugin: Plugin<C>, io: PluginIo): Promise<number> {
  // The error JSON carries the config's version once it is known (SPEC.md §"Error").
  const seen: { version?: string } = {};
  try {
    const env = readEnv(io.env);
    if (env === undefined) {
      io.stderr(
        `CNI ${plugin.name} plugin (switchyard)\nCNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}\n`,
      );
      return 0;
    }
    const out = await dispatch(plugin, io, env, seen);
    if (out !== undefined) io.stdout(`${out}\n`);
    return 0;
  } catch (err: unknown) {
    const e = toCniError(err);
    io.stdout(`${JSON.stringify(e.toJSON(seen.version ?? CURRENT_VERSION))}\n`);
    if (e.cniCode === CniCode.Internal && process.env.CNI_DEBUG) io.stderr(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}

/**
 * Reads all of stdin. Synchronous reads of fd 0 skip building process.stdin (a stream over a
 * pipe or socket), which costs a plugin tens of milliseconds of start-up; a non-blocking fd
 * (EAGAIN) falls back to the stream.
 */
function readStdin(): Promise<string> {
  try {
    return Promise.resolve(readFileSync(0, 'utf8'));
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
      return Promise.reject(
        new CniError(CniCode.IoFailure, `reading stdin: ${(err as Error).message}`, { cause: err }),
      );
    }
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (d: Buffer) => chunks.push(d));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', (err) =>
      reject(new CniError(CniCode.IoFailure, `reading stdin: ${err.message}`, { cause: err })),
    );
  });
}

/** Writes all of `text` to a file descriptor synchronously (no stream set-up; see readStdin). */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/**
 * The `main` of a plugin executable: real env, stdin, stdout, stderr; exits with the status.
 * Exits explicitly as soon as the answer is written (synchronously, so nothing is left to
 * drain): the runtime waits for the process to end, and letting the event loop wind down on
 * its own costs a few milliseconds per call for nothing.
 */
export async function pluginMain<C>(plugin: Plugin<C>): Promise<void> {
  const code = await runPlugin(plugin, {
    env: process.env,
    stdin: readStdin,
    stdout: (t) => writeAll(1, t),
    stderr: (t) => writeAll(2, t),
  });
  process.exit(code);
}
