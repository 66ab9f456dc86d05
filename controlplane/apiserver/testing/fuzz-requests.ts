/**
 * Random and mutated HTTP requests for the API server fuzz test, from a seeded PRNG so a failing
 * run is reproduced by its seed. Pure: a request is bytes plus what the sender must know about
 * them (may it share a pipelined connection, must it be answered, may it stream).
 *
 * Families: well-formed requests to every resource (method, path, query, headers and a body
 * built for the kind, then mutated), raw request lines Node's client would never send, framing
 * hazards (conflicting lengths, bad chunks, truncated or oversized bodies) and watches.
 */
import { stringify as toYaml } from 'yaml';

/** A deterministic PRNG (mulberry32) with the helpers the generators use. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `n` bytes of anything. */
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  /** A short string of the characters that break parsers. */
  nasty(): string {
    return this.pick([
      '',
      ' ',
      '%',
      '%00',
      '%zz',
      '%E0%A4%A',
      '%2F',
      '%252F',
      '..',
      '.',
      '//',
      '\\',
      '"',
      "'",
      '{',
      '}',
      '[',
      ']',
      '\u0000',
      '\u00e9',
      '\ud83d\ude00',
      '\ud800',
      '=',
      '&',
      '?',
      '#',
      ',',
      '!',
      '~',
      '-1',
      '0',
      '1e400',
      '18446744073709551616',
      'NaN',
      'null',
      'true',
      'long',
      'huge',
    ]).replace(/^(long|huge)$/, (w) => (w === 'long' ? 'a'.repeat(this.int(300) + 1) : 'x'.repeat(70_000)));
  }
}

/** One resource type the server serves, from its discovery. */
export interface FuzzResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly subresources: readonly string[];
}

/** What the generator knows of the server. */
export interface FuzzTarget {
  readonly adminToken: string;
  readonly resources: readonly FuzzResource[];
  /** A namespace no request may name: objects there must come through unchanged. */
  readonly protectedNamespace: string;
}

/** A request and how to send it. */
export interface FuzzRequest {
  readonly bytes: Buffer;
  /** HEAD: the answer has no body. */
  readonly head: boolean;
  /** Needs a connection of its own (framing hazards, streams, broken request lines). */
  readonly solo: boolean;
  /** Complete and well framed: an answer must come. */
  readonly mustAnswer: boolean;
  /** May be answered with a stream that does not end (a watch). */
  readonly streaming: boolean;
  /** Sent with the admin token. */
  readonly admin: boolean;
  /** Short description for reports: the request line, cut. */
  readonly label: string;
  /** A large chunked body, streamed by the sender after `bytes` (size in bytes). */
  readonly streamBody?: number;
}

