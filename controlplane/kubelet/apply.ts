/**
 * The kubelet's adapter from its pure plan (plan.ts) to the runtime: carries a pod's
 * `KubeletAction`s out in order over CRI (lib/cri) — RunPodSandbox with the pod's hostname, DNS
 * (dns.ts), hostPort mappings, log directory, network mode and the adoption labels of
 * observed.ts; CreateContainer with the environment of env.ts, the expanded command, the log
 * path `<name>/<restartCount>.log` and cgroup limits from the container's resources, then
 * StartContainer; StopContainer with the plan's grace; StopPodSandbox, RemovePodSandbox,
 * RemoveContainer. Each failure is returned with its action and an upstream reason
 * (`ErrImageNeverPull`, `CreateContainerConfigError`, …); a failed create ends the run, stops and
 * removes carry on. `confirm-deletion` needs the API, so it is handed back to the caller.
 */
import { join } from 'node:path';
import { integerQuantity, milliCpu } from '../../lib/api/quantity.js';
import type {
  CriClient,
  LinuxContainerResourcesInput,
  LinuxContainerSecurityContextInput,
  MountInput,
  PodSandboxConfigInput,
} from '../../lib/cri/index.js';
import { isCriNotFound } from '../../lib/cri/index.js';
import { messageOf } from '../../lib/errors/index.js';
import { type ClusterDns, podDns } from './dns.js';
import { containerEnv, type EnvContext, expandCommand } from './env.js';
import type { ContainerSpec, KubeletPod } from './model.js';
import {
  containerAnnotations,
  containerLabels,
  type ObservedPod,
  sandboxAnnotations,
  sandboxLabels,
} from './observed.js';
import type { KubeletAction } from './plan.js';

/** What carrying out a pod's actions needs beyond the pod and the runtime. */
export interface ApplyContext {
  /** What the runtime held of the pod when the plan was made (the ready sandbox, its IPs). */
  readonly observed: ObservedPod;
  /** --pod-logs-dir: each sandbox logs under `<dir>/<ns>_<name>_<uid>`. */
  readonly podLogsDir: string;
  readonly dns: ClusterDns;
  readonly hostIPs: readonly string[];
  readonly services: EnvContext['services'];
  readonly objects: EnvContext['objects'];
  /** The container's CRI mounts (volumes.ts containerMounts); a throw is CreateContainerConfigError. */
  readonly mounts?: (spec: ContainerSpec) => readonly MountInput[];
}

/** Why an action failed, as the pod status and events show it. */
export interface ActionFailure {
  /** Upstream's reason: `CreatePodSandboxError`, `ErrImageNeverPull`, `CreateContainerConfigError`, … */
  readonly reason: string;
  readonly message: string;
}

export interface ActionOutcome {
  readonly action: KubeletAction;
  readonly failure?: ActionFailure;
}

export interface ApplyResult {
  /** The actions carried out (or tried), in order; none after a failed create. */
  readonly outcomes: readonly ActionOutcome[];
  /** The plan asked to delete the API object (everything of the pod is gone). */
  readonly confirmDeletion: boolean;
}

/** The sandbox start-container actions go into: created by this run, or the observed ready one. */
interface CurrentSandbox {
  readonly id: string;
  readonly attempt: number;
  readonly ips: readonly string[];
}

/** Carries out `actions` for `pod` in order. */
export async function applyActions(
  cri: CriClient,
  pod: KubeletPod,
  actions: readonly KubeletAction[],
  ctx: ApplyContext,
): Promise<ApplyResult> {
  const outcomes: ActionOutcome[] = [];
  let confirmDeletion = false;
  const ready = ctx.observed.sandboxes.find((s) => s.state === 'SANDBOX_READY');
  let sandbox: CurrentSandbox | undefined = ready
    ? { id: ready.id, attempt: ready.attempt, ips: ready.ips }
    : undefined;
  for (const action of actions) {
    if (action.kind === 'confirm-deletion') {
      confirmDeletion = true;
      continue;
    }
    try {
      if (action.kind === 'create-sandbox') sandbox = await runSandbox(cri, pod, action.attempt, ctx);
      else if (action.kind === 'start-container') await startContainer(cri, pod, action, sandbox, ctx);
      else await stopOrRemove(cri, action);
      outcomes.push({ action });
    } catch (err) {
      const failure = err instanceof ApplyError ? err.failure : runtimeFailure(action, err);
      outcomes.push({ action, failure });
      if (action.kind === 'create-sandbox' || action.kind === 'start-container') break;
    }
  }
  return { outcomes, confirmDeletion };
}

