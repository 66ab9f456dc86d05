/**
 * Parses a request target into what it addresses (apiserver's request.RequestInfoFactory):
 * `/api/v1/namespaces/ns/pods/name/status` → group '', version v1, namespace ns, resource pods,
 * name, subresource status; plus the verb from method and query. Targets come from anyone who
 * can open a socket, so every function here answers malformed input with a 400, never a throw
 * of another kind.
 */
import { queryBool } from './query-params.js';
import { badRequest } from './status.js';

/** A request target split into its still-escaped path and its query. */
export interface RequestTarget {
  /** The path as sent (escapes kept), trailing slashes removed; `/` at least. */
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * Splits the request target. Origin form (`/path?query`) is split by hand, never resolved
 * against a base URL: `//x:99999` is a path here, as in Go's `url.ParseRequestURI`, not a host
 * and port (WHATWG `new URL('//…', base)` reads it as one and throws). Absolute form
 * (`http://host/path`) is parsed as a URL; anything else is 400.
 */
export function parseRequestTarget(raw: string): RequestTarget {
  let pathPart: string;
  let queryPart: string;
  if (raw.startsWith('/') || raw === '*') {
    const q = raw.indexOf('?');
    pathPart = q < 0 ? raw : raw.slice(0, q);
    queryPart = q < 0 ? '' : raw.slice(q + 1);
  } else {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw badRequest(`malformed request target ${JSON.stringify(raw.slice(0, 200))}`);
    }
    pathPart = url.pathname;
    queryPart = url.search.slice(1);
  }
  return { path: pathPart.replace(/\/+$/, '') || '/', query: new URLSearchParams(queryPart) };
}

/** One path segment with its %-escapes decoded; a malformed escape is 400. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`malformed escape in request path segment ${JSON.stringify(segment.slice(0, 200))}`);
  }
}

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
    .map(decodeSegment);
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