const NAMESPACES = ['fuzz-a', 'fuzz-b', 'default', 'kube-system', 'fuzz', 'fuzz-', 'fuzz-kee', 'nope'];
const NAMES = ['f1', 'f2', 'f3', 'web', 'default', 'kubernetes', 'x'];
const SUBRESOURCES = [
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
const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const PATCH_TYPES = [
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const ACCEPTS = [
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
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/yaml',
  PROTOBUF,
  ...PATCH_TYPES,
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json;;;',
];

/** The path of a resource request. */
function resourcePath(rng: Rng, r: FuzzResource, target: FuzzTarget): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  let path = base;
  if (r.namespaced && !rng.chance(0.1)) {
    const ns = rng.chance(0.9) ? rng.pick(NAMESPACES) : rng.nasty();
    path += `/namespaces/${encodeMaybe(rng, ns)}`;
  }
  path += `/${r.resource}`;
  if (rng.chance(0.6)) {
    path += `/${encodeMaybe(rng, rng.chance(0.85) ? rng.pick(NAMES) : rng.nasty())}`;
    if (rng.chance(0.3)) {
      const sub =
        r.subresources.length > 0 && rng.chance(0.7) ? rng.pick(r.subresources) : rng.pick(SUBRESOURCES);
      path += `/${sub}`;
    }
  }
  void target;
  return path;
}

function encodeMaybe(rng: Rng, s: string): string {
  return rng.chance(0.7) ? pct(s) : s.replace(/[\s?#]/g, '');
}

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD; never throws). */
function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const NON_RESOURCE = [
  '/',
  '/api',
  '/apis',
  '/api/v1',
  '/apis/apps',
  '/apis/apps/v1',
  '/apis/nope/v9',
  '/openapi/v3',
  '/openapi/v3/api/v1',
  '/openapi/v3/apis/apps/v1',
  '/openapi/v2',
  '/version',
  '/livez',
  '/readyz',
  '/healthz',
  '/livez/etcd',
  '/readyz/shutdown',
  '/healthz/nope',
  '/metrics',
  '//',
  '//[',
  '//x:99999',
  '//[::1]:80/api',
  '/api/v1/..',
  '/api/v1/namespaces/../../version',
  '/%2e%2e/version',
  '/api/v1/namespaces/default/pods/%',
  '*',
];

function anyPath(rng: Rng, target: FuzzTarget): string {
  if (rng.chance(0.75) && target.resources.length > 0)
    return resourcePath(rng, rng.pick(target.resources), target);
  if (rng.chance(0.8)) return rng.pick(NON_RESOURCE);
  return `/${rng.nasty()}${rng.chance(0.5) ? `/${rng.nasty()}` : ''}`;
}

/** Label selectors, valid and not. */
function labelSelector(rng: Rng): string {
  const key = rng.pick(['app', 'a.b/c', 'tier', 'x/y/z', '-bad', 'k'.repeat(70), rng.nasty()]);
  const value = rng.pick(['web', 'v1', '', 'a b', 'x'.repeat(70), rng.nasty()]);
  const one = (): string =>
    rng.pick([
      `${key}=${value}`,
      `${key}==${value}`,
      `${key}!=${value}`,
      `${key} in (${value},b)`,
      `${key} notin (${value})`,
      `${key} in ()`,
      `${key}`,
      `!${key}`,
      `${key} in (a,`,
      `${key}>1`,
      `${key} gt 2`,
      `(((`,
      ',',
    ]);
  const parts = [one()];
  while (rng.chance(0.3)) parts.push(one());
  return parts.join(rng.chance(0.9) ? ',' : ' ');
}

function fieldSelector(rng: Rng): string {
  const field = rng.pick([
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'status.phase',
    'spec.unknown',
    'type',
    'involvedObject.name',
    'spec.schedulerName',
    rng.nasty(),
  ]);
  const op = rng.pick(['=', '==', '!=', ' in ', '', '=~']);
  const parts = [`${field}${op}${rng.chance(0.8) ? rng.pick(NAMES) : rng.nasty()}`];
  while (rng.chance(0.25)) parts.push(`metadata.name!=${rng.pick(NAMES)}`);
  return parts.join(',');
}

function continueToken(rng: Rng): string {
  const start = rng.pick([
    '/registry/configmaps/fuzz-a/f1',
    '/registry/configmaps/',
    '',
    '\u0000',
    '/registry/secrets/kube-system/x',
    rng.nasty(),
  ]);
  const body = rng.pick<unknown>([
    { v: 'meta.k8s.io/v1', rv: rng.int(1000), start },
    { v: 'meta.k8s.io/v1', rv: -1, start },
    { v: 'x', rv: 'NaN', start: 7 },
    { start: { a: 1 } },
    [],
    null,
    'str',
  ]);
  const json = JSON.stringify(body);
  return rng.pick([
    Buffer.from(json).toString('base64url'),
    Buffer.from(json).toString('base64'),
    rng.bytes(rng.int(40)).toString('base64url'),
    rng.nasty(),
    '%%%',
  ]);
}

function goDuration(rng: Rng): string {
  return rng.pick([
    '1ms',
    '0s',
    '1s',
    '32s',
    '5m',
    '1h',
    '-1s',
    '1.5s',
    '99999999999999999999h',
    'x',
    '',
    '1e3s',
  ]);
}

function queryValue(rng: Rng, key: string): string {
  switch (key) {
    case 'labelSelector':
      return labelSelector(rng);
    case 'fieldSelector':
      return fieldSelector(rng);
    case 'continue':
      return continueToken(rng);
    case 'limit':
      return rng.pick(['0', '1', '2', '500', '-1', '1.5', '1e3', '99999999999999999999', 'x', '']);
    case 'resourceVersion':
      return rng.pick(['', '0', '1', '5', '999999999', '-1', '1.5', '9007199254740993', 'x', rng.nasty()]);
    case 'resourceVersionMatch':
      return rng.pick(['NotOlderThan', 'Exact', 'x', '']);
    case 'timeoutSeconds':
      return rng.pick(['1', '0', '-1', '1.5', '99999999999', 'x', '']);
    case 'timeout':
      return goDuration(rng);
    case 'watch':
      return rng.pick(['true', '1', 'false', '0', 'yes', '']);
    case 'dryRun':
      return rng.pick(['All', 'all', 'None', '', 'x']);
    case 'fieldValidation':
      return rng.pick(['Strict', 'Warn', 'Ignore', 'strict', 'x']);
    case 'gracePeriodSeconds':
      return rng.pick([
        '0',
        '1',
        '30',
        '-1',
        '1.5',
        'x',
        '99999999999999999999',
        '9007199254740991',
        '8640000000000',
      ]);
    case 'propagationPolicy':
      return rng.pick(['Foreground', 'Background', 'Orphan', 'x', '']);
    case 'orphanDependents':
      return rng.pick(['true', 'false', 'x']);
    case 'includeObject':
      return rng.pick(['Object', 'Metadata', 'None', 'x']);
    case 'force':
      return rng.pick(['true', 'false', 'x']);
    case 'allowWatchBookmarks':
      return rng.pick(['true', 'false', 'x']);
    case 'sendInitialEvents':
      return rng.pick(['true', 'false', 'x']);
    default:
      return rng.chance(0.7) ? rng.pick(['1', 'true', 'x', '']) : rng.nasty();
  }
}

const QUERY_KEYS = [
  'labelSelector',
  'fieldSelector',
  'continue',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'timeoutSeconds',
  'timeout',
  'dryRun',
  'fieldValidation',
  'fieldManager',
  'force',
  'gracePeriodSeconds',
  'propagationPolicy',
  'orphanDependents',
  'includeObject',
  'pretty',
  'verbose',
  'exclude',
  'allowWatchBookmarks',
  'sendInitialEvents',
];

function query(rng: Rng, watch: boolean): string {
  const pairs: string[] = [];
  const n = rng.int(4);
  for (let i = 0; i < n; i++) {
    const key = rng.chance(0.95) ? rng.pick(QUERY_KEYS) : rng.nasty();
    const value = queryValue(rng, key);
    pairs.push(rng.chance(0.9) ? `${pct(key)}=${pct(value)}` : `${key}=${value}`);
  }
  if (watch) {
    pairs.push(`watch=${rng.pick(['true', '1'])}`);
    // Most watches end on their own; the sender closes the rest after a look at the first bytes.
    if (rng.chance(0.8)) pairs.push(`timeoutSeconds=${rng.pick(['1', '2'])}`);
  }
  if (pairs.length === 0) return '';
  return `?${pairs.join(rng.chance(0.95) ? '&' : rng.pick(['&&', ';', '&=&']))}`;
}

/** A body for `kind`, as an object, before any mutation. */
function objectFor(
  rng: Rng,
  r: FuzzResource | undefined,
  name: string,
  ns: string | undefined,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name };
  if (ns !== undefined && rng.chance(0.5)) metadata.namespace = ns;
  if (rng.chance(0.3)) metadata.labels = { app: rng.pick(['web', 'db']), [rng.pick(['a.b/c', 'tier'])]: 'x' };
  if (rng.chance(0.1))
    metadata.finalizers = [rng.pick(['example.com/f', 'kubernetes', 'foregroundDeletion'])];
  if (rng.chance(0.1)) metadata.resourceVersion = String(rng.int(100));
  // generateName only beside a name (which wins): alone, every create would add an object, and
  // the set the fuzz creates must stay bounded for the memory check to mean anything.
  if (rng.chance(0.05)) metadata.generateName = 'g-';
  if (rng.chance(0.05))
    metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'f1', uid: 'u-1', controller: true },
    ];
  const kind = r?.kind ?? 'ConfigMap';
  const apiVersion = r === undefined ? 'v1' : r.group === '' ? r.version : `${r.group}/${r.version}`;
  const base: Record<string, unknown> = { apiVersion, kind, metadata };
  const podSpec = {
    containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: rng.pick([80, 0, 70000]) }] }],
    ...(rng.chance(0.3) ? { nodeName: rng.pick(['node-1', '']) } : {}),
  };
  const selector = { matchLabels: { app: 'web' } };
  switch (kind) {
    case 'ConfigMap':
      return { ...base, data: { k: 'v', [rng.pick(['a', 'b/c', '..'])]: 'x' } };
    case 'Secret':
      return {
        ...base,
        type: rng.pick(['Opaque', 'kubernetes.io/tls', 'x']),
        data: { k: rng.pick(['dmFsdWU=', '!!!']) },
      };
    case 'Service':
      return {
        ...base,
        spec: {
          type: rng.pick(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'x']),
          selector: { app: 'web' },
          ports: [
            {
              port: rng.pick([80, 0, 65536]),
              targetPort: rng.pick([8080, 'http', -1]),
              nodePort: rng.pick([undefined, 30080, 1]),
            },
          ],
          ...(rng.chance(0.2) ? { clusterIP: rng.pick(['None', '10.96.0.99', '1.2.3.4', 'x']) } : {}),
        },
      };
    case 'Pod':
      return { ...base, spec: podSpec };
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
    case 'StatefulSet':
      return {
        ...base,
        spec: {
          replicas: rng.pick([1, 0, -1, 3]),
          selector,
          template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
        },
      };
    case 'Namespace':
      return base;
    case 'Lease':
      return { ...base, spec: { holderIdentity: 'h', leaseDurationSeconds: rng.pick([15, -1]) } };
    case 'Event':
      return {
        ...base,
        involvedObject: { kind: 'Pod', name: 'p', namespace: ns },
        reason: 'R',
        message: 'm',
        type: 'Normal',
      };
    case 'CustomResourceDefinition':
      return {
        ...base,
        metadata: { name: rng.pick(['widgets.fuzz.example.com', 'bad', 'gadgets.fuzz.example.com']) },
        spec: {
          group: 'fuzz.example.com',
          names: {
            plural: rng.pick(['widgets', 'gadgets']),
            singular: 'widget',
            kind: rng.pick(['Widget', 'Gadget']),
          },
          scope: rng.pick(['Namespaced', 'Cluster', 'x']),
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
                },
              },
            },
          ],
        },
      };
    case 'SelfSubjectAccessReview':
      return {
        ...base,
        spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: ns ?? '' } },
      };
    case 'SelfSubjectRulesReview':
      return { ...base, spec: { namespace: ns ?? 'default' } };
    case 'Node':
      return { ...base, spec: { podCIDR: rng.pick(['10.244.1.0/24', 'x']) } };
    default:
      return { ...base, spec: { x: 1 } };
  }
}

