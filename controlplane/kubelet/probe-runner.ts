/**
 * Runs a pod's due probes (upstream pkg/kubelet/prober): on each sync of the pod, for the newest
 * running instance of every app container and each probe it has, probes.ts decides whether a
 * run is due; the due ones run at once — httpGet (probe-http.ts) and tcpSocket (probe-tcp.ts)
 * against the pod's IP (or the probe's host), exec through CRI ExecSync with the probe's
 * timeout — and their outcomes are accounted (recordOutcome). What comes back feeds the next
 * plan (liveness/startup failures restart the container), the status (ready, started) and the
 * requeue (when the next probe is due). The states live here, by container id, and are dropped
 * with the container.
 */
import type { CriClient } from '../../lib/cri/index.js';
import { messageOf } from '../../lib/errors/index.js';
import type { ContainerSpec, KubeletPod, ProbeSpec } from './model.js';
import type { ObservedContainer, ObservedPod } from './observed.js';
import type { ProbeFailure } from './plan.js';
import { probeHttp } from './probe-http.js';
import { type ProbeRun, probeTcp } from './probe-tcp.js';
import {
  type ContainerProbes,
  type ProbeKind,
  probeDue,
  probeVerdict,
  recordOutcome,
  resolveProbePort,
} from './probes.js';
import type { ContainerProbeView } from './status.js';

/** What one pod's probing says. */
export interface PodProbes {
  /** By container id: ready and started, for the status. */
  readonly views: ReadonlyMap<string, ContainerProbeView>;
  /** By container id: the failed liveness or startup probe, for the plan. */
  readonly failures: ReadonlyMap<string, ProbeFailure>;
  /** Epoch ms the next probe of the pod is due, if any. */
  readonly nextAt?: number;
}

/** One probe run: what it targets. */
export interface ProbeTarget {
  readonly containerId: string;
  /** The pod's IP (the node's for host-network pods). */
  readonly podIP: string | undefined;
  readonly ports: ContainerSpec['ports'];
}

const KINDS: readonly ProbeKind[] = ['startup', 'readiness', 'liveness'];

function specOf(c: ContainerSpec, kind: ProbeKind): ProbeSpec | undefined {
  return kind === 'readiness' ? c.readinessProbe : kind === 'liveness' ? c.livenessProbe : c.startupProbe;
}

/** Runs one probe's handler; it never throws (an error is a failure with its message). */
export async function runProbe(cri: CriClient, spec: ProbeSpec, target: ProbeTarget): Promise<ProbeRun> {
  const timeoutMs = spec.timeoutSeconds * 1000;
  const { httpGet, tcpSocket, exec } = spec.handler;
  try {
    if (exec) {
      const res = await cri.execSync({
        containerId: target.containerId,
        cmd: exec.command ?? [],
        timeout: spec.timeoutSeconds,
      });
      const out = `${res.stdout.toString()}${res.stderr.toString()}`.slice(0, 10 * 1024);
      return res.exitCode === 0
        ? { result: 'success', message: out }
        : { result: 'failure', message: out || `command exited with ${res.exitCode}` };
    }
    const handler = httpGet ?? tcpSocket;
    if (!handler) return { result: 'failure', message: 'probe has no handler' };
    const port = resolveProbePort(handler.port, target.ports);
    if (port === undefined) return { result: 'failure', message: `unknown port ${String(handler.port)}` };
    const host = handler.host || target.podIP;
    if (!host) return { result: 'failure', message: 'the pod has no IP yet' };
    if (httpGet) {
      const headers = (httpGet as { httpHeaders?: { name: string; value: string }[] }).httpHeaders;
      return await probeHttp(
        {
          scheme: httpGet.scheme ?? 'HTTP',
          host,
          port,
          path: httpGet.path ?? '/',
          ...(headers ? { headers } : {}),
        },
        timeoutMs,
      );
    }
    return await probeTcp(host, port, timeoutMs);
  } catch (err) {
    return { result: 'failure', message: messageOf(err) };
  }
}

/** The probe states of every container this kubelet probes. */
export class ProbeRunner {
  readonly #cri: CriClient;
  readonly #states = new Map<string, ContainerProbes>();

  constructor(cri: CriClient) {
    this.#cri = cri;
  }

  /** Probes what is due of `pod` at `now`; returns the views, failures and the next due time. */
  async sync(
    pod: KubeletPod,
    observed: ObservedPod,
    podIP: string | undefined,
    now: number,
  ): Promise<PodProbes> {
    const views = new Map<string, ContainerProbeView>();
    const failures = new Map<string, ProbeFailure>();
    let nextAt: number | undefined;
    const runs: Promise<void>[] = [];
    for (const spec of pod.containers) {
      const latest = observed.containers.find((c) => c.name === spec.name);
      if (latest?.state !== 'CONTAINER_RUNNING') continue;
      runs.push(
        this.#probeContainer(spec, latest, podIP, now).then((r) => {
          views.set(latest.id, { ready: r.ready, started: r.started });
          if (r.failed) failures.set(latest.id, r.failed);
          if (r.nextAt !== undefined) nextAt = Math.min(nextAt ?? r.nextAt, r.nextAt);
        }),
      );
    }
    await Promise.all(runs);
    return { views, failures, ...(nextAt !== undefined ? { nextAt } : {}) };
  }

  async #probeContainer(
    spec: ContainerSpec,
    c: ObservedContainer,
    podIP: string | undefined,
    now: number,
  ): Promise<{ ready: boolean; started: boolean; failed?: ProbeFailure; nextAt?: number }> {
    const specs = {
      ...(spec.readinessProbe ? { readiness: spec.readinessProbe } : {}),
      ...(spec.livenessProbe ? { liveness: spec.livenessProbe } : {}),
      ...(spec.startupProbe ? { startup: spec.startupProbe } : {}),
    };
    let states: ContainerProbes = this.#states.get(c.id) ?? {};
    let nextAt: number | undefined;
    const target = { containerId: c.id, podIP, ports: spec.ports };
    for (const kind of KINDS) {
      const probe = specOf(spec, kind);
      if (!probe) continue;
      // startup gates the others: decide after the startup outcome of this very pass
      const started = probeVerdict(specs, states, true).started;
      const due = probeDue(
        kind,
        probe,
        states[kind],
        { id: c.id, running: true, startedAt: c.startedAt, started },
        now,
      );
      let state = due.state;
      if (due.due) {
        const run = await runProbe(this.#cri, probe, target);
        state = recordOutcome(kind, probe, state, run.result, now);
      }
      states = { ...states, [kind]: state };
      if (due.nextAt !== undefined) nextAt = Math.min(nextAt ?? due.nextAt, due.nextAt);
    }
    this.#states.set(c.id, states);
    const verdict = probeVerdict(specs, states, true);
    return { ...verdict, ...(nextAt !== undefined ? { nextAt } : {}) };
  }

  /** Drops the states of containers that are no longer running anywhere. */
  retain(runningIds: ReadonlySet<string>): void {
    for (const id of this.#states.keys()) if (!runningIds.has(id)) this.#states.delete(id);
  }
}
