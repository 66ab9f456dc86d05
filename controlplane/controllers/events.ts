/**
 * Events about the objects a controller manages (`kubectl describe` shows them), written as
 * client-go's recorder writes core/v1 Events: `<name>.<random>` in the object's namespace,
 * `involvedObject` naming it, `source.component` the controller. Best effort: a failed write is
 * logged, never retried, and never fails a reconcile.
 */
import type { Event as KubeEvent, KubeObject } from '../../lib/api/index.js';
import { formatTime } from '../../lib/api/time.js';
import { eventsResource } from '../../lib/client/index.js';
import type { ControllerContext } from './context.js';

/** One event to record. */
export interface EventNote {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** Records `note` about `obj` (of `apiVersion`/`kind`) from `component`. */
export async function recordEvent(
  ctx: ControllerContext,
  component: string,
  obj: KubeObject,
  ref: { readonly apiVersion: string; readonly kind: string },
  note: EventNote,
): Promise<void> {
  const namespace = obj.metadata.namespace ?? 'default';
  const now = formatTime(ctx.clock.now());
  const event: KubeEvent = {
    metadata: { generateName: `${obj.metadata.name ?? ''}.`, namespace },
    involvedObject: {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      namespace,
      name: obj.metadata.name ?? '',
      uid: obj.metadata.uid ?? '',
      ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
    },
    reason: note.reason,
    message: note.message,
    type: note.type,
    source: { component },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    reportingComponent: component,
  };
  try {
    await ctx.client.resource(eventsResource).create(event, { namespace });
  } catch (err: unknown) {
    ctx.logger.warn('event not recorded', { component, reason: note.reason, error: String(err) });
  }
}