/** Bodies of subresource writes and options. */
function subresourceBody(rng: Rng, sub: string, name: string): unknown {
  switch (sub) {
    case 'binding':
      return {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name },
        target: { kind: 'Node', name: rng.pick(['node-1', '']) },
      };
    case 'eviction':
      return { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } };
    case 'token':
      return {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: ['a'], expirationSeconds: rng.pick([600, -1, 1e12]) },
      };
    case 'scale':
      return {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name },
        spec: { replicas: rng.pick([2, -1, 'x']) },
      };
    default:
      return { status: { phase: rng.pick(['Running', 'x']) } };
  }
}

function deleteOptionsBody(rng: Rng): unknown {
  return {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    ...(rng.chance(0.5)
      ? { gracePeriodSeconds: rng.pick([0, 30, -1, 1.5, 9007199254740991, 8640000000000, 1e300]) }
      : {}),
    ...(rng.chance(0.5) ? { propagationPolicy: rng.pick(['Foreground', 'Background', 'Orphan', 'x']) } : {}),
    ...(rng.chance(0.2) ? { preconditions: { uid: 'u', resourceVersion: '1' } } : {}),
    ...(rng.chance(0.2) ? { dryRun: rng.pick([['All'], ['x'], 'All']) } : {}),
  };
}

