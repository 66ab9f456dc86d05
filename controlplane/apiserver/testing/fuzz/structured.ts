/**
 * Well-formed requests: a method, target, headers and a body for one of the server's resources, made into bytes; the guard that keeps admin requests off the protected namespace.
 */
import { stringify as toYaml } from 'yaml';
import {
  deleteOptionsBody,
  objectFor,
  patchBody,
  pathologicalBody,
  protobufBody,
  subresourceBody,
} from './bodies.js';
import { keepNamed, mutateBytes, mutateValue } from './mutators.js';
import { anyPath, query, resourcePath } from './paths.js';
import type { Rng } from './rng.js';
import type { FuzzRequest, FuzzTarget } from './types.js';
import { ACCEPTS, CONTENT_TYPES, METHODS, NAMES, PATCH_TYPES, PROTOBUF } from './vocabulary.js';

/** Everything a well-formed request is made of, before it becomes bytes. */
interface Parts {
  method: string;
  path: string;
  query: string;
  headers: [string, string][];
  body: Buffer | undefined;
  admin: boolean;
}

function encodeBody(value: unknown, contentType: string): Buffer {
  if (contentType.includes('yaml')) return Buffer.from(toYaml(value ?? null));
  return Buffer.from(JSON.stringify(value) ?? 'null');
}

