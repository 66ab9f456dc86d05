/**
 * The lab's operations, shared by the CLI (`up`, `down`, `exec`) and by tests: build or converge
 * a lab and record it, tear it down, run a command inside it. Status and clean live beside it.
 */
import type { StdioOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import { invalid, notFound } from '../lib/errors/index.js';
import { spawnInNetns } from '../lib/netns/index.js';
import { applyPlan, kernelNetns, type LabNetlink, type NetnsOps } from './apply.js';
import { controlPlaneFiles } from './components.js';
import { downNodes } from './node-runtime.js';
import { processOwner } from './owner.js';
import { FABRIC, type LabPlan, labTargetOf, planLab } from './plan.js';
import type { LabSpec } from './spec.js';
import {
  type LabLease,
  type LabOwner,
  type LabPaths,
  type LabState,
  leaseFile,
  readLease,
  readState,
  removeFile,
  stateFile,
  writeLease,
  writeState,
} from './state.js';
import { downComponents } from './supervise.js';

/** Where the lab's files are and how it reaches the kernel. */
export interface LabEnv {
  readonly paths: LabPaths;
  readonly netlink: LabNetlink;
  /** Default: the machine's namespaces (lib/netns). */
  readonly netns?: NetnsOps;
}

/** Options for {@link upLab}. */
export interface UpOptions {
  readonly spec: LabSpec;
  /** Who keeps the lab once built: `detached` for `switchyard up`, this process for tests. */
  readonly owner: LabOwner;
  /** The clock for `createdAt`; default the system clock. */
  readonly now?: () => Date;
}

/** What `up` did. */
export interface UpReport {
  readonly state: LabState;
  readonly plan: LabPlan;
  /** The actions taken, one line each; empty when the lab was already as planned. */
  readonly actions: readonly string[];
}

function lease(paths: LabPaths, plan: LabPlan, owner: LabOwner): LabLease {
  return { version: 1, labId: plan.spec.labId, prefix: plan.prefix, stateFile: stateFile(paths), owner };
}

/**
 * Builds the lab, or converges an existing one to `spec`. While it works the lease names this
 * process as owner, so a crash mid-way leaves a lab that `lab clean` recognises as dead; once
 * built, the lease names `options.owner`. A lab this call created is removed again on failure.
 */
export async function upLab(env: LabEnv, options: UpOptions): Promise<UpReport> {
  const { spec } = options;
  const file = stateFile(env.paths);
  const existing = readState(file);
  if (existing && existing.labId !== spec.labId) {
    throw invalid(
      'labId',
      `${file} holds lab ${existing.labId}, not ${spec.labId}; run "switchyard down" first`,
    );
  }
  const plan = planLab(spec);
  const state: LabState = {
    version: 1,
    labId: spec.labId,
    prefix: plan.prefix,
    nodes: spec.nodes,
    lbMode: spec.lbMode,
    namespaces: plan.namespaces.map((n) => ({ target: n.target, name: n.name })),
    createdAt: existing?.createdAt ?? (options.now ?? (() => new Date()))().toISOString(),
  };
  const previous = existing ? readLease(leaseFile(env.paths, spec.labId)) : undefined;
  writeLease(env.paths, lease(env.paths, plan, processOwner()));
  writeState(file, state);
  const netns = env.netns ?? kernelNetns;
  let actions: string[];
  try {
    actions = await applyPlan(plan, { netlink: env.netlink, netns });
  } catch (err: unknown) {
    // A lab we were creating goes again; a lab that was there stays its owner's, half-converged,
    // for the next `up` to finish.
    if (!existing) await downLab(env);
    else writeLease(env.paths, lease(env.paths, plan, previous?.owner ?? options.owner));
    throw err;
  }
  writeLease(env.paths, lease(env.paths, plan, options.owner));
  return { state, plan, actions };
}

/** What `down` removed. */
export interface DownReport {
  /** The lab that was there, or undefined when there was none (down is idempotent). */
  readonly labId: string | undefined;
  readonly namespaces: readonly string[];
  /** The control-plane components that were recorded (and are stopped now). */
  readonly components: readonly string[];
  /** The nodes whose kubelet and containerd were recorded (and are stopped now). */
  readonly nodes: readonly string[];
}

/**
 * Removes the lab recorded in the state dir: its control-plane components (also the host
 * forwarder), the processes inside its namespaces, the namespaces (also any of its names the
 * state file does not list), the control plane's files, the state file and the lease.
 * Without a lab it does nothing.
 */
export async function downLab(env: Pick<LabEnv, 'paths' | 'netns'>): Promise<DownReport> {
  const file = stateFile(env.paths);
  const state = readState(file);
  if (!state) return { labId: undefined, namespaces: [], components: [], nodes: [] };
  const netns = env.netns ?? kernelNetns;
  // Claim the lab for this process first: a `lab clean` running meanwhile then leaves it to us,
  // and if we crash half-way it knows the lab is dead.
  writeLease(env.paths, {
    version: 1,
    labId: state.labId,
    prefix: state.prefix,
    stateFile: file,
    owner: processOwner(),
  });
  // Kubelets and containerd first: pods are removed through CRI while the runtime still runs.
  const nodes = await downNodes(env.paths.stateDir);
  const stopped = await downComponents(env.paths.stateDir);
  const listed = state.namespaces.map((n) => n.name);
  const present = new Set(netns.list());
  const names = [
    ...new Set([...listed, ...[...present].filter((n) => labTargetOf(state.prefix, n) !== undefined)]),
  ]
    .filter((n) => present.has(n))
    .sort();
  await netns.killProcesses(names);
  for (const name of names) netns.remove(name);
  const cp = controlPlaneFiles(env.paths.stateDir);
  for (const path of [cp.dataDir, cp.logDir, cp.hostKubeconfig, cp.components]) {
    rmSync(path, { recursive: true, force: true });
  }
  removeFile(file);
  removeFile(leaseFile(env.paths, state.labId));
  return { labId: state.labId, namespaces: names, components: stopped, nodes };
}

/** Reads the lab of a state dir, or throws a NotFound error that says how to make one. */
export function requireState(paths: LabPaths): LabState {
  const state = readState(stateFile(paths));
  if (!state) throw notFound('lab', `${paths.stateDir} (run "switchyard up" first)`);
  return state;
}

/** The namespace of an exec target; an unknown target is an error listing the valid ones. */
export function targetNamespace(state: LabState, target: string): string {
  const found = state.namespaces.find((n) => n.target === target);
  if (!found) {
    throw invalid(
      'target',
      `unknown target "${target}"; one of: ${state.namespaces.map((n) => n.target).join(', ')}`,
    );
  }
  return found.name;
}

/** Options for {@link execInLab}. */
export interface ExecOptions {
  readonly target: string;
  readonly argv: readonly string[];
  /** Default `inherit`: the command talks to our terminal. */
  readonly stdio?: StdioOptions;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command inside a lab namespace and resolves with its exit status (128 + signal number
 * when a signal ended it, as shells report it).
 */
export async function execInLab(state: LabState, options: ExecOptions): Promise<number> {
  const [cmd, ...args] = options.argv;
  if (cmd === undefined) throw invalid('command', 'missing; usage: exec TARGET -- CMD…');
  const ns = targetNamespace(state, options.target);
  return new Promise((resolve, reject) => {
    const child = spawnInNetns(
      ns,
      { cmd, args },
      { stdio: options.stdio ?? 'inherit', ...(options.env ? { env: options.env } : {}) },
    );
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      resolve(code ?? 128 + (sig ? (constants.signals[sig] ?? 0) : 0));
    });
  });
}

