/**
 * Parses a request path into what it addresses (apiserver's request.RequestInfoFactory):
 * `/api/v1/namespaces/ns/pods/name/status` → group '', version v1, namespace ns, resource pods,
 * name, subresource status; plus the verb from method and query.
 */
import { queryBool } from './query-params.js';

/** What a resource request addresses. */
export interface RequestInfo {
  readonly group: string;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly resource: string;
  readonly name: string;
  readonly subresource: string;
  /** get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verb: string;
}

/** Parses `/api/...` or `/apis/...` resource paths; undefined for anything else. */
export function parseRequestInfo(
  method: string,
  pathname: string,
  query: URLSearchParams,
): RequestInfo | undefined {
  const segs = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1] as string;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1] as string;
    version = segs[2] as string;
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  // `namespaces/NAME/<resource>` is a namespaced request; `namespaces/NAME[/status|/finalize]` is the Namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  const [resource = '', name = '', subresource = ''] = rest;
  const watch = queryBool(query, 'watch');
  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = name ? 'get' : watch ? 'watch' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = method.toLowerCase();
  }
  return { group, version, namespace, resource, name, subresource, verb };
}
