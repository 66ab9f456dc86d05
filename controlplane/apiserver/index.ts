/** The Kubernetes-compatible API server: REST, watch, discovery, TLS, authn/authz over a Store. */

export { applyPatch, type PatchType } from './apply-patch.js';
export {
  authenticate,
  authorize,
  type Decision,
  parseTokenFile,
  type RequestAttributes,
  type UserInfo,
} from './auth.js';
export { CrdController, crdResources, validateCrd } from './crd.js';
export { aggregatedDiscovery, apiResourceList, openapiIndex, versionInfo } from './discovery.js';
export { type FieldRequirement, matchFields, parseFieldSelector } from './field-selector.js';
export { type ApiServerFlags, runApiServer, startFromFlags } from './main.js';
export { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
export { addToken, ensurePki, ensureToken, kubeconfig, type PkiFiles, pkiFiles } from './pki.js';
export { decodeKubernetesProtobuf } from './protobuf.js';
export { BUILTIN_RESOURCES, type ResourceInfo, ResourceRegistry } from './resources.js';
export { type DeleteOptions, type ListQuery, RestStorage } from './rest.js';
export { type ApiServer, type ApiServerOptions, startApiServer } from './server.js';
export { allocateService, parseIpv4Cidr } from './service-alloc.js';
export { ApiError, toStatus } from './status.js';
export { humanDuration } from './table/cells.js';
export { toTable } from './table.js';