/** A patch of the given type (before mutation). */
function patchBody(rng: Rng, type: string, obj: Record<string, unknown>): unknown {
  const pathOf = (): string =>
    rng.pick([
      '/metadata/labels/app',
      '/metadata/labels/a~1b',
      '/metadata/labels',
      '/metadata/annotations/x',
      '/metadata/resourceVersion',
      '/metadata/name',
      '/metadata/namespace',
      '/metadata/uid',
      '/data/k',
      '/spec/replicas',
      '/spec/ports/0/port',
      '/spec/ports/-',
      '/spec/containers/0/image',
      '/spec/template/spec/containers/5',
      '/status',
      '',
      '/',
      '~2',
      '/a/b/c/d',
      rng.nasty(),
    ]);
  switch (type) {
    case 'application/json-patch+json': {
      const ops: unknown[] = [];
      const n = rng.int(4) + 1;
      for (let i = 0; i < n; i++) {
        const op = rng.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'x']);
        ops.push({
          op,
          path: pathOf(),
          ...(rng.chance(0.7) ? { value: rng.pick<unknown>(['v', 1, null, { a: 1 }, [1], true]) } : {}),
          ...(op === 'move' || op === 'copy' ? { from: pathOf() } : {}),
        });
      }
      return ops;
    }
    case 'application/strategic-merge-patch+json':
      return rng.pick<unknown>([
        { metadata: { labels: { app: rng.pick(['web', null]) } } },
        {
          spec: {
            containers: [
              { name: 'c', image: 'x' },
              { name: 'c', $patch: 'delete' },
            ],
          },
        },
        {
          spec: {
            template: {
              spec: { containers: [{ name: 'c', $patch: rng.pick(['delete', 'replace', 'merge', 'x']) }] },
            },
          },
        },
        { spec: { ports: [{ port: 80, $patch: 'delete' }] } },
        { $patch: rng.pick(['replace', 'delete', 'x']) },
        { $retainKeys: ['spec'], spec: { x: 1 } },
        { spec: { $setElementOrder: { containers: [{ name: 'c' }] } } },
        { $deleteFromPrimitiveList: { finalizers: ['x'] } },
        { metadata: { finalizers: ['a', 'a'] } },
        { data: null },
      ]);
    case 'application/apply-patch+yaml':
      return obj;
    default:
      return rng.pick<unknown>([
        { metadata: { labels: { app: rng.pick(['web', null, 1]) } } },
        { data: { k: null, n: 'v' } },
        { spec: { replicas: rng.pick([2, null, 'x']) } },
        { metadata: { name: 'other' } },
        { metadata: { namespace: 'fuzz-b' } },
        { metadata: { resourceVersion: '1' } },
        null,
        [],
        'str',
        obj,
      ]);
  }
}

