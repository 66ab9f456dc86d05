/**
 * The generic registry's WATCH: ADDED/MODIFIED/DELETED events after a resourceVersion (or, from
 * "now", synthetic ADDED events for the current state first), filtered by the selectors; an
 * object that stops matching is reported DELETED, one that starts matching ADDED (apiserver's
 * cacher does so). Each store event is decoded once for every watcher.
 */

import type { JsonObject } from '../../../lib/api/json.js';
import { messageOf } from '../../../lib/errors/index.js';
import type { Store, StoreEvent, WatchHandle } from '../../store/index.js';
import { toServedVersion } from '../crd-conversion.js';
import type { ResourceInfo } from '../resources.js';
import { ApiError, badRequest, expiredError } from '../status.js';
import { decode, prefixOf, readAs } from './codec.js';
import { type Filter, filterOf, matches } from './read.js';
import type { ListQuery, WatchSink } from './types.js';

/** Decoded objects per store event: one event reaches every watcher, decode it once. */
const decoded = new WeakMap<StoreEvent, { cur: JsonObject; prev: JsonObject | undefined }>();

/** WATCH `info` in `namespace` (all when undefined) with the query's selectors and resourceVersion. */
export async function watchObjects(
  store: Store,
  info: ResourceInfo,
  namespace: string | undefined,
  q: ListQuery,
  sink: WatchSink,
): Promise<WatchHandle> {
  const filter = filterOf(info, q);
  const prefix = prefixOf(info, namespace);
  let from: number;
  const rv = q.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0') {
    const list = await store.list(prefix);
    for (const kv of list.items) {
      const o = readAs(info, kv);
      if (matches(filter, o)) sink.event('ADDED', o);
    }
    from = list.revision;
  } else {
    from = Number(rv);
    if (!Number.isSafeInteger(from) || from < 0) throw badRequest(`invalid resource version: "${rv}"`);
  }
  return store.watch(prefix, from, {
    onEvent: (e) => {
      // Called from the store's dispatch loop: a throw would cost every later watcher the event.
      try {
        deliver(e, filter, sink);
      } catch (err) {
        sink.error(err);
      }
    },
    onError: (err) => sink.error(expiredError(messageOf(err))),
  });
}

function deliver(e: StoreEvent, filter: Filter, sink: WatchSink): void {
  let d = decoded.get(e);
  if (!d) {
    d = { cur: decode(e.kv), prev: e.prev ? decode(e.prev) : undefined };
    decoded.set(e, d);
  }
  let cur: JsonObject;
  let prev: JsonObject | undefined;
  try {
    // Each watcher sees its own version of a custom resource; the decoded form is shared.
    cur = toServedVersion(filter.served, d.cur);
    prev = d.prev && toServedVersion(filter.served, d.prev);
  } catch (err) {
    sink.error(err instanceof ApiError ? err : new ApiError(500, 'InternalError', messageOf(err)));
    return;
  }
  const now = matches(filter, cur);
  const before = prev !== undefined && matches(filter, prev);
  if (e.type === 'delete') {
    if (now) sink.event('DELETED', cur);
    return;
  }
  if (prev === undefined) {
    if (now) sink.event('ADDED', cur);
  } else if (now && before) sink.event('MODIFIED', cur);
  else if (now) sink.event('ADDED', cur);
  else if (before) sink.event('DELETED', cur);
}
