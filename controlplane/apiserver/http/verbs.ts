/**
 * The verb table of resource requests: the target checked (namespace, subresource), the write
 * options read once, then one function per verb — get, list, watch, create, update, patch,
 * delete, deletecollection — each calling RestStorage and answering. Subresources with code of
 * their own are looked up in `subresources.ts`.
 */
import { isNotFound } from '../../../lib/api/errors.js';
import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import type { PatchType } from '../apply-patch.js';
import { sendJson } from '../http-io.js';
import { managerOf } from '../managed-fields.js';
import { isNamespace } from '../namespace-lifecycle.js';
import { deleteOptions, listQuery, writeOptions } from '../request-options.js';
import type { DeleteOptions } from '../rest.js';
import { ApiError } from '../status.js';
import { checkUnknownFields } from '../strict-fields.js';
import { methodNotAllowed, notFound, type ResourceRequest, readJson, type VerbRequest } from './context.js';
import { sendList, sendObject } from './respond.js';
import { checkSubresource, SUBRESOURCES } from './subresources.js';
import { serveWatch } from './watch.js';

const PATCH_TYPES: Readonly<Record<string, PatchType>> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** Serves an authorized request for a served (stored) resource type. */
export async function serveResource(c: ResourceRequest): Promise<void> {
  const { info, res_ } = c;
  if (res_.namespaced && info.namespace === undefined && !['list', 'watch'].includes(info.verb)) {
    c.req.resume();
    throw notFound();
  }
  checkSubresource(c);
  const sub = info.subresource;
  const strict = c.query.get('fieldValidation') === 'Strict';
  const isApply =
    info.verb === 'patch' && (c.req.headers['content-type'] ?? '').startsWith('application/apply-patch');
  const write = {
    ...writeOptions(c.query, info.verb),
    admit: c.admit,
    ...(['create', 'update', 'patch'].includes(info.verb)
      ? { manager: managerOf(c.query, c.req.headers['user-agent'], isApply ? 'Apply' : 'Update', sub) }
      : {}),
  };
  const verb = VERBS.get(info.verb);
  if (!verb) throw methodNotAllowed();
  await verb({ ...c, ns: res_.namespaced ? info.namespace : undefined, sub, strict, write });
}

const VERBS: ReadonlyMap<string, (r: VerbRequest) => Promise<void>> = new Map([
  ['get', get],
  ['list', list],
  ['watch', (r: VerbRequest) => serveWatch(r, r.ns)],
  ['create', create],
  ['update', update],
  ['patch', patch],
  ['delete', del],
  ['deletecollection', deleteCollection],
]);

async function get(r: VerbRequest): Promise<void> {
  const own = SUBRESOURCES.get(r.sub)?.get;
  if (own) return own(r);
  sendObject(r, 200, await r.o.rest.get(r.res_, r.ns, r.info.name));
}

async function list(r: VerbRequest): Promise<void> {
  sendList(r, await r.o.rest.list(r.res_, r.ns, listQuery(r.query)));
}

async function create(r: VerbRequest): Promise<void> {
  const input = await readJson(r.req);
  // NamespaceLifecycle admits subresource creates too (a binding, an eviction, a token).
  if (r.sub) await r.o.rest.admitCreate(r.res_, r.ns, r.info.name);
  const own = SUBRESOURCES.get(r.sub)?.create;
  if (own) return own(r, input);
  if (r.sub || r.info.name) throw methodNotAllowed();
  if (r.strict) checkUnknownFields(r.res_, input);
  sendJson(r.res, 201, await r.o.rest.create(r.res_, r.ns, input, r.write));
}

async function update(r: VerbRequest): Promise<void> {
  const input = await readJson(r.req);
  const own = SUBRESOURCES.get(r.sub)?.update;
  if (own) return own(r, input);
  if (r.strict) checkUnknownFields(r.res_, input);
  const part = r.sub === 'status' || r.sub === 'finalize' ? r.sub : undefined;
  sendJson(r.res, 200, await r.o.rest.update(r.res_, r.ns, r.info.name, input, part, r.write));
}

async function patch(r: VerbRequest): Promise<void> {
  const type = PATCH_TYPES[(r.req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''];
  if (!type) {
    r.req.resume();
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`,
    );
  }
  const input = await readJson(r.req);
  const own = SUBRESOURCES.get(r.sub)?.patch;
  if (own) return own(r, input, type);
  if (r.strict && type !== 'json') checkUnknownFields(r.res_, input, true);
  const { rest } = r.o;
  try {
    const part = r.sub === 'status' ? 'status' : undefined;
    sendJson(r.res, 200, await rest.patch(r.res_, r.ns, r.info.name, type, input, part, r.write));
  } catch (err) {
    // Server-side apply creates what does not exist yet (kubectl apply --server-side).
    if (type !== 'apply' || r.sub || !isNotFound(err)) throw err;
    if (!isJsonObject(input) || (isJsonObject(input.metadata) && input.metadata.name !== r.info.name))
      throw err;
    const metadata = isJsonObject(input.metadata) ? input.metadata : {};
    sendJson(
      r.res,
      201,
      await rest.create(r.res_, r.ns, { ...input, metadata: { ...metadata, name: r.info.name } }, r.write),
    );
  }
}

async function del(r: VerbRequest): Promise<void> {
  const opts = await deleteRequest(r);
  const { object, gone } = await r.o.rest.delete(r.res_, r.ns, r.info.name, opts);
  // kube-apiserver answers 200 to every DELETE of a namespace, marked or gone (storage.go).
  sendJson(r.res, gone || isNamespace(r.res_) ? 200 : 202, object);
}

async function deleteCollection(r: VerbRequest): Promise<void> {
  const opts = await deleteRequest(r);
  const { rest } = r.o;
  const found = await rest.list(r.res_, r.ns, listQuery(r.query));
  const items: JsonObject[] = [];
  for (const item of found.items as JsonObject[]) {
    const meta = item.metadata as JsonObject;
    const deleted = await rest
      .delete(r.res_, meta.namespace as string | undefined, meta.name as string, opts)
      .catch(() => undefined);
    if (deleted) items.push(deleted.object);
  }
  sendJson(r.res, 200, { ...found, items });
}

/** DeleteOptions from the query and the body, dryRun included. */
async function deleteRequest(r: VerbRequest): Promise<DeleteOptions> {
  const input = await readJson(r.req);
  const q = r.query;
  return {
    ...deleteOptions(q, input),
    ...writeOptions(q, r.info.verb, isJsonObject(input) ? input.dryRun : undefined),
    admit: r.admit,
  };
}