/** Deep structural mutations of a decoded body. */
function mutateValue(rng: Rng, v: unknown, depth = 0): unknown {
  if (depth > 6) return v;
  if (rng.chance(0.04)) {
    return rng.pick<unknown>([
      null,
      0,
      -1,
      1.5,
      1e308,
      '',
      rng.nasty(),
      true,
      [],
      {},
      [null],
      { '': 1 },
      { __proto__: { polluted: true } },
      { constructor: { prototype: { x: 1 } } },
    ]);
  }
  if (Array.isArray(v)) {
    const out = v.map((x) => mutateValue(rng, x, depth + 1));
    if (rng.chance(0.05)) out.push(mutateValue(rng, out[0], depth + 1));
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (rng.chance(0.03)) continue;
      out[rng.chance(0.02) ? rng.nasty() : k] = mutateValue(rng, x, depth + 1);
    }
    if (rng.chance(0.05))
      out[rng.pick(['__proto__', 'constructor', 'status', 'extra', '$patch', rng.nasty()])] =
        rng.pick<unknown>([1, 'x', {}, null]);
    return out;
  }
  return v;
}

/** Puts the name back when a mutation dropped it beside a generateName (see objectFor). */
function keepNamed(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const meta = (value as Record<string, unknown>).metadata;
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    const m = meta as Record<string, unknown>;
    if (m.generateName !== undefined && m.name === undefined) m.name = name;
  }
  return value;
}

