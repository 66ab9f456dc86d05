/**
 * Which runtime object a request means, found through CRI by the labels the kubelet puts on
 * what it creates (`observed.ts`): the containers of `{ns}/{pod}` named `{container}`, the
 * pod's ready sandbox. The choice among a container's attempts is pure (`selectLogContainer`),
 * after upstream's validateContainerLogStatus: logs read the newest container that ran (a
 * created-but-never-started one falls back to the exited one before it), `previous` the newest
 * exited one — with the pruning in plan.ts only the newest dead container of a name stays, so
 * this is the last termination, also during CrashLoopBackOff.
 */
import type { Container, ContainerState, CriClient, PodSandbox } from '../../../lib/cri/index.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '../observed.js';
import { HttpError } from './respond.js';
import type { PodRef } from './routes.js';

/** The CRI calls the lookups use. */
export type TargetCri = Pick<CriClient, 'listContainers' | 'containerStatus' | 'listPodSandbox'>;

/** The fields of a CRI container the choice looks at. */
export interface ContainerCandidate {
  readonly id: string;
  readonly state: ContainerState;
  /** Nanoseconds since the epoch, as CRI's decimal string. */
  readonly createdAt: string;
  readonly attempt: number;
}

/**
 * Newest first: by creation time (CRI's decimal nanosecond strings, compared as BigInt; a
 * re-created pod of the same name starts again at attempt 0), then by attempt.
 */
function newestFirst(a: ContainerCandidate, b: ContainerCandidate): number {
  return laterFirst(a.createdAt, b.createdAt) || b.attempt - a.attempt;
}

/** Sort order of two CRI nanosecond times, the later first. */
function laterFirst(a: string, b: string): number {
  const d = BigInt(b || '0') - BigInt(a || '0');
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** The container whose log a request reads, or the 400 upstream answers when there is none. */
export function selectLogContainer(
  candidates: readonly ContainerCandidate[],
  o: { readonly pod: string; readonly container: string; readonly previous: boolean },
): ContainerCandidate {
  const sorted = [...candidates].sort(newestFirst);
  const exited = sorted.find((c) => c.state === 'CONTAINER_EXITED');
  if (o.previous) {
    if (!exited)
      throw new HttpError(400, `previous terminated container "${o.container}" in pod "${o.pod}" not found`);
    return exited;
  }
  const ran = sorted.find((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_EXITED');
  if (!ran)
    throw new HttpError(
      400,
      `container "${o.container}" in pod "${o.pod}" is waiting to start: ContainerCreating`,
    );
  return ran;
}

function podLabels(ref: PodRef): Record<string, string> {
  return {
    [LABEL_POD_NAMESPACE]: ref.namespace,
    [LABEL_POD_NAME]: ref.pod,
    ...(ref.uid !== undefined ? { [LABEL_POD_UID]: ref.uid } : {}),
  };
}

function candidate(c: Container): ContainerCandidate {
  return { id: c.id, state: c.state, createdAt: c.createdAt, attempt: c.metadata?.attempt ?? 0 };
}

async function sandboxes(cri: TargetCri, ref: PodRef): Promise<readonly PodSandbox[]> {
  return (await cri.listPodSandbox({ filter: { labelSelector: podLabels(ref) } })).items;
}

/** The pod's containers of one name; 404 when the runtime has no such pod. */
async function containersOf(cri: TargetCri, ref: PodRef, container: string): Promise<ContainerCandidate[]> {
  const found = await cri.listContainers({
    filter: { labelSelector: { ...podLabels(ref), [LABEL_CONTAINER_NAME]: container } },
  });
  if (found.containers.length > 0) return found.containers.map(candidate);
  if ((await sandboxes(cri, ref)).length === 0)
    throw new HttpError(404, `pod "${ref.pod}" does not exist in namespace "${ref.namespace}" on this node`);
  return [];
}

/** The log file of the container a `/containerLogs` request reads, and its id. */
export async function logTarget(
  cri: TargetCri,
  ref: PodRef,
  container: string,
  previous: boolean,
): Promise<{ readonly containerId: string; readonly logPath: string }> {
  const chosen = selectLogContainer(await containersOf(cri, ref, container), {
    pod: ref.pod,
    container,
    previous,
  });
  const status = (await cri.containerStatus({ containerId: chosen.id })).status;
  if (!status?.logPath)
    throw new HttpError(404, `container "${container}" in pod "${ref.pod}" has no log file`);
  return { containerId: chosen.id, logPath: status.logPath };
}

/** Whether a container still runs (a follow ends when it does not). */
export async function isRunning(cri: TargetCri, containerId: string): Promise<boolean> {
  const status = (await cri.containerStatus({ containerId })).status;
  return status?.state === 'CONTAINER_RUNNING';
}

/** The running container an exec or attach reaches; 404 when there is none. */
export async function runningContainer(cri: TargetCri, ref: PodRef, container: string): Promise<string> {
  const running = (await containersOf(cri, ref, container))
    .filter((c) => c.state === 'CONTAINER_RUNNING')
    .sort(newestFirst)[0];
  if (!running)
    throw new HttpError(404, `container "${container}" in pod "${ref.pod}" is not running on this node`);
  return running.id;
}

/** The pod's ready sandbox, for port-forward; 404 when there is none. */
export async function readySandbox(cri: TargetCri, ref: PodRef): Promise<string> {
  const ready = (await sandboxes(cri, ref))
    .filter((s) => s.state === 'SANDBOX_READY')
    .sort((a, b) => laterFirst(a.createdAt, b.createdAt))[0];
  if (!ready)
    throw new HttpError(
      404,
      `pod "${ref.pod}" in namespace "${ref.namespace}" has no ready sandbox on this node`,
    );
  return ready.id;
}
