/**
 * The kubelet plan's vocabulary: the runtime actions a plan orders, the back-off entries and
 * waiting reasons it hands back, its input and output, and upstream's constants (grace periods,
 * the restart back-off). plan.ts re-exports all of it.
 */
import type { KubeletPod } from './model.js';
import type { ObservedPod } from './observed.js';

/** One runtime step; the adapter carries them out in order and stops at the first failure. */
export type KubeletAction =
  /** StopContainer with this timeout: the stop signal (SIGTERM), the grace, then SIGKILL. */
  | {
      readonly kind: 'stop-container';
      readonly containerId: string;
      readonly name: string;
      readonly gracePeriodSeconds: number;
      readonly reason: string;
    }
  /** StopPodSandbox: containers killed, network torn down (the pod's IP released). */
  | { readonly kind: 'stop-sandbox'; readonly sandboxId: string }
  /** RunPodSandbox with metadata.attempt; later start-container actions use the new sandbox. */
  | { readonly kind: 'create-sandbox'; readonly attempt: number }
  /** CreateContainer + StartContainer in the pod's ready (or just created) sandbox. */
  | {
      readonly kind: 'start-container';
      readonly name: string;
      readonly init: boolean;
      readonly restartCount: number;
    }
  | { readonly kind: 'remove-container'; readonly containerId: string; readonly name: string }
  | { readonly kind: 'remove-sandbox'; readonly sandboxId: string }
  /** The pod is deleted and nothing of it runs or remains: delete the API object (grace 0, uid precondition). */
  | { readonly kind: 'confirm-deletion' };

/** Upstream's back-off of container restarts (kubelet.go: backOffPeriod 10 s, MaxContainerBackOff 300 s). */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
/** The smallest grace a container gets when killed (kuberuntime's minimumGracePeriodInSeconds). */
export const MIN_GRACE_SECONDS = 2;
/** Grace for containers of pods the API no longer binds here (orphans are killed with a 1 s override). */
export const ORPHAN_GRACE_SECONDS = 1;

/** One container's back-off, as client-go's flowcontrol.Backoff keeps it per key. */
export interface BackOffEntry {
  readonly delayMs: number;
  /** When the container was last started under this entry. */
  readonly lastUpdateMs: number;
}

/** Why a container is waiting instead of starting (the kubelet's reason cache). */
export interface WaitingReason {
  readonly reason: string;
  readonly message: string;
}

/** Which probe failed for a running container (by container id): the kubelet restarts it. */
export type ProbeFailure = 'liveness' | 'startup';

export interface PlanInput {
  /** The pod as bound to this node; undefined when it is gone or bound elsewhere (garbage). */
  readonly desired: KubeletPod | undefined;
  readonly observed: ObservedPod;
  /** Epoch milliseconds. */
  readonly now: number;
  /** Back-off entries by `backOffKey`; entries of other pods may be in it too. */
  readonly backoff: ReadonlyMap<string, BackOffEntry>;
  /** Running containers whose liveness or startup probe reports failure, by container id. */
  readonly probeFailures?: ReadonlyMap<string, ProbeFailure>;
}

export interface PodPlan {
  readonly actions: readonly KubeletAction[];
  /** Containers held back by their back-off (CrashLoopBackOff), by name. */
  readonly waiting: ReadonlyMap<string, WaitingReason>;
  /** Back-off entries this plan set (a start under back-off); merge them into the caller's map. */
  readonly backoff: ReadonlyMap<string, BackOffEntry>;
  /** Sync the pod again after this long (the earliest end of a back-off), if anything waits. */
  readonly requeueAfterMs?: number;
}
