/**
 * The lab's control plane as data (issues 4 and 5): which `switchyard <component>` processes run,
 * in which namespace, with which flags, and how their health is probed. Pure: `up` turns this list
 * and what it observes into start / keep / restart decisions ({@link planComponents}), and
 * `supervise.ts` carries them out.
 */
import { join } from 'node:path';
import { isJsonObject } from '../lib/api/json.js';
import { invalid } from '../lib/errors/index.js';
import { FABRIC } from './plan.js';
import type { LabState } from './state.js';

/** The API server's port inside the control-plane namespace (kube-apiserver's secure port). */
export const APISERVER_PORT = 6443;
/** kube-scheduler's and kube-controller-manager's secure ports upstream, used for our health endpoints. */
export const SCHEDULER_METRICS_PORT = 10259;
export const CONTROLLER_MANAGER_METRICS_PORT = 10257;

/** Where and how a component's health answers. */
export interface HealthProbe {
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** One process of the lab's control plane. */
export interface ComponentSpec {
  readonly name: string;
  /** The exec target whose namespace runs it; undefined: the root namespace (the host forwarder). */
  readonly target: string | undefined;
  /** Kernel namespace name, or undefined for the root namespace. */
  readonly namespace: string | undefined;
  /** Arguments after the `switchyard` command itself. */
  readonly args: readonly string[];
  /** Probed from inside `namespace`. */
  readonly health: HealthProbe;
  /** Its stdout and stderr go here. */
  readonly log: string;
}

/** Input of {@link labComponents}. */
export interface ComponentsInput {
  readonly state: LabState;
  readonly stateDir: string;
  /** The host port of the forwarder to the API server (127.0.0.1:port). */
  readonly forwardPort: number;
}

/** Files of the control plane under the state dir. */
export function controlPlaneFiles(stateDir: string): {
  readonly dataDir: string;
  readonly adminKubeconfig: string;
  readonly schedulerKubeconfig: string;
  readonly controllerManagerKubeconfig: string;
  readonly caCert: string;
  readonly hostKubeconfig: string;
  readonly components: string;
  readonly logDir: string;
} {
  const dataDir = join(stateDir, 'apiserver');
  return {
    dataDir,
    // Written by the API server itself (controlplane/apiserver/server.ts), pointing at 172.30.0.2.
    adminKubeconfig: join(dataDir, 'admin.kubeconfig'),
    // Also the API server's: each component its own identity (system:kube-scheduler, …).
    schedulerKubeconfig: join(dataDir, 'scheduler.kubeconfig'),
    controllerManagerKubeconfig: join(dataDir, 'controller-manager.kubeconfig'),
    caCert: join(dataDir, 'pki', 'ca.crt'),
    hostKubeconfig: join(stateDir, 'kubeconfig'),
    components: join(stateDir, 'components.json'),
    logDir: join(stateDir, 'logs'),
  };
}

function namespaceOf(state: LabState, target: string): string {
  const found = state.namespaces.find((n) => n.target === target);
  if (!found) throw invalid('namespaces', `lab ${state.labId} has no ${target} namespace`);
  return found.name;
}

/**
 * The control plane of a lab, in start order: each one needs the ones before it ready (the
 * forwarder and the controllers talk to the API server). Pure.
 */
export function labComponents(input: ComponentsInput): ComponentSpec[] {
  const { state, stateDir, forwardPort } = input;
  if (!Number.isInteger(forwardPort) || forwardPort < 1 || forwardPort > 65535) {
    throw invalid('forwardPort', `must be 1–65535, got ${forwardPort}`);
  }
  const files = controlPlaneFiles(stateDir);
  const cp = namespaceOf(state, 'control-plane');
  const host = FABRIC.controlPlaneAddress;
  const log = (name: string): string => join(files.logDir, `${name}.log`);
  return [
    {
      name: 'apiserver',
      target: 'control-plane',
      namespace: cp,
      args: [
        'apiserver',
        '--data-dir',
        files.dataDir,
        '--listen',
        `${host}:${APISERVER_PORT}`,
        '--advertise-address',
        host,
        '--enable-admission-plugins',
        'ServiceAccount',
      ],
      health: { scheme: 'https', host, port: APISERVER_PORT, path: '/readyz' },
      log: log('apiserver'),
    },
    {
      name: 'forwarder',
      target: undefined,
      namespace: undefined,
      // The namespace name (sy-<labid>-control-plane) in the command line lets leftover detection
      // (the test guard, `lab clean`) tie this root-namespace process to its lab.
      args: [
        'lab',
        'forward',
        '--listen',
        `127.0.0.1:${forwardPort}`,
        '--netns',
        cp,
        '--to',
        `${host}:${APISERVER_PORT}`,
      ],
      health: { scheme: 'https', host: '127.0.0.1', port: forwardPort, path: '/readyz' },
      log: log('forwarder'),
    },
    {
      name: 'scheduler',
      target: 'control-plane',
      namespace: cp,
      args: [
        'scheduler',
        '--kubeconfig',
        files.schedulerKubeconfig,
        '--metrics-addr',
        `${host}:${SCHEDULER_METRICS_PORT}`,
      ],
      health: { scheme: 'http', host, port: SCHEDULER_METRICS_PORT, path: '/healthz' },
      log: log('scheduler'),
    },
    {
      name: 'controller-manager',
      target: 'control-plane',
      namespace: cp,
      args: [
        'controller-manager',
        '--kubeconfig',
        files.controllerManagerKubeconfig,
        // As kubeadm's manifest: each controller holds only its own role.
        '--use-service-account-credentials',
        '--metrics-addr',
        `${host}:${CONTROLLER_MANAGER_METRICS_PORT}`,
      ],
      health: { scheme: 'http', host, port: CONTROLLER_MANAGER_METRICS_PORT, path: '/healthz' },
      log: log('controller-manager'),
    },
  ];
}

/** A component's process as recorded when it was started. */
export interface ComponentRecord {
  readonly pid: number;
  /** Start time in clock ticks (see owner.ts): a pid alone may be reused. */
  readonly startTicks: number;
  readonly args: readonly string[];
}

/** What `up` observed about a component before deciding. */
export interface ComponentObservation {
  /** The recorded process, when it still runs (same pid and start time). */
  readonly running?: ComponentRecord;
  readonly healthy: boolean;
}

/** One decision of {@link planComponents}. */
export interface ComponentAction {
  readonly name: string;
  readonly kind: 'keep' | 'start' | 'restart';
  readonly reason: string;
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Decides per component: a running, healthy process with the same flags stays; a dead one is
 * started; a running one with other flags or no health answer is restarted. Pure.
 */
export function planComponents(
  specs: readonly ComponentSpec[],
  observed: ReadonlyMap<string, ComponentObservation>,
): ComponentAction[] {
  return specs.map((spec): ComponentAction => {
    const seen = observed.get(spec.name);
    const running = seen?.running;
    if (!running) return { name: spec.name, kind: 'start', reason: 'was not running' };
    if (!sameArgs(running.args, spec.args)) {
      return { name: spec.name, kind: 'restart', reason: `pid ${running.pid} runs with other flags` };
    }
    if (!seen.healthy) {
      return {
        name: spec.name,
        kind: 'restart',
        reason: `pid ${running.pid} does not answer ${spec.health.path}`,
      };
    }
    return { name: spec.name, kind: 'keep', reason: `pid ${running.pid} running and healthy` };
  });
}

/** The file that records the components' processes. */
export interface ComponentsFile {
  readonly version: 1;
  readonly forwardPort: number;
  readonly components: Readonly<Record<string, ComponentRecord>>;
}

/** Checks a parsed components file; errors name the file and field. */
export function parseComponentsFile(path: string, raw: unknown): ComponentsFile {
  if (!isJsonObject(raw) || raw.version !== 1) throw invalid(`${path}: version`, 'must be 1');
  const { forwardPort, components } = raw;
  if (typeof forwardPort !== 'number') throw invalid(`${path}: forwardPort`, 'must be a number');
  if (!isJsonObject(components)) throw invalid(`${path}: components`, 'must be an object');
  const out: Record<string, ComponentRecord> = {};
  for (const [name, rec] of Object.entries(components)) {
    if (
      !isJsonObject(rec) ||
      typeof rec.pid !== 'number' ||
      typeof rec.startTicks !== 'number' ||
      !Array.isArray(rec.args) ||
      !rec.args.every((a) => typeof a === 'string')
    ) {
      throw invalid(`${path}: components.${name}`, 'must be {pid, startTicks, args}');
    }
    out[name] = { pid: rec.pid, startTicks: rec.startTicks, args: rec.args as string[] };
  }
  return { version: 1, forwardPort, components: out };
}

/** The host kubeconfig: the API server's admin kubeconfig with its server moved to the forwarder. */
export interface HostKubeconfigOptions {
  /** The admin kubeconfig as the API server wrote it (JSON, which is YAML). */
  readonly admin: string;
  readonly port: number;
  /**
   * A name in the serving certificate's SANs, set as `tls-server-name` when the certificate does
   * not cover 127.0.0.1; undefined when it does.
   */
  readonly serverName?: string;
}

/** Rewrites every cluster's server to https://127.0.0.1:PORT. Pure. */
export function hostKubeconfig(options: HostKubeconfigOptions): string {
  let doc: unknown;
  try {
    doc = JSON.parse(options.admin);
  } catch {
    throw invalid('admin kubeconfig', 'not JSON as the API server writes it');
  }
  if (!isJsonObject(doc) || !Array.isArray(doc.clusters) || doc.clusters.length === 0) {
    throw invalid('admin kubeconfig: clusters', 'must be a non-empty list');
  }
  const clusters = doc.clusters.map((c: unknown, i) => {
    if (!isJsonObject(c) || !isJsonObject(c.cluster))
      throw invalid(`admin kubeconfig: clusters[${i}]`, 'must have a cluster');
    return {
      ...c,
      cluster: {
        ...c.cluster,
        server: `https://127.0.0.1:${options.port}`,
        ...(options.serverName === undefined ? {} : { 'tls-server-name': options.serverName }),
      },
    };
  });
  return `${JSON.stringify({ ...doc, clusters }, null, 2)}\n`;
}
