/**
 * Loop kind (a), a keyed reconcile controller: informer events → keys → a rate-limited work
 * queue → `reconcile(key)` on N workers (lib/reconcile's Controller). One helper wires the
 * event handlers and hands back `{ name, controller, detach }`, so no controller repeats the
 * `addEventHandler → enqueue → detach` plumbing.
 */
import { type KubeObject, keyOf } from '../api/index.js';
import type { EventHandler } from '../client/index.js';
import type { Logger } from '../obs/index.js';
import { type Clock, Controller, type ReconcileOutcome, type ReconcileResult } from '../reconcile/index.js';

/** An informer event. */
export type EventKind = 'add' | 'update' | 'delete';

/** Anything handlers can be added to (an `Informer`). */
export interface EventSource<S> {
  addEventHandler(handler: EventHandler<S>): () => void;
}

/** Where a watch puts the keys it derives. */
export interface Enqueue {
  (key: string): void;
  /** Adds `key` after `ms` (the earliest pending delay wins). */
  after(key: string, ms: number): void;
}

/** A wired event source: attaches its handler, returns how to detach it. */
export interface Watch {
  attach(enqueue: Enqueue): () => void;
}

/** How a watch maps events to keys. */
export interface WatchOptions<S> {
  /** Events that enqueue (default all three). */
  readonly on?: readonly EventKind[];
  /**
   * Keys for one event; `old` is set on updates (default: the object's own `namespace/name`).
   * Called once per event, in event order, so it may first note what the event shows (a
   * workload controller's expectations).
   */
  readonly keys?: (obj: S, old: S | undefined, event: EventKind) => Iterable<string>;
  /** Enqueue after this delay rather than at once. */
  readonly delayMs?: number;
}

/** Enqueues keys for the events of `source` (default: each object's own key, on every event). */
export function watch<S extends KubeObject>(source: EventSource<S>, options?: WatchOptions<S>): Watch;
export function watch<S>(
  source: EventSource<S>,
  options: WatchOptions<S> & { readonly keys: NonNullable<WatchOptions<S>['keys']> },
): Watch;
export function watch<S>(source: EventSource<S>, options: WatchOptions<S> = {}): Watch {
  const on = new Set<EventKind>(options.on ?? ['add', 'update', 'delete']);
  const keys = options.keys ?? ((obj: S) => [keyOf(obj as KubeObject)]);
  return {
    attach(enqueue) {
      const push = (obj: S, old: S | undefined, event: EventKind): void => {
        for (const key of keys(obj, old, event)) {
          if (options.delayMs !== undefined) enqueue.after(key, options.delayMs);
          else enqueue(key);
        }
      };
      const handler: EventHandler<S> = {};
      if (on.has('add')) handler.onAdd = (obj) => push(obj, undefined, 'add');
      if (on.has('update')) handler.onUpdate = (old, obj) => push(obj, old, 'update');
      if (on.has('delete')) handler.onDelete = (obj) => push(obj, undefined, 'delete');
      return source.addEventHandler(handler);
    },
  };
}

/** A started keyed controller: run `controller` while active, `detach` when done. */
export interface RunningController {
  readonly name: string;
  readonly controller: Controller<string>;
  /** Removes the informer handlers (on stopping, or on losing leadership). */
  readonly detach: () => void;
}

/** Options of `keyedController`. */
export interface KeyedControllerOptions {
  readonly name: string;
  readonly reconcile: (key: string, signal: AbortSignal) => Promise<ReconcileResult>;
  /** Workers (default 2). */
  readonly workers?: number;
  readonly watches: readonly Watch[];
  readonly clock?: Clock;
  /** Where failed reconciles (`retry`, `terminal`) are logged as `reconcile failed`. */
  readonly logger?: Logger;
  /** Every outcome, for metrics. */
  readonly onOutcome?: (outcome: ReconcileOutcome<string>) => void;
}

/** Makes the controller and attaches its watches; the queue fills from now on. */
export function keyedController(o: KeyedControllerOptions): RunningController {
  const controller = new Controller<string>({
    name: o.name,
    reconcile: o.reconcile,
    workers: o.workers ?? 2,
    ...(o.clock ? { clock: o.clock } : {}),
    onOutcome: (out) => {
      if (out.result.kind === 'retry' || out.result.kind === 'terminal')
        o.logger?.warn('reconcile failed', {
          controller: o.name,
          key: out.key,
          error: String(out.result.cause),
        });
      o.onOutcome?.(out);
    },
  });
  const enqueue: Enqueue = Object.assign((key: string) => controller.enqueue(key), {
    after: (key: string, ms: number) => controller.queue.addAfter(key, ms),
  });
  const detachers = o.watches.map((w) => w.attach(enqueue));
  return {
    name: o.name,
    controller,
    detach: () => {
      for (const d of detachers) d();
    },
  };
}
