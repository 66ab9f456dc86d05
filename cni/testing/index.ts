/**
 * Test helpers for the plugins: build the real bundles once per test process, and run a
 * plugin executable the way a runtime does (env + stdin → exit status, stdout).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
let built: string | undefined;

/** Builds bridge, host-local, loopback and portmap into a temporary directory; returns it. */
export function buildPlugins(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'sy-cni-bin-'));
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cni-out', dir], { stdio: 'inherit' });
  built = dir;
  return dir;
}

/** Removes the directory `buildPlugins` made. */
export function removePlugins(): void {
  if (built) rmSync(built, { recursive: true, force: true });
  built = undefined;
}

/** One finished plugin run. */
export interface RunOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed stdout, when it is JSON. */
  readonly json: Record<string, unknown> | undefined;
  readonly ms: number;
}

/** How to run a plugin: the CNI_* variables (others come from PATH only) and the stdin config. */
export interface RunSpec {
  readonly binary: string;
  readonly env: Readonly<Record<string, string>>;
  readonly config: unknown;
  /** Run inside this network namespace (by path) via nsenter, as a runtime in a "host" netns would. */
  readonly hostNetns?: string;
}

/** Runs a plugin process and collects its output (never throws on a non-zero exit). */
export function runCni(spec: RunSpec): Promise<RunOutput> {
  const start = performance.now();
  const file = spec.hostNetns ? 'nsenter' : spec.binary;
  const args = spec.hostNetns ? [`--net=${spec.hostNetns}`, '--', spec.binary] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? 1, stdout, stderr, json, ms: performance.now() - start });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(typeof spec.config === 'string' ? spec.config : JSON.stringify(spec.config));
  });
}

export { addNetns, delNetns, execIn, ipJsonIn } from './netns.js';

/** What `writePodConflist` puts in a runtime's CNI config dir. */
export interface PodConflistOptions {
  readonly bridge: string;
  /** The pods' subnet, e.g. `10.85.0.0/24`. */
  readonly subnet: string;
  /** host-local's store. */
  readonly ipamDir: string;
  /** Also chain portmap (hostPort mappings). */
  readonly portmap?: boolean;
}

/** Writes `10-sy.conflist` (bridge + host-local, portmap if asked, loopback) into `confDir`. */
export function writePodConflist(confDir: string, o: PodConflistOptions): void {
  mkdirSync(confDir, { recursive: true });
  const bridge = {
    type: 'bridge',
    bridge: o.bridge,
    isGateway: true,
    isDefaultGateway: true,
    ...(o.portmap ? { hairpinMode: true } : {}),
    ipam: { type: 'host-local', ranges: [[{ subnet: o.subnet }]], dataDir: o.ipamDir },
  };
  const plugins = [
    bridge,
    ...(o.portmap ? [{ type: 'portmap', capabilities: { portMappings: true } }] : []),
    { type: 'loopback' },
  ];
  writeFileSync(
    join(confDir, '10-sy.conflist'),
    JSON.stringify({ cniVersion: '1.0.0', name: 'sypods', plugins }),
  );
}