/** The report `switchyard up` prints: the namespaces, their addresses, and how to use them. Pure. */
export function formatUp(report: UpReport): string {
  const { plan, actions } = report;
  const changes = actions.length === 0 ? 'already up, nothing changed' : `${actions.length} change(s)`;
  const width = Math.max(...plan.namespaces.map((n) => n.target.length));
  const nsWidth = Math.max(...plan.namespaces.map((n) => n.name.length));
  const rows = plan.namespaces.map(
    (n) =>
      `  ${n.target.padEnd(width)}  ${n.name.padEnd(nsWidth)}  ${n.address}/16${n.role === 'fabric' ? ' (bridge fabric0)' : ''}`,
  );
  const firstNode = plan.namespaces.find((n) => n.role === 'node');
  const peer =
    plan.namespaces.filter((n) => n.role === 'node')[1] ?? plan.namespaces.find((n) => n.role === 'client');
  return [
    `lab ${plan.spec.labId}: ${plan.spec.nodes} node(s), lb-mode ${plan.spec.lbMode} (${changes})`,
    ...rows,
    '',
    `run a command:  switchyard exec ${firstNode?.target ?? 'node-1'} -- ping -c1 ${peer?.address ?? FABRIC.clientAddress}`,
    '        status:  switchyard status',
    '     tear down:  switchyard down',
    '',
  ].join('\n');
}
