/**
 * The fixed pools the fuzz generators pick from: namespaces, names, subresources, methods and media types.
 */

export const NAMESPACES = ['fuzz-a', 'fuzz-b', 'default', 'kube-system', 'fuzz', 'fuzz-', 'fuzz-kee', 'nope'];
export const NAMES = ['f1', 'f2', 'f3', 'web', 'default', 'kubernetes', 'x'];
export const SUBRESOURCES = [
  'status',
  'scale',
  'binding',
  'eviction',
  'token',
  'log',
  'exec',
  'finalize',
  'proxy',
  'x',
];
export const METHODS = [
  'GET',
  'GET',
  'GET',
  'POST',
  'POST',
  'PUT',
  'PATCH',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
];
export const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
export const ACCEPTS = [
  'application/json',
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
  `${PROTOBUF}, */*`,
  'application/yaml',
  '*/*',
  'text/html',
  'application/json;as=Table',
  'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
];
export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/yaml',
  PROTOBUF,
  ...PATCH_TYPES,
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json;;;',
];