/** A request to one of the server's resources (or a non-resource path), well framed. */
export function structured(rng: Rng, target: FuzzTarget, watch: boolean): Parts {
  const r = target.resources.length > 0 && rng.chance(0.9) ? rng.pick(target.resources) : undefined;
  const method = watch ? 'GET' : rng.pick(METHODS);
  const path = r && rng.chance(0.85) ? resourcePath(rng, r, target) : anyPath(rng, target);
  const segs = path.split('/');
  const nsAt = segs.indexOf('namespaces');
  const ns = nsAt >= 0 ? safeDecode(segs[nsAt + 1] ?? '') : undefined;
  const name = rng.pick(NAMES);
  const admin = rng.chance(0.6);
  const headers: [string, string][] = [['Host', rng.chance(0.97) ? '127.0.0.1' : rng.nasty().slice(0, 100)]];
  if (admin) headers.push(['Authorization', `Bearer ${target.adminToken}`]);
  else if (rng.chance(0.3))
    headers.push([
      'Authorization',
      rng.pick([
        'Bearer ',
        'Bearer x',
        'Basic YWRtaW46YWRtaW4=',
        'bearer  nope',
        `Bearer ${target.adminToken}x`,
        `Bearer ${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:default:default', exp: 9e12, aud: ['x'] })).toString('base64url')}.sig`,
        'Bearer a.b.c',
        'Bearer ....',
        rng.nasty().slice(0, 200),
      ]),
    ]);
  if (rng.chance(0.7))
    headers.push(['Accept', rng.chance(0.9) ? rng.pick(ACCEPTS) : rng.nasty().slice(0, 300)]);
  if (admin && rng.chance(0.05))
    headers.push(['Impersonate-User', rng.pick(['bob', 'system:node:node-1', '', 'system:admin'])]);
  if (admin && rng.chance(0.05))
    headers.push(['Impersonate-Group', rng.pick(['system:masters', 'system:nodes', ''])]);
  if (rng.chance(0.05)) headers.push(['User-Agent', rng.nasty().slice(0, 200)]);
  if (rng.chance(0.02)) headers.push(['Content-Encoding', rng.pick(['gzip', 'deflate', 'x'])]);
  if (rng.chance(0.02)) headers.push(['Expect', '100-continue']);
  let body: Buffer | undefined;
  if (
    method === 'POST' ||
    method === 'PUT' ||
    method === 'PATCH' ||
    (method === 'DELETE' && rng.chance(0.3)) ||
    rng.chance(0.03)
  ) {
    const sub =
      segs.length > 0 &&
      r &&
      path.endsWith(`/${segs[segs.length - 1]}`) &&
      r.subresources.includes(segs[segs.length - 1] ?? '')
        ? (segs[segs.length - 1] as string)
        : '';
    let contentType: string;
    if (method === 'PATCH') contentType = rng.chance(0.9) ? rng.pick(PATCH_TYPES) : rng.pick(CONTENT_TYPES);
    else
      contentType = rng.chance(0.85)
        ? rng.pick(['application/json', 'application/json', 'application/yaml', PROTOBUF])
        : rng.pick(CONTENT_TYPES);
    const obj = objectFor(rng, r, name, ns);
    let value: unknown;
    if (method === 'DELETE') value = deleteOptionsBody(rng);
    else if (method === 'PATCH') value = patchBody(rng, contentType, obj);
    else if (sub !== '') value = subresourceBody(rng, sub, name);
    else value = obj;
    if (rng.chance(0.5)) value = keepNamed(mutateValue(rng, value), name);
    if (contentType === PROTOBUF) {
      body = protobufBody(rng, name, rng.pick(['ConfigMap', 'Namespace']));
    } else if (rng.chance(0.03)) {
      body = pathologicalBody(rng);
    } else {
      body = encodeBody(value, contentType);
    }
    if (rng.chance(0.3)) body = mutateBytes(rng, body);
    if (rng.chance(0.97)) headers.push(['Content-Type', contentType]);
  }
  return { method, path, query: query(rng, watch), headers, body, admin };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Whether an admin request could legitimately change what the test seeded: it names the
 * protected namespace anywhere in its target, or deletes the namespace collection (which
 * deletes every namespace with its content). Such requests go out without credentials.
 */
export function mayTouchProtected(method: string, target: string, protectedNamespace: string): boolean {
  const path = target.split('?')[0] ?? '';
  const segs = path
    .split('/')
    .filter((s) => s !== '')
    .map(safeDecode);
  if (segs.some((s) => s.includes(protectedNamespace)) || safeDecode(target).includes(protectedNamespace))
    return true;
  if (method !== 'GET' && method !== 'HEAD' && /^\/?api\/v1\/namespaces\/?$/.test(segs.join('/')))
    return true;
  return method === 'DELETE' && segs.length === 3 && segs[0] === 'api' && segs[2] === 'namespaces';
}

export function serialize(p: Parts, framing: 'length' | 'chunked' | 'none'): Buffer {
  const lines = [`${p.method} ${p.path}${p.query} HTTP/1.1`, ...p.headers.map(([k, v]) => `${k}: ${v}`)];
  let body: Buffer = Buffer.alloc(0);
  if (p.body !== undefined) {
    if (framing === 'chunked') {
      lines.push('Transfer-Encoding: chunked');
      body =
        p.body.length === 0
          ? Buffer.from('0\r\n\r\n')
          : Buffer.concat([
              Buffer.from(`${p.body.length.toString(16)}\r\n`),
              p.body,
              Buffer.from('\r\n0\r\n\r\n'),
            ]);
    } else if (framing === 'length') {
      lines.push(`Content-Length: ${p.body.length}`);
      body = p.body;
    }
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/**
 * Whether Node's parser may refuse the request head (control or non-ASCII bytes, a head near
 * the 16 KiB limit). Node answers such a request at once and closes the socket, ahead of
 * answers still owed to earlier pipelined requests, so these go on a connection of their own.
 */
export function parserMayRefuse(bytes: Buffer): boolean {
  const end = bytes.indexOf('\r\n\r\n');
  const head = bytes.subarray(0, end < 0 ? bytes.length : end);
  if (head.length > 8 * 1024) return true;
  for (const b of head) if ((b < 0x20 && b !== 0x0d && b !== 0x0a) || b > 0x7e) return true;
  const [line = '', ...headers] = head.toString('latin1').split('\r\n');
  if (!/^[A-Z]+ [!-~]+ HTTP\/1\.1$/.test(line)) return true;
  return headers.some((h) => !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[ !-~]*$/.test(h));
}

export function finish(p: Parts, bytes: Buffer, extra: Partial<FuzzRequest> = {}): FuzzRequest {
  return {
    bytes,
    head: p.method === 'HEAD',
    solo: parserMayRefuse(bytes),
    mustAnswer: true,
    streaming: false,
    admin: p.admin,
    label: `${p.admin ? 'admin ' : ''}${p.method} ${(p.path + p.query).slice(0, 160)}`,
    ...extra,
  };
}

/** Drops the credentials of an admin request that could change the protected objects. */
export function guard(p: Parts, target: FuzzTarget): Parts {
  if (!p.admin || !mayTouchProtected(p.method, p.path + p.query, target.protectedNamespace)) return p;
  return { ...p, admin: false, headers: p.headers.filter(([k]) => k !== 'Authorization') };
}
