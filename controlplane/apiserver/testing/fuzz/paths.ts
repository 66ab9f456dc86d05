/**
 * Generators of request targets: resource and non-resource paths (sometimes percent-encoded), selectors, continue tokens, durations and whole query strings.
 */
import type { Rng } from './rng.js';
import type { FuzzResource, FuzzTarget } from './types.js';
import { NAMES, NAMESPACES, SUBRESOURCES } from './vocabulary.js';

/** The path of a resource request. */
export function resourcePath(rng: Rng, r: FuzzResource, target: FuzzTarget): string {
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

export function anyPath(rng: Rng, target: FuzzTarget): string {
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

export function query(rng: Rng, watch: boolean): string {
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
