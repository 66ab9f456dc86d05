/**
 * The generic checks every write passes: the body's kind and apiVersion, its namespace against
 * the URL's, the server's admission plugins, and validation (built-in rules, the kind
 * strategy's, then the server's extra validation of CRDs, custom resources and RBAC).
 */

import type { JsonObject } from '../../../lib/api/json.js';
import { type FieldError, validateObject } from '../../../lib/api/validation/index.js';
import { metaOf, metaString } from '../object-meta.js';
import { apiVersionOf, type ResourceInfo } from '../resources.js';
import { badRequest, invalidError } from '../status.js';
import type { RegistryContext } from './context.js';
import type { AdmissionRequest } from './types.js';

/** Sets the body's kind and apiVersion to the resource's; 400 when it names others. */
export function checkType(info: ResourceInfo, body: JsonObject): void {
  const apiVersion = apiVersionOf(info);
  if (body.kind !== undefined && body.kind !== info.kind) {
    throw badRequest(`the kind "${String(body.kind)}" of the body does not match the resource ${info.kind}`);
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
    throw badRequest(`the API version "${String(body.apiVersion)}" of the body does not match ${apiVersion}`);
  }
  body.kind = info.kind;
  body.apiVersion = apiVersion;
}

/** Fills a namespaced body's namespace from the URL ('default' without one); 400 when they differ. */
export function checkNamespaceMatch(
  info: ResourceInfo,
  namespace: string | undefined,
  body: JsonObject,
): void {
  const meta = metaOf(body);
  if (!info.namespaced) return;
  if (meta.namespace === undefined || meta.namespace === '') meta.namespace = namespace ?? 'default';
  else if (namespace !== undefined && meta.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

/** 422 with every field error: `more` (the strategy's), the built-in rules, the server's extra ones. */
export function validate(
  ctx: RegistryContext,
  info: ResourceInfo,
  o: JsonObject,
  more: readonly FieldError[] = [],
): void {
  const errs = [
    ...more,
    ...validateObject(o, {
      group: info.custom ? '' : info.group,
      kind: info.custom ? '' : info.kind,
      namespaced: info.namespaced,
    }),
    ...(ctx.extraValidation?.(info, o) ?? []),
  ];
  if (errs.length > 0) throw invalidError(info, metaString(o, 'name') ?? '', errs);
}

/** The server's admission plugins on a stored write or delete (nothing when none are configured). */
export function admitStored(
  ctx: RegistryContext,
  info: ResourceInfo,
  r: Omit<AdmissionRequest, 'info' | 'namespace' | 'subresource'> & {
    readonly namespace: string | undefined;
    readonly subresource?: string;
  },
): Promise<void> | undefined {
  return ctx.admission?.({
    ...r,
    info,
    subresource: r.subresource ?? '',
    namespace: info.namespaced ? (r.namespace ?? '') : '',
  });
}
