/**
 * `?watch=1` of a resource: selectors checked before the 200, then a stream (`../watch-stream.ts`)
 * fed by RestStorage's watch, its events as JSON or as Table rows, with bookmarks when asked and
 * the watch's length chosen as kube-apiserver chooses it.
 */
import { queryBool, queryInt64 } from '../query-params.js';
import { listQuery } from '../request-options.js';
import { apiVersionOf } from '../resources.js';
import { toTable, wantsTable } from '../table.js';
import { openWatchStream } from '../watch-stream.js';
import type { ResourceRequest } from './context.js';
import { reportInternalError } from './failure.js';
import { includeObject, TABLE_TYPE } from './respond.js';

/** Serves a watch of `c`'s resource in namespace `ns` (all namespaces when undefined). */
export async function serveWatch(c: ResourceRequest, ns: string | undefined): Promise<void> {
  const q = c.query;
  const query = listQuery(q);
  const timeoutSeconds = watchTimeoutSeconds(queryInt64(q, 'timeoutSeconds'), c.o.maxWatchSeconds ?? 1800);
  const table = wantsTable(c.req.headers.accept);
  let first = true;
  // Validate selectors before the 200 goes out, so a bad selector is a plain 400.
  await c.o.rest.list(c.res_, ns, { ...query, limit: 1, resourceVersion: '0' });
  const writer = openWatchStream({
    req: c.req,
    res: c.res,
    contentType: table ? TABLE_TYPE : 'application/json',
    timeoutSeconds,
    ...(queryBool(q, 'allowWatchBookmarks')
      ? {
          bookmark: {
            kind: c.res_.kind,
            apiVersion: apiVersionOf(c.res_),
            intervalMs: c.o.bookmarkIntervalMs ?? 60_000,
          },
        }
      : {}),
    maxBufferedBytes: c.o.watchBufferBytes ?? 16 * 1024 * 1024,
    encode: (obj) => {
      if (!table) return obj;
      const t = toTable({
        info: c.res_,
        objects: [obj],
        withHeaders: first,
        now: c.now(),
        include: includeObject(c.query),
      });
      first = false;
      return t;
    },
    // Events are written from the store's dispatch, outside this request's promise: a bug
    // there is reported here and ends this stream only.
    onInternalError: (err) => reportInternalError(c.o, c.req, err),
  });
  try {
    const handle = await c.o.rest.watch(c.res_, ns, query, writer);
    writer.attach(handle);
  } catch (err) {
    writer.error(err);
  }
}

/**
 * A watch's length: `timeoutSeconds` when above zero (capped at an hour; not an int64 is 400,
 * as ListOptions decoding answers), else min-request-timeout·(1+rand) as kube-apiserver spreads
 * watch ends.
 */
function watchTimeoutSeconds(asked: number | undefined, max: number): number {
  return asked !== undefined && asked > 0 ? Math.min(asked, 3600) : max * (1 + Math.random());
}
