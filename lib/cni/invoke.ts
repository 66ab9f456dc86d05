/**
 * The runtime side of the protocol (SPEC.md §"Execution protocol"): find the plugin binary in
 * CNI_PATH, run it with CNI_* environment and the config on stdin, parse the result or the
 * spec error. The kubelet and the bridge plugin's IPAM delegation both use it.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { CniCode, CniError } from './errors.js';
import { parseResult } from './result.js';
import type { CniCommand, Result, VersionInfo } from './types.js';

/** What an exec of a plugin produced. */
export interface ExecOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file` with exactly `env` and `input` on stdin; injected so tests and callers can time it. */
export type ExecFn = (
  file: string,
  opts: { env: Readonly<Record<string, string>>; input: string },
) => Promise<ExecOutput>;

/**
 * The default ExecFn: one child process, no shell. `node:child_process` is loaded on first use:
 * the bridge plugin bundles this module for IPAM delegation, and loading it eagerly would add
 * its start-up cost (it pulls in `net`) to every call that never delegates.
 */
export const spawnExec: ExecFn = (file, opts) => {
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    // A plugin that exits without reading stdin closes the pipe early; that is its business.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input);
  });
};

/** Finds `type` in the CNI_PATH directories; throws a code-7 error naming the type. */
export function findPlugin(type: string, paths: readonly string[]): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) {
    throw new CniError(CniCode.InvalidNetworkConfig, `type: invalid plugin name "${type}"`, {
      field: 'type',
    });
  }
  for (const dir of paths) {
    if (!dir) continue;
    const file = join(dir, type);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory: try the next one
    }
  }
  throw new CniError(
    CniCode.InvalidNetworkConfig,
    `type: plugin "${type}" not found in CNI_PATH [${paths.join(':')}]`,
    {
      field: 'type',
    },
  );
}

/** One plugin invocation. */
export interface InvokeOptions {
  /** Path to the plugin executable. */
  readonly binary: string;
  readonly command: CniCommand;
  /** The plugin's config object (cniVersion and name included). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly containerId?: string;
  readonly netns?: string;
  readonly ifname?: string;
  /** CNI_ARGS as pairs, joined with `;`. */
  readonly args?: readonly (readonly [string, string])[];
  /** CNI_PATH directories. */
  readonly path?: readonly string[];
  /** Extra environment passed through (PATH by default is the caller's). */
  readonly env?: Readonly<Record<string, string>>;
  readonly exec?: ExecFn;
}

/** Builds the environment of one invocation (SPEC.md §"Parameters"). */
export function pluginEnv(opts: InvokeOptions): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    ...opts.env,
  };
  env.CNI_COMMAND = opts.command;
  if (opts.containerId !== undefined) env.CNI_CONTAINERID = opts.containerId;
  if (opts.netns !== undefined) env.CNI_NETNS = opts.netns;
  if (opts.ifname !== undefined) env.CNI_IFNAME = opts.ifname;
  if (opts.args !== undefined) env.CNI_ARGS = opts.args.map(([k, v]) => `${k}=${v}`).join(';');
  if (opts.path !== undefined) env.CNI_PATH = opts.path.join(':');
  return env;
}

function pluginError(opts: InvokeOptions, out: ExecOutput): CniError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(out.stdout);
  } catch {
    parsed = undefined;
  }
  if (
    typeof parsed === 'object' &&
    parsed !== null &&
    typeof (parsed as { code?: unknown }).code === 'number'
  ) {
    const e = parsed as { code: number; msg?: unknown; details?: unknown };
    return new CniError(e.code, typeof e.msg === 'string' ? e.msg : `plugin failed with code ${e.code}`, {
      ...(typeof e.details === 'string' && e.details ? { details: e.details } : {}),
    });
  }
  const text = (out.stderr || out.stdout).trim().split('\n').slice(-1)[0] ?? '';
  return new CniError(CniCode.Internal, `${opts.binary} ${opts.command} exited ${out.code}: ${text}`);
}

/** Runs a plugin and returns its raw stdout; throws the plugin's CniError on failure. */
export async function invokeRaw(opts: InvokeOptions): Promise<string> {
  const exec = opts.exec ?? spawnExec;
  const out = await exec(opts.binary, { env: pluginEnv(opts), input: JSON.stringify(opts.config) });
  if (out.code !== 0) throw pluginError(opts, out);
  return out.stdout;
}

/** ADD: runs the plugin and parses its result (any supported version) into the 1.x shape. */
export async function invokeAdd(opts: Omit<InvokeOptions, 'command'>): Promise<Result> {
  const stdout = await invokeRaw({ ...opts, command: 'ADD' });
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (err: unknown) {
    throw new CniError(CniCode.DecodeFailure, `${opts.binary} ADD: result is not JSON`, { cause: err });
  }
  return parseResult(json, `${opts.binary} result`);
}

/** DEL, CHECK, STATUS or GC: success is exit 0; output is ignored. */
export async function invokeVoid(
  opts: InvokeOptions & { readonly command: 'DEL' | 'CHECK' | 'STATUS' | 'GC' },
): Promise<void> {
  await invokeRaw(opts);
}

/** VERSION: asks the plugin which config versions it supports. */
export async function invokeVersion(
  opts: Omit<InvokeOptions, 'command' | 'config'> & { readonly cniVersion: string },
): Promise<VersionInfo> {
  const stdout = await invokeRaw({ ...opts, command: 'VERSION', config: { cniVersion: opts.cniVersion } });
  const json = JSON.parse(stdout) as Partial<VersionInfo>;
  if (typeof json.cniVersion !== 'string' || !Array.isArray(json.supportedVersions)) {
    throw new CniError(CniCode.DecodeFailure, `${opts.binary} VERSION: unexpected reply ${stdout.trim()}`);
  }
  return { cniVersion: json.cniVersion, supportedVersions: json.supportedVersions };
}
