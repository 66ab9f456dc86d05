/**
 * The generic registry's reads: GET of one object, and LIST with label and field selectors and
 * limit/continue paging (the selectors' filter is shared with WATCH).
 */

import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import { matchSelector, parseSelector, type Selector } from '../../../lib/api/meta.js';
import { messageOf } from '../../../lib/errors/index.js';
import type { Store } from '../../store/index.js';
import { decodeContinue, encodeContinue } from '../continue-token.js';
import { type FieldRequirement, matchFields, parseFieldSelector } from '../field-selector.js';
import { apiVersionOf, type ResourceInfo } from '../resources.js';
import { badRequest, notFoundError } from '../status.js';
import { keyOf, prefixOf, readAs } from './codec.js';
import { scanPages } from './scan.js';
import type { ListQuery } from './types.js';

/** A list's or watch's selectors, and the type asked for. */
export interface Filter {
  /** The type asked for: custom resources are converted to its version. */
  readonly served: ResourceInfo;
  readonly labels: Selector;
  readonly fields: readonly FieldRequirement[];
}

/** The filter of a list or watch query; 400 for a selector that does not parse. */
export function filterOf(info: ResourceInfo, q: ListQuery): Filter {
  let labels: Selector = [];
  try {
    labels = parseSelector(q.labelSelector ?? '');
  } catch (err) {
    throw badRequest(`unable to parse requirement: ${messageOf(err)}`);
  }
  const selectable = info.selectableFields;
  return {
    served: info,
    labels,
    fields: parseFieldSelector(q.fieldSelector ?? '', info.plural, selectable ? { selectable } : {}),
  };
}

/** True when `o` matches the filter's label and field selectors. */
export function matches(f: Filter, o: JsonObject): boolean {
  const labels = isJsonObject(o.metadata) && isJsonObject(o.metadata.labels) ? o.metadata.labels : undefined;
  return matchSelector(f.labels, labels as Record<string, string> | undefined) && matchFields(f.fields, o);
}

/** GET one object. */
export async function getObject(
  store: Store,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): Promise<JsonObject> {
  const kv = await store.get(keyOf(info, namespace, name));
  if (!kv) throw notFoundError(info, name);
  return readAs(info, kv);
}

/** LIST, with label and field selectors and limit/continue paging. */
export async function listObjects(
  store: Store,
  info: ResourceInfo,
  namespace: string | undefined,
  q: ListQuery = {},
): Promise<JsonObject> {
  const filter = filterOf(info, q);
  const limit = q.limit && q.limit > 0 ? q.limit : 0;
  let after = q.continue ? decodeContinue(q.continue).start : undefined;
  const items: JsonObject[] = [];
  let revision = 0;
  let more = false;
  const pages = scanPages(store, prefixOf(info, namespace), {
    ...(after !== undefined ? { after } : {}),
    pageSize: () => (limit ? Math.max(limit - items.length, 1) : undefined),
  });
  for await (const page of pages) {
    revision = revision || page.revision;
    for (const kv of page.items) {
      const o = readAs(info, kv);
      if (matches(filter, o)) items.push(o);
      after = kv.key;
    }
    more = page.more;
    if (limit && items.length >= limit) break;
  }
  const metadata: JsonObject = { resourceVersion: String(revision) };
  if (more && after !== undefined) metadata.continue = encodeContinue({ rv: revision, start: after });
  return { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata, items };
}