/** A failure with its upstream reason already decided. */
class ApplyError extends Error {
  constructor(readonly failure: ActionFailure) {
    super(failure.message);
  }
}

function runtimeFailure(action: KubeletAction, err: unknown): ActionFailure {
  const message = err instanceof Error ? err.message : String(err);
  switch (action.kind) {
    case 'create-sandbox':
      return { reason: 'CreatePodSandboxError', message: `Failed to create pod sandbox: ${message}` };
    case 'start-container':
      return { reason: 'RunContainerError', message };
    case 'stop-container':
      return { reason: 'FailedKillContainer', message };
    case 'stop-sandbox':
      return { reason: 'FailedKillPod', message };
    default:
      return { reason: 'FailedRemove', message };
  }
}

/** Stops and removals; what is already gone counts as done. */
async function stopOrRemove(
  cri: CriClient,
  action: Exclude<KubeletAction, { kind: 'create-sandbox' | 'start-container' | 'confirm-deletion' }>,
): Promise<void> {
  try {
    switch (action.kind) {
      case 'stop-container':
        await cri.stopContainer({ containerId: action.containerId, timeout: action.gracePeriodSeconds });
        return;
      case 'remove-container':
        await cri.removeContainer({ containerId: action.containerId });
        return;
      case 'stop-sandbox':
        await cri.stopPodSandbox({ podSandboxId: action.sandboxId });
        return;
      case 'remove-sandbox':
        await cri.removePodSandbox({ podSandboxId: action.sandboxId });
        return;
    }
  } catch (err) {
    if (!isCriNotFound(err)) throw err;
  }
}

/** The sandbox's log directory: `<podLogsDir>/<ns>_<name>_<uid>`, as upstream BuildPodLogsDirectory. */
export function podLogDirectory(
  podLogsDir: string,
  pod: Pick<KubeletPod, 'namespace' | 'name' | 'uid'>,
): string {
  return join(podLogsDir, `${pod.namespace}_${pod.name}_${pod.uid}`);
}

/** The RunPodSandbox config of a pod (also handed to every CreateContainer). */
export function sandboxConfig(
  pod: KubeletPod,
  attempt: number,
  ctx: Pick<ApplyContext, 'podLogsDir' | 'dns'>,
): PodSandboxConfigInput {
  const dns = podDns(pod, ctx.dns);
  const privileged = [...pod.initContainers, ...pod.containers].some(
    (c) => c.securityContext?.privileged === true,
  );
  return {
    metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid, attempt },
    // A host-network pod shares the node's UTS namespace, so it gets no hostname of its own
    // (runc refuses to set one there), as upstream's generatePodSandboxConfig leaves it out.
    ...(pod.hostNetwork ? {} : { hostname: pod.hostname }),
    logDirectory: podLogDirectory(ctx.podLogsDir, pod),
    dnsConfig: { servers: dns.servers, searches: dns.searches, options: dns.options },
    portMappings: pod.portMappings.map((p) => ({
      protocol: p.protocol,
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      hostIp: p.hostIP,
    })),
    labels: sandboxLabels(pod),
    annotations: sandboxAnnotations(pod),
    linux: {
      securityContext: {
        namespaceOptions: { network: pod.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' },
        ...(privileged ? { privileged: true } : {}),
      },
    },
  };
}

async function runSandbox(
  cri: CriClient,
  pod: KubeletPod,
  attempt: number,
  ctx: ApplyContext,
): Promise<CurrentSandbox> {
  const { podSandboxId } = await cri.runPodSandbox({ config: sandboxConfig(pod, attempt, ctx) });
  const net = (await cri.podSandboxStatus({ podSandboxId })).status?.network;
  const ips = net ? [net.ip, ...net.additionalIps.map((a) => a.ip)].filter((ip) => ip !== '') : [];
  return { id: podSandboxId, attempt, ips };
}

