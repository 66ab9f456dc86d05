/**
 * The subresource table: which subresources a target may name (the type's own; `finalize` by
 * PUT only), and the subresources with code of their own, per verb — `scale` (get, update,
 * patch), `binding`, `token` (TokenRequest), `eviction`, and the kubelet's `log`, `exec`,
 * `attach` (`pod-streams.ts`) and `portforward` (`pod-forward.ts`). Every other subresource (`status`, `finalize`) is its object's verb on
 * part of the object, in `verbs.ts`.
 */

import { isJsonObject, type Json } from '../../../lib/api/json.js';
import { applyPatch, type PatchType } from '../apply-patch.js';
import { evictPod } from '../disruption-budgets.js';
import { sendJson } from '../http-io.js';
import { methodNotAllowed, notFound, type ResourceRequest, type VerbRequest } from './context.js';
import { podPortForward } from './pod-forward.js';
import { podLog, podStream } from './pod-streams.js';
import { sendCreatedStatus, sendObject } from './respond.js';
import { tokenRequest } from './token-request.js';

/** What a subresource with code of its own does, per verb. */
export interface SubresourceVerbs {
  readonly get?: (r: VerbRequest) => Promise<void>;
  readonly create?: (r: VerbRequest, input: Json) => Promise<void>;
  readonly update?: (r: VerbRequest, input: Json) => Promise<void>;
  readonly patch?: (r: VerbRequest, input: Json, type: PatchType) => Promise<void>;
}

/** Refuses a subresource the target cannot have: not the type's (404), `finalize` but by PUT (405). */
export function checkSubresource(c: ResourceRequest): void {
  const sub = c.info.subresource;
  if (sub && !c.res_.subresources.includes(sub as never)) {
    c.req.resume();
    throw notFound();
  }
  if (sub === 'finalize' && c.info.verb !== 'update') {
    // namespaces/finalize serves PUT only (discovery lists just `update`).
    c.req.resume();
    throw methodNotAllowed();
  }
}

/** The subresources with code of their own. */
export const SUBRESOURCES: ReadonlyMap<string, SubresourceVerbs> = new Map<string, SubresourceVerbs>([
  ['log', { get: podLog }],
  // WebSocket upgrades are GETs (RBAC `get` in 1.32); SPDY's are POSTs (`create`).
  ['exec', { get: (r) => podStream(r, 'exec'), create: (r) => podStream(r, 'exec') }],
  ['attach', { get: (r) => podStream(r, 'attach'), create: (r) => podStream(r, 'attach') }],
  ['portforward', { get: podPortForward, create: podPortForward }],
  [
    'scale',
    {
      get: async (r) => sendObject(r, 200, await r.o.rest.getScale(r.res_, r.ns, r.info.name)),
      update: async (r, input) =>
        sendJson(
          r.res,
          200,
          await r.o.rest.updateScale(
            r.res_,
            r.ns,
            r.info.name,
            () => (isJsonObject(input) ? input : {}),
            r.write,
          ),
        ),
      patch: async (r, input, type) =>
        sendJson(
          r.res,
          200,
          await r.o.rest.updateScale(
            r.res_,
            r.ns,
            r.info.name,
            (scale) => applyPatch(scale, type, input, false),
            r.write,
          ),
        ),
    },
  ],
  [
    'binding',
    {
      create: async (r, input) => {
        await r.o.rest.bind(r.res_, r.ns ?? '', r.info.name, input, r.write);
        sendCreatedStatus(r);
      },
    },
  ],
  [
    'token',
    {
      create: async (r, input) => {
        await admitSubresourceCreate(r, input);
        sendJson(r.res, 201, await tokenRequest(r, r.ns ?? '', input));
      },
    },
  ],
  [
    'eviction',
    {
      create: async (r, input) => {
        await admitSubresourceCreate(r, input);
        await evictPod({
          rest: r.o.rest,
          resources: r.o.resources,
          namespace: r.ns ?? '',
          name: r.info.name,
          body: input,
          dryRun: r.write.dryRun === true,
          now: r.now,
        });
        sendCreatedStatus(r);
      },
    },
  ],
]);

/** The caller's admission of a token or eviction request (the body is what is admitted). */
async function admitSubresourceCreate(r: VerbRequest, input: Json): Promise<void> {
  await r.admit({
    operation: 'CREATE',
    group: r.info.group,
    resource: r.info.resource,
    subresource: r.sub,
    namespace: r.ns ?? '',
    name: r.info.name,
    ...(isJsonObject(input) ? { object: input } : {}),
  });
}