/** Byte-level mutations of an encoded body. */
function mutateBytes(rng: Rng, b: Buffer): Buffer {
  let out: Buffer = Buffer.from(b);
  const n = rng.int(4) + 1;
  for (let i = 0; i < n; i++) {
    const at = out.length === 0 ? 0 : rng.int(out.length);
    switch (rng.int(7)) {
      case 0:
        if (out.length > 0) out[at] = rng.int(256);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), rng.bytes(rng.int(8) + 1), out.subarray(at)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + rng.int(16) + 1)]);
        break;
      case 3:
        out = out.subarray(0, at);
        break;
      case 4:
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.from(
            rng.pick([
              '"',
              '{',
              '[',
              ']',
              '}',
              ',',
              ':',
              '\\u0000',
              '1e999',
              '-',
              '\n- a\n',
              '&a *a',
              '!!binary',
              '<<: *x',
            ]),
          ),
          out.subarray(at),
        ]);
        break;
      case 5:
        out = Buffer.concat([out, out.subarray(at, at + 64)]);
        break;
      default:
        if (out.length > 0) out[at] = (out[at] as number) ^ (1 << rng.int(8));
    }
  }
  return out;
}

/** Bodies built to stress a parser: deep nesting, huge numbers, YAML aliases. */
function pathologicalBody(rng: Rng): Buffer {
  const depth = rng.pick([100, 1000, 10_000, 100_000]);
  const make = rng.pick<() => string>([
    () => '['.repeat(depth) + ']'.repeat(depth),
    () => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    () => `${'- '.repeat(Math.min(depth, 5000))}x`,
    () =>
      'a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e]\n',
    () =>
      `{"metadata":{"name":"f1","labels":{${Array.from({ length: 2000 }, (_, i) => `"k${i}":"v"`).join(',')}}}}`,
    () => `{"metadata":{"name":"f1"},"data":{"k":"${'v'.repeat(1024 * 1024)}"}}`,
    () => '\ufeff{"metadata":{"name":"f1"}}',
    () => '1'.repeat(5000),
    () => 'null',
    () => '"',
    () => '',
  ]);
  return Buffer.from(make());
}