async function startContainer(
  cri: CriClient,
  pod: KubeletPod,
  action: Extract<KubeletAction, { kind: 'start-container' }>,
  sandbox: CurrentSandbox | undefined,
  ctx: ApplyContext,
): Promise<void> {
  const spec = [...pod.initContainers, ...pod.containers].find((c) => c.name === action.name);
  if (!spec)
    throw new ApplyError({ reason: 'RunContainerError', message: `no container ${action.name} in the pod` });
  if (!sandbox)
    throw new ApplyError({
      reason: 'RunContainerError',
      message: `pod ${pod.namespace}/${pod.name} has no ready sandbox`,
    });
  if ((await cri.imageStatus({ image: { image: spec.image } })).image === null) {
    // Nothing is pulled here: every image is imported ahead (the pull policy is as good as Never).
    throw new ApplyError({
      reason: 'ErrImageNeverPull',
      message: `Container image "${spec.image}" is not present with pull policy of Never`,
    });
  }
  let env: ReturnType<typeof containerEnv>['env'];
  try {
    env = containerEnv(pod, spec, {
      podIPs: pod.hostNetwork ? ctx.hostIPs : sandbox.ips,
      hostIPs: ctx.hostIPs,
      services: ctx.services,
      objects: ctx.objects,
    }).env;
  } catch (err) {
    throw new ApplyError({
      reason: 'CreateContainerConfigError',
      message: err instanceof Error ? err.message : String(err),
    });
  }
  const resources = linuxResources(spec);
  let mounts: readonly MountInput[];
  try {
    mounts = ctx.mounts?.(spec) ?? [];
  } catch (err) {
    throw new ApplyError({ reason: 'CreateContainerConfigError', message: messageOf(err) });
  }
  let containerId: string;
  try {
    ({ containerId } = await cri.createContainer({
      podSandboxId: sandbox.id,
      sandboxConfig: sandboxConfig(pod, sandbox.attempt, ctx),
      config: {
        metadata: { name: spec.name, attempt: action.restartCount },
        image: { image: spec.image },
        command: expandCommand(spec.command, env),
        args: expandCommand(spec.args, env),
        ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
        envs: env.map((v) => ({ key: v.name, value: v.value })),
        mounts,
        labels: containerLabels(pod, spec),
        annotations: containerAnnotations(pod, spec, action.restartCount),
        logPath: `${spec.name}/${action.restartCount}.log`,
        stdin: spec.stdin,
        tty: spec.tty,
        linux: { resources, securityContext: containerSecurity(spec) },
      },
    }));
  } catch (err) {
    throw new ApplyError({
      reason: 'CreateContainerError',
      message: err instanceof Error ? err.message : String(err),
    });
  }
  await cri.startContainer({ containerId });
}

/** securityContext.privileged and capabilities (the parts node agents need). */
function containerSecurity(spec: ContainerSpec): LinuxContainerSecurityContextInput {
  const sc = spec.securityContext ?? {};
  const caps = (sc.capabilities ?? {}) as { add?: unknown; drop?: unknown };
  const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  const add = names(caps.add);
  const drop = names(caps.drop);
  return {
    ...(sc.privileged === true ? { privileged: true } : {}),
    ...(add.length + drop.length > 0
      ? { capabilities: { addCapabilities: add, dropCapabilities: drop } }
      : {}),
  };
}

/** The CFS period the kubelet sets with a CPU limit (100 ms, in µs). */
export const CPU_PERIOD_US = 100_000;
/** Upstream's bounds (cm.MinShares, MinQuotaPeriod). */
const MIN_SHARES = 2;
const MIN_QUOTA_US = 1000;

/**
 * A container's requests and limits as cgroup settings (upstream's
 * generateLinuxContainerResources): shares from the CPU request (the limit when no request),
 * quota from the CPU limit over a 100 ms period, the memory limit in bytes.
 */
export function linuxResources(
  spec: Pick<ContainerSpec, 'resources' | 'name'>,
): LinuxContainerResourcesInput {
  const { limits, requests } = spec.resources;
  const field = (kind: string, res: string) => `${spec.name}.resources.${kind}.${res}`;
  const cpuLimit =
    limits.cpu !== undefined ? configQuantity(milliCpu, limits.cpu, field('limits', 'cpu')) : undefined;
  const cpuRequest =
    requests.cpu !== undefined ? configQuantity(milliCpu, requests.cpu, field('requests', 'cpu')) : cpuLimit;
  const memory =
    limits.memory !== undefined
      ? configQuantity(integerQuantity, limits.memory, field('limits', 'memory'))
      : 0;
  return {
    cpuShares: Math.max(MIN_SHARES, Math.floor(((cpuRequest ?? 0) * 1024) / 1000)),
    ...(cpuLimit !== undefined
      ? {
          cpuPeriod: CPU_PERIOD_US,
          cpuQuota: Math.max(MIN_QUOTA_US, Math.ceil((cpuLimit * CPU_PERIOD_US) / 1000)),
        }
      : {}),
    ...(memory > 0 ? { memoryLimitInBytes: memory } : {}),
  };
}

/** A quantity in base units through lib/api; a malformed one is CreateContainerConfigError. */
function configQuantity(
  parse: (value: string, field: string) => number,
  value: string,
  field: string,
): number {
  try {
    return parse(value, field);
  } catch (err) {
    throw new ApplyError({ reason: 'CreateContainerConfigError', message: messageOf(err) });
  }
}
