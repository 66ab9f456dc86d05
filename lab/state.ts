/**
 * Where a lab is written down, so `down`, `status`, `exec` and `lab clean` find it later.
 *
 * Two files per lab:
 * - the state file, `<stateDir>/lab.json`: what the lab is (id, prefix, node count, namespaces);
 * - the lease, `<runDir>/labs/<labId>.json`: who keeps it alive and where its state file is.
 *   `lab clean` scans the leases, so it sees every lab on the machine whatever its state dir.
 *   The run dir defaults to /run/switchyard, a tmpfs that vanishes with the namespaces on reboot.
 *
 * Files are replaced by rename, so a reader never sees half a file.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isJsonObject } from '../lib/api/json.js';
import { invalid, messageOf } from '../lib/errors/index.js';
import type { LbMode } from './spec.js';

/** Who keeps a lab alive. */
export type LabOwner =
  /** The lab lives while this process does (a test, or an `up`/`down` still at work). */
  | { readonly kind: 'process'; readonly pid: number; readonly startTicks: number }
  /** The lab was built by `switchyard up` and lives until `switchyard down`. */
  | { readonly kind: 'detached' };

/** One lab namespace in the state file. */
export interface LabNamespace {
  readonly target: string;
  readonly name: string;
}

/** The state file: what the lab is. */
export interface LabState {
  readonly version: 1;
  readonly labId: string;
  readonly prefix: string;
  readonly nodes: number;
  readonly lbMode: LbMode;
  readonly namespaces: readonly LabNamespace[];
  readonly createdAt: string;
}

/** The lease: who owns the lab and where its state file is. */
export interface LabLease {
  readonly version: 1;
  readonly labId: string;
  readonly prefix: string;
  /** Absolute path of the lab's state file. */
  readonly stateFile: string;
  readonly owner: LabOwner;
}

/** The directories a lab uses. */
export interface LabPaths {
  /** Holds `lab.json` (and later the kubeconfig); default `<repo>/.switchyard`. */
  readonly stateDir: string;
  /** Holds `labs/<labId>.json` leases; default `/run/switchyard`. */
  readonly runDir: string;
}

/** Environment variables that move the lab's files (tests point them at a temp dir). */
export const ENV_STATE_DIR = 'SWITCHYARD_STATE_DIR';
export const ENV_RUN_DIR = 'SWITCHYARD_RUN_DIR';
/** Picks the lab id for `up` when no lab exists yet (tests use it to carry the run id). */
export const ENV_LAB_ID = 'SWITCHYARD_LAB_ID';

/** Resolves the lab's directories from the environment, defaulting under the repository root. */
export function labPaths(root: string, env: NodeJS.ProcessEnv = process.env): LabPaths {
  return {
    stateDir: resolve(env[ENV_STATE_DIR] || join(root, '.switchyard')),
    runDir: resolve(env[ENV_RUN_DIR] || '/run/switchyard'),
  };
}

/** The state file of a state dir. */
export function stateFile(paths: LabPaths): string {
  return join(paths.stateDir, 'lab.json');
}

/** The lease file of a lab. */
export function leaseFile(paths: Pick<LabPaths, 'runDir'>, labId: string): string {
  return join(paths.runDir, 'labs', `${labId}.json`);
}

function writeAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

/** A JSON file's value, or undefined when there is no file; errors name the file. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err: unknown) {
    throw invalid(path, `not valid JSON: ${messageOf(err)}`, err);
  }
}

/** Checks a parsed state file; errors name the file and field. */
export function parseState(path: string, raw: unknown): LabState {
  if (!isJsonObject(raw) || raw.version !== 1) throw invalid(`${path}: version`, 'must be 1');
  const { labId, prefix, nodes, lbMode, namespaces, createdAt } = raw;
  if (typeof labId !== 'string' || typeof prefix !== 'string') {
    throw invalid(`${path}: labId`, 'labId and prefix must be strings');
  }
  if (typeof nodes !== 'number') throw invalid(`${path}: nodes`, 'must be a number');
  if (lbMode !== 'l2' && lbMode !== 'bgp') throw invalid(`${path}: lbMode`, 'must be "l2" or "bgp"');
  if (!Array.isArray(namespaces)) throw invalid(`${path}: namespaces`, 'must be a list');
  const list = namespaces.map((n: unknown, i): LabNamespace => {
    if (!isJsonObject(n) || typeof n.target !== 'string' || typeof n.name !== 'string') {
      throw invalid(`${path}: namespaces[${i}]`, 'must be {target, name}');
    }
    return { target: n.target, name: n.name };
  });
  return {
    version: 1,
    labId,
    prefix,
    nodes,
    lbMode,
    namespaces: list,
    createdAt: typeof createdAt === 'string' ? createdAt : '',
  };
}

/** Checks a parsed lease; errors name the file and field. */
export function parseLease(path: string, raw: unknown): LabLease {
  if (!isJsonObject(raw) || raw.version !== 1) throw invalid(`${path}: version`, 'must be 1');
  const { labId, prefix, stateFile: file, owner } = raw;
  if (typeof labId !== 'string' || typeof prefix !== 'string' || typeof file !== 'string') {
    throw invalid(`${path}: labId`, 'labId, prefix and stateFile must be strings');
  }
  if (!isJsonObject(owner)) throw invalid(`${path}: owner`, 'must be an object');
  let parsed: LabOwner;
  if (owner.kind === 'detached') parsed = { kind: 'detached' };
  else if (
    owner.kind === 'process' &&
    typeof owner.pid === 'number' &&
    typeof owner.startTicks === 'number'
  ) {
    parsed = { kind: 'process', pid: owner.pid, startTicks: owner.startTicks };
  } else throw invalid(`${path}: owner`, 'must be {kind:"detached"} or {kind:"process",pid,startTicks}');
  return { version: 1, labId, prefix, stateFile: file, owner: parsed };
}

/** Reads the state file of a state dir, or undefined when there is none. */
export function readState(path: string): LabState | undefined {
  const raw = readJsonFile(path);
  return raw === undefined ? undefined : parseState(path, raw);
}

/** Writes a state file atomically. */
export function writeState(path: string, state: LabState): void {
  writeAtomic(path, state);
}

/** Reads a lease, or undefined when there is none. */
export function readLease(path: string): LabLease | undefined {
  const raw = readJsonFile(path);
  return raw === undefined ? undefined : parseLease(path, raw);
}

/** Writes a lease atomically. */
export function writeLease(paths: Pick<LabPaths, 'runDir'>, lease: LabLease): void {
  writeAtomic(leaseFile(paths, lease.labId), lease);
}

/** Every lease file under the run dir (absolute paths, sorted). */
export function listLeaseFiles(paths: Pick<LabPaths, 'runDir'>): string[] {
  const dir = join(paths.runDir, 'labs');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => join(dir, n));
}

/** Removes a file; a missing file is fine (removal is idempotent). */
export function removeFile(path: string): void {
  rmSync(path, { force: true });
}