/** Minimal protobuf writer: enough for the `k8s\0` envelope and a ConfigMap or Namespace. */
function pbField(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 127) {
    out.push((v & 127) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function protobufBody(rng: Rng, name: string, kind: 'ConfigMap' | 'Namespace'): Buffer {
  const meta = pbField(1, Buffer.from(name));
  const entries =
    kind === 'ConfigMap'
      ? [pbField(2, Buffer.concat([pbField(1, Buffer.from('k')), pbField(2, Buffer.from('v'))]))]
      : [];
  const raw = Buffer.concat([pbField(1, meta), ...entries]);
  const typeMeta = Buffer.concat([pbField(1, Buffer.from('v1')), pbField(2, Buffer.from(kind))]);
  const unknown = Buffer.concat([
    pbField(1, typeMeta),
    pbField(2, raw),
    ...(rng.chance(0.1) ? [pbField(3, Buffer.from('gzip'))] : []),
  ]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}

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
function structured(rng: Rng, target: FuzzTarget, watch: boolean): Parts {
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

function serialize(p: Parts, framing: 'length' | 'chunked' | 'none'): Buffer {
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
function parserMayRefuse(bytes: Buffer): boolean {
  const end = bytes.indexOf('\r\n\r\n');
  const head = bytes.subarray(0, end < 0 ? bytes.length : end);
  if (head.length > 8 * 1024) return true;
  for (const b of head) if ((b < 0x20 && b !== 0x0d && b !== 0x0a) || b > 0x7e) return true;
  const [line = '', ...headers] = head.toString('latin1').split('\r\n');
  if (!/^[A-Z]+ [!-~]+ HTTP\/1\.1$/.test(line)) return true;
  return headers.some((h) => !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[ !-~]*$/.test(h));
}

function finish(p: Parts, bytes: Buffer, extra: Partial<FuzzRequest> = {}): FuzzRequest {
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
function guard(p: Parts, target: FuzzTarget): Parts {
  if (!p.admin || !mayTouchProtected(p.method, p.path + p.query, target.protectedNamespace)) return p;
  return { ...p, admin: false, headers: p.headers.filter(([k]) => k !== 'Authorization') };
}

/** Request lines no client library sends: bad methods, targets, versions, bytes. */
function rawLine(rng: Rng, target: FuzzTarget): FuzzRequest {
  const method = rng.pick([
    'GET',
    'POST',
    'get',
    'G ET',
    'BREW',
    'PRI',
    'CONNECT',
    'TRACE',
    'M-SEARCH',
    '',
    'GET\t',
    'X'.repeat(50),
  ]);
  const path = rng.pick([
    '//',
    '//[',
    '//x:99999',
    '//x:99999/api/v1/pods',
    '//[::1',
    '//user@host/version',
    'http://x:99999/version',
    'http://[/x',
    'https://apiserver/api/v1/namespaces',
    '*',
    'version',
    '/api/v1/namespaces/%zz/pods',
    `/${'a/'.repeat(rng.int(8000))}`,
    `/api/v1/pods?${'a=1&'.repeat(rng.int(4000))}`,
    '/\u00e9',
    '/a b',
    '/\u0000',
    '/%00',
    '/api/v1/namespaces/default/pods/%ff%fe',
    anyPath(rng, target),
  ]);
  const version = rng.pick([
    'HTTP/1.1',
    'HTTP/1.1',
    'HTTP/1.0',
    'HTTP/2.0',
    'HTTP/1.2',
    'HTTP/9',
    'http/1.1',
    '',
    'HTTP/1.1 extra',
  ]);
  const sep = rng.pick([' ', ' ', '  ', '\t']);
  let line: Buffer = Buffer.from([method, path, version].filter((x) => x !== '').join(sep), 'utf8');
  if (rng.chance(0.2)) line = mutateBytes(rng, line);
  const admin =
    rng.chance(0.3) &&
    !mayTouchProtected(method.trim().toUpperCase(), path, target.protectedNamespace) &&
    !line.toString('latin1').includes(target.protectedNamespace);
  const headers = ['Host: x', ...(admin ? [`Authorization: Bearer ${target.adminToken}`] : [])];
  if (rng.chance(0.2))
    headers.push(
      rng.pick([
        'X: \u0000',
        'Bad Header: x',
        ': x',
        'X:',
        `X-Long: ${'a'.repeat(20_000)}`,
        'Host: y',
        'Content-Length: -1',
        'Content-Length: 1e3',
        'Transfer-Encoding: gzip',
      ]),
    );
  const bytes = Buffer.concat([
    line,
    Buffer.from(`\r\n${headers.join('\r\n')}\r\nConnection: close\r\n\r\n`, 'latin1'),
  ]);
  return {
    bytes,
    head: method === 'HEAD',
    solo: true,
    // A request whose line Node cannot parse is answered 400 by Node; one that parses is ours.
    // Either way something must come back, except where the framing leaves a body owed.
    mustAnswer: !headers.some((h) => /^(Content-Length: 1e3|Transfer-Encoding: gzip)$/.test(h)),
    streaming: asksForWatch(line.toString('latin1')),
    admin,
    label: `raw ${JSON.stringify(line.subarray(0, 120).toString('latin1'))}`,
  };
}

/** Framing that a server must refuse or bound: conflicting lengths, bad chunks, short or huge bodies. */
function framing(rng: Rng, target: FuzzTarget): FuzzRequest {
  const p = guard(structured(rng, target, false), target);
  if (p.method === 'GET' || p.method === 'HEAD') p.method = 'POST';
  // Node answers nothing to a framing error after its automatic 100 Continue (it answers only
  // while no bytes of any answer went out); leave Expect out so each case tests the server.
  p.headers = p.headers.filter(([k]) => k !== 'Expect');
  const body = p.body ?? Buffer.from('{"metadata":{"name":"f1"}}');
  const head = [`${p.method} ${p.path}${p.query} HTTP/1.1`, ...p.headers.map(([k, v]) => `${k}: ${v}`)];
  const out = (extra: string[], rest: Buffer, mustAnswer: boolean, streamBody?: number): FuzzRequest => ({
    bytes: Buffer.concat([Buffer.from(`${[...head, ...extra].join('\r\n')}\r\n\r\n`, 'latin1'), rest]),
    head: false,
    solo: true,
    mustAnswer,
    streaming: false,
    admin: p.admin,
    label: `framing(${extra.join('|').slice(0, 60)}) ${p.admin ? 'admin ' : ''}${p.method} ${p.path.slice(0, 100)}`,
    ...(streamBody !== undefined ? { streamBody } : {}),
  });
  switch (rng.int(9)) {
    case 0:
      return out([`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`], body, true);
    case 1:
      return out([`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'], body, true);
    case 2:
      return out(
        ['Transfer-Encoding: chunked'],
        Buffer.from(`zz\r\n${body.toString('latin1')}\r\n0\r\n\r\n`, 'latin1'),
        true,
      );
    case 3:
      return out(['Transfer-Encoding: chunked'], Buffer.from(`ffffffffffffffffff\r\nx\r\n`, 'latin1'), true);
    case 4:
      // A body shorter than declared: the server may wait for the rest (until its request timeout).
      return out([`Content-Length: ${body.length + 100}`], body, false);
    case 5:
      return out(
        [
          `Content-Length: ${rng.pick(['3145729', '1000000000000', '9007199254740993', '99999999999999999999'])}`,
        ],
        Buffer.alloc(0),
        true,
      );
    case 6:
      // A chunked body past 3 MiB, streamed until the server answers.
      return out(['Transfer-Encoding: chunked'], Buffer.alloc(0), true, 3 * 1024 * 1024 + 64 * 1024);
    case 7:
      return out(['Transfer-Encoding: chunked, identity'], body, true);
    default:
      return out(
        ['Transfer-Encoding: chunked'],
        Buffer.from(
          `${body.length.toString(16)};ext=1\r\n${body.toString('latin1')}\r\n0\r\nTrailer: x\r\n\r\n`,
          'latin1',
        ),
        true,
      );
  }
}

/** Whether a target asks for a watch: a `watch` parameter (any value: the sender cannot know which the server takes) or a `/watch/` path. */
function asksForWatch(target: string): boolean {
  return /[?&;]watch=/.test(target) || /\/watch\//.test(target);
}

/** The next fuzz request. */
export function nextRequest(rng: Rng, target: FuzzTarget): FuzzRequest {
  const roll = rng.next();
  if (roll < 0.04) return rawLine(rng, target);
  if (roll < 0.055) return framing(rng, target);
  if (roll < 0.075) {
    const p = guard(structured(rng, target, true), target);
    return finish(p, serialize(p, 'length'), { solo: true, streaming: true });
  }
  const p = guard(structured(rng, target, false), target);
  const bytes = serialize(p, rng.chance(0.1) ? 'chunked' : 'length');
  // A query that asks for a watch streams; keep it off shared connections.
  const streaming = asksForWatch(p.path + p.query);
  const closes = p.headers.some(([k, v]) => k === 'Connection' && v === 'close');
  return finish(p, bytes, { solo: streaming || closes || parserMayRefuse(bytes), streaming });
}
