/**
 * How a resource answer goes out: as JSON, or as a meta.k8s.io/v1 Table when the client asks
 * for one (`kubectl get`), with its `includeObject` choice.
 */

import type { JsonObject } from '../../../lib/api/json.js';
import { sendJson } from '../http-io.js';
import { toTable, wantsTable } from '../table.js';
import type { ResourceRequest } from './context.js';

/** The Content-Type of a Table answer. */
export const TABLE_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** One object: a Table of it when asked for one on a GET (also of status and scale), else JSON. */
export function sendObject(c: ResourceRequest, code: number, obj: JsonObject): void {
  // kubectl get --subresource=status|scale asks for a Table too (KEP-2590).
  const sub = c.info.subresource;
  if (wantsTable(c.req.headers.accept) && c.info.verb === 'get' && ['', 'status', 'scale'].includes(sub)) {
    sendJson(
      c.res,
      code,
      toTable({
        info: c.res_,
        objects: [obj],
        withHeaders: true,
        now: c.now(),
        include: includeObject(c.query),
        scale: sub === 'scale',
      }),
      TABLE_TYPE,
    );
    return;
  }
  sendJson(c.res, code, obj);
}

/** A list: a Table of its items when asked for one, else the list itself. */
export function sendList(c: ResourceRequest, list: JsonObject): void {
  if (wantsTable(c.req.headers.accept)) {
    const meta = list.metadata as JsonObject;
    sendJson(
      c.res,
      200,
      toTable({
        include: includeObject(c.query),
        info: c.res_,
        objects: list.items as JsonObject[],
        resourceVersion: String(meta.resourceVersion),
        ...(typeof meta.continue === 'string' ? { continueToken: meta.continue } : {}),
        withHeaders: true,
        now: c.now(),
      }),
      TABLE_TYPE,
    );
    return;
  }
  sendJson(c.res, 200, list);
}

/** The `includeObject` query parameter of Table requests (meta/v1 TableOptions). */
export function includeObject(query: URLSearchParams): 'Metadata' | 'Object' | 'None' {
  const v = query.get('includeObject');
  return v === 'Object' || v === 'None' ? v : 'Metadata';
}

/** The success Status a binding or an eviction is answered with (201). */
export function sendCreatedStatus(c: ResourceRequest): void {
  sendJson(c.res, 201, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code: 201,
  });
}
