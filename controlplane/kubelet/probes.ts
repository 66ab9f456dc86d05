/**
 * Probe scheduling and result accounting, pure (upstream pkg/kubelet/prober/worker.go): per
 * container and probe kind, when the next probe is due, and how a run's outcome moves the
 * result through successThreshold/failureThreshold. Readiness and liveness wait for the startup
 * probe; a liveness or startup failure asks for a restart and holds the worker until the
 * container is replaced. Running a probe (httpGet, tcpSocket, exec) is the adapter's part
 * (probe-http.ts, probe-tcp.ts, CRI ExecSync); a timeout counts as a failure.
 */
import type { ProbeSpec } from './model.js';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

/** One probe worker's state, for one container instance. */
export interface ProbeState {
  /** The container instance probed; another id resets the state. */
  readonly containerId: string;
  /** The result the kubelet acts on. */
  readonly result: ProbeResult;
  /** The last outcome of a run and how many runs in a row had it. */
  readonly lastOutcome: ProbeResult;
  readonly run: number;
  /** After a liveness/startup failure: no probing until the container is replaced. */
  readonly onHold: boolean;
  /** Epoch ms of the last run; 0 before the first. */
  readonly lastRunAt: number;
}

/** The container as the prober sees it. */
export interface ProbedContainer {
  readonly id: string;
  readonly running: boolean;
  /** Epoch ms the container started. */
  readonly startedAt: number;
  /** Whether its startup probe succeeded (true when it has none). */
  readonly started: boolean;
}

/** The result before any run: readiness starts failed, liveness succeeded, startup unknown. */
export function initialResult(kind: ProbeKind): ProbeResult {
  return kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
}

export function initialProbeState(kind: ProbeKind, containerId: string): ProbeState {
  const result = initialResult(kind);
  return { containerId, result, lastOutcome: 'unknown', run: 0, onHold: false, lastRunAt: 0 };
}

/**
 * Whether a probe runs now, and when to look again. A new container instance resets the state
 * (and ends a hold); nothing runs while the container is not running, during
 * initialDelaySeconds, on hold, for readiness/liveness before the container started, or for a
 * startup probe once it has; otherwise a run every periodSeconds.
 */
export function probeDue(
  kind: ProbeKind,
  spec: ProbeSpec,
  previous: ProbeState | undefined,
  container: ProbedContainer,
  now: number,
): { state: ProbeState; due: boolean; nextAt?: number } {
  const state =
    previous && previous.containerId === container.id ? previous : initialProbeState(kind, container.id);
  if (!container.running || state.onHold) return { state, due: false };
  if (kind === 'startup' && container.started) return { state, due: false };
  if (kind !== 'startup' && !container.started) return { state, due: false };
  const earliest = Math.max(
    container.startedAt + spec.initialDelaySeconds * 1000,
    state.lastRunAt === 0 ? 0 : state.lastRunAt + spec.periodSeconds * 1000,
  );
  if (now < earliest) return { state, due: false, nextAt: earliest };
  return { state, due: true, nextAt: now + spec.periodSeconds * 1000 };
}

/**
 * Accounts one run's outcome: the result flips only after `successThreshold` successes or
 * `failureThreshold` failures in a row; a liveness or startup failure puts the worker on hold
 * (the kubelet restarts the container) and restarts the count.
 */
export function recordOutcome(
  kind: ProbeKind,
  spec: ProbeSpec,
  state: ProbeState,
  outcome: 'success' | 'failure',
  now: number,
): ProbeState {
  const run = state.lastOutcome === outcome ? state.run + 1 : 1;
  const base = { ...state, lastOutcome: outcome, run, lastRunAt: now };
  const threshold = outcome === 'failure' ? spec.failureThreshold : spec.successThreshold;
  if (run < threshold) return base;
  if (outcome === 'failure' && kind !== 'readiness') {
    return { ...base, result: 'failure', onHold: true, run: 0 };
  }
  return { ...base, result: outcome };
}

/** The probe states of one container instance, by kind (absent kinds have no probe). */
export type ContainerProbes = Partial<Record<ProbeKind, ProbeState>>;

/** What the container's probes mean for its status and for the plan. */
export interface ProbeVerdict {
  readonly started: boolean;
  readonly ready: boolean;
  /** The probe whose failure asks for a restart. */
  readonly failed?: 'liveness' | 'startup';
}

/**
 * A running container is started once its startup probe succeeded (at once without one); ready
 * once started and its readiness probe succeeded (at once without one).
 */
export function probeVerdict(
  specs: { readonly readiness?: ProbeSpec; readonly liveness?: ProbeSpec; readonly startup?: ProbeSpec },
  states: ContainerProbes,
  running: boolean,
): ProbeVerdict {
  if (!running) return { started: false, ready: false };
  const started = !specs.startup || states.startup?.result === 'success';
  const ready = started && (!specs.readiness || states.readiness?.result === 'success');
  const failed =
    specs.startup && states.startup?.result === 'failure'
      ? 'startup'
      : specs.liveness && states.liveness?.result === 'failure'
        ? 'liveness'
        : undefined;
  return { started, ready, ...(failed ? { failed } : {}) };
}

/**
 * A probe's port: a number as given, or the `containerPort` of the container's port of that name
 * (upstream findPortByName); undefined when no port has the name or the number is out of range.
 */
export function resolveProbePort(
  port: number | string,
  ports: readonly { readonly name?: string; readonly containerPort: number }[],
): number | undefined {
  const n =
    typeof port === 'number'
      ? port
      : /^\d+$/.test(port)
        ? Number(port)
        : ports.find((p) => p.name === port)?.containerPort;
  return n !== undefined && Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}
