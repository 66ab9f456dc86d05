/**
 * The reason cache (upstream pkg/kubelet/kuberuntime ReasonCache): why each container's last
 * start did not happen — a failed start from applyActions (`ErrImageNeverPull`,
 * `CreateContainerConfigError`, `RunContainerError`, …) or a start held back by the plan
 * (`CrashLoopBackOff`) — kept per pod and container name until the container starts, and shown
 * as the container's waiting reason in the status.
 */
import type { ApplyResult } from './apply.js';
import type { WaitingReason } from './plan.js';

export class ReasonCache {
  readonly #pods = new Map<string, Map<string, WaitingReason>>();

  /**
   * Records one sync of a pod: the plan's held-back containers and each start-container
   * outcome (a failure sets the reason, a success clears it).
   */
  update(uid: string, waiting: ReadonlyMap<string, WaitingReason>, result: ApplyResult | undefined): void {
    const reasons = new Map(this.#pods.get(uid));
    for (const [name, reason] of waiting) reasons.set(name, reason);
    for (const o of result?.outcomes ?? []) {
      if (o.action.kind !== 'start-container') continue;
      if (o.failure) reasons.set(o.action.name, { reason: o.failure.reason, message: o.failure.message });
      else reasons.delete(o.action.name);
    }
    if (reasons.size > 0) this.#pods.set(uid, reasons);
    else this.#pods.delete(uid);
  }

  /** Sets one container's reason (a failed volume set-up before any start). */
  set(uid: string, name: string, reason: WaitingReason): void {
    const reasons = new Map(this.#pods.get(uid));
    reasons.set(name, reason);
    this.#pods.set(uid, reasons);
  }

  /** The pod's reasons by container name. */
  get(uid: string): ReadonlyMap<string, WaitingReason> {
    return this.#pods.get(uid) ?? new Map();
  }

  /** Forgets a pod that is gone. */
  remove(uid: string): void {
    this.#pods.delete(uid);
  }
}
