/**
 * Fixtures for the Node authorizer's unit tests (node-graph, node-authorizer and
 * node-restriction tests): a pod bound to a node, its graph references, a base request.
 */

import type { JsonObject } from '../../../lib/api/json.js';
import type { NodeRequest } from '../node-authorizer.js';
import { podReferences } from '../node-graph.js';

/** A pod in namespace `ns` with uid `uid-<name>`, bound to `nodeName`. */
export const pod = (
  name: string,
  nodeName: string,
  spec: JsonObject = {},
  meta: JsonObject = {},
): JsonObject => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...meta },
  spec: { nodeName, containers: [{ name: 'c', image: 'i' }], ...spec },
});

/** The references of a bound pod (throws for an unbound one). */
export const refs = (p: JsonObject): NonNullable<ReturnType<typeof podReferences>> => {
  const r = podReferences(p);
  if (!r) throw new Error('pod not bound');
  return r;
};

/** A request for the Secret `ns/mine`, verb left empty. */
export function base(): NodeRequest {
  return { verb: '', group: '', resource: 'secrets', subresource: '', namespace: 'ns', name: 'mine' };
}
