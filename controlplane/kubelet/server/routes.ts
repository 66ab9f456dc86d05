/**
 * The kubelet endpoint's routes, pure: a request's method, path and query → what it asks for,
 * with the query checked (a bad value is a 400 naming the parameter). Paths as upstream's
 * `pkg/kubelet/server/server.go` registers them: `/containerLogs/{ns}/{pod}/{container}`,
 * `/exec|attach/{ns}/{pod}[/{uid}]/{container}`, `/portForward/{ns}/{pod}[/{uid}]`,
 * `/stats/summary`, `/metrics/resource`, `/pods`, `/healthz`. Stream options come as the API
 * server sends them (`input=1&output=1&error=1&tty=1`), and by the API's names
 * (`stdin=true` …) too.
 */
import { parseTimeNs } from './cri-log.js';

/** The options of `/containerLogs` (PodLogOptions without `container`). */
export interface LogQuery {
  readonly follow: boolean;
  readonly previous: boolean;
  readonly timestamps: boolean;
  readonly tailLines?: number;
  readonly sinceSeconds?: number;
  /** sinceTime, in epoch nanoseconds. */
  readonly sinceTimeNs?: bigint;
  readonly limitBytes?: number;
}

/** Which pod (and container) a route names; `uid` only when the path carries it. */
export interface PodRef {
  readonly namespace: string;
  readonly pod: string;
  readonly uid?: string;
}

/** What a request asks for. */
export type Route =
  | { readonly kind: 'healthz' }
  | { readonly kind: 'pods' }
  | { readonly kind: 'stats-summary' }
  | { readonly kind: 'metrics-resource' }
  | {
      readonly kind: 'container-logs';
      readonly ref: PodRef;
      readonly container: string;
      readonly query: LogQuery;
    }
  | {
      readonly kind: 'exec' | 'attach';
      readonly ref: PodRef;
      readonly container: string;
      readonly command: readonly string[];
      readonly stdin: boolean;
      readonly stdout: boolean;
      readonly stderr: boolean;
      readonly tty: boolean;
    }
  | { readonly kind: 'port-forward'; readonly ref: PodRef; readonly ports: readonly number[] }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed' }
  | { readonly kind: 'bad-request'; readonly message: string };

/** Go's strconv.ParseBool true values (the API's query booleans), and the kubelet's `1`. */
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

function flag(q: URLSearchParams, ...names: string[]): boolean {
  return names.some((n) => TRUE.has(q.get(n) ?? ''));
}

class QueryError extends Error {}

function integer(q: URLSearchParams, name: string, min: number): number | undefined {
  const text = q.get(name);
  if (text === null) return undefined;
  if (!/^-?\d{1,15}$/.test(text)) throw new QueryError(`${name}: not an integer: ${JSON.stringify(text)}`);
  const v = Number(text);
  if (v < min) throw new QueryError(`${name}: must be ${min === 0 ? 'non-negative' : 'positive'}, got ${v}`);
  return v;
}

/** The `/containerLogs` query, checked as upstream's ValidatePodLogOptions. */
export function parseLogQuery(q: URLSearchParams): LogQuery {
  const tailLines = integer(q, 'tailLines', 0);
  const sinceSeconds = integer(q, 'sinceSeconds', 1);
  const limitBytes = integer(q, 'limitBytes', 1);
  const sinceText = q.get('sinceTime');
  let sinceTimeNs: bigint | undefined;
  if (sinceText !== null) {
    sinceTimeNs = parseTimeNs(sinceText);
    if (sinceTimeNs === undefined)
      throw new QueryError(`sinceTime: not an RFC 3339 time: ${JSON.stringify(sinceText)}`);
  }
  if (sinceSeconds !== undefined && sinceTimeNs !== undefined)
    throw new QueryError('at most one of sinceTime or sinceSeconds may be specified');
  return {
    follow: flag(q, 'follow'),
    previous: flag(q, 'previous'),
    timestamps: flag(q, 'timestamps'),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(sinceTimeNs !== undefined ? { sinceTimeNs } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

/** `?port=80,443` or `?port=80&port=443`: each 1–65535. */
export function parsePorts(q: URLSearchParams): number[] {
  const ports: number[] = [];
  for (const value of q.getAll('port')) {
    for (const part of value.split(',')) {
      const p = /^\d{1,5}$/.test(part.trim()) ? Number(part.trim()) : Number.NaN;
      if (!(p >= 1 && p <= 65535)) throw new QueryError(`port: must be 1–65535, got ${JSON.stringify(part)}`);
      ports.push(p);
    }
  }
  return ports;
}

function decode(segments: readonly string[]): string[] | undefined {
  try {
    const out = segments.map((s) => decodeURIComponent(s));
    return out.every((s) => s !== '') ? out : undefined;
  } catch {
    return undefined;
  }
}

function podRef(namespace: string, pod: string, uid?: string): PodRef {
  return { namespace, pod, ...(uid !== undefined ? { uid } : {}) };
}

function streamRoute(kind: 'exec' | 'attach', args: string[], q: URLSearchParams): Route {
  const [namespace = '', pod = '', a = '', b] = args;
  const ref = b === undefined ? podRef(namespace, pod) : podRef(namespace, pod, a);
  const tty = flag(q, 'tty');
  const stdin = flag(q, 'input', 'stdin');
  const stdout = flag(q, 'output', 'stdout');
  // As upstream's remotecommand.NewOptions: a terminal has no separate stderr.
  const stderr = !tty && flag(q, 'error', 'stderr');
  if (!stdin && !stdout && !stderr)
    return { kind: 'bad-request', message: 'you must specify at least 1 of stdin, stdout, stderr' };
  const command = kind === 'exec' ? q.getAll('command') : [];
  if (kind === 'exec' && command.length === 0)
    return { kind: 'bad-request', message: 'command: at least one argument is required' };
  return { kind, ref, container: b ?? a, command, stdin, stdout, stderr, tty };
}

/** The path and query of a request target, without URL parsing that could throw (`//`, `*`). */
export function splitTarget(rawUrl: string): { readonly path: string; readonly query: URLSearchParams } {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  return {
    path: path.startsWith('/') ? path : `/${path}`,
    query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)),
  };
}

/** The route of a request; `rawUrl` is the request target (path and query). */
export function route(method: string, rawUrl: string): Route {
  const { path, query: q } = splitTarget(rawUrl);
  const parts = path.split('/').slice(1);
  const [head = '', ...rest] = parts;
  const args = decode(rest);
  const get = method === 'GET' || method === 'HEAD';
  const upgradeMethod = method === 'GET' || method === 'POST';
  try {
    switch (head) {
      case 'healthz':
        if (rest.length > 0) return { kind: 'not-found' };
        return get ? { kind: 'healthz' } : { kind: 'method-not-allowed' };
      case 'pods':
        if (rest.length > 0) return { kind: 'not-found' };
        return get ? { kind: 'pods' } : { kind: 'method-not-allowed' };
      case 'stats':
        if (rest.length !== 1 || rest[0] !== 'summary') return { kind: 'not-found' };
        return get ? { kind: 'stats-summary' } : { kind: 'method-not-allowed' };
      case 'metrics':
        if (rest.length !== 1 || rest[0] !== 'resource') return { kind: 'not-found' };
        return get ? { kind: 'metrics-resource' } : { kind: 'method-not-allowed' };
      case 'containerLogs': {
        if (args?.length !== 3) return { kind: 'not-found' };
        if (!get) return { kind: 'method-not-allowed' };
        const [namespace = '', pod = '', container = ''] = args;
        return { kind: 'container-logs', ref: podRef(namespace, pod), container, query: parseLogQuery(q) };
      }
      case 'exec':
      case 'attach':
        if (!args || args.length < 3 || args.length > 4) return { kind: 'not-found' };
        if (!upgradeMethod) return { kind: 'method-not-allowed' };
        return streamRoute(head, args, q);
      case 'portForward': {
        if (!args || args.length < 2 || args.length > 3) return { kind: 'not-found' };
        if (!upgradeMethod) return { kind: 'method-not-allowed' };
        const [namespace = '', pod = '', uid] = args;
        return { kind: 'port-forward', ref: podRef(namespace, pod, uid), ports: parsePorts(q) };
      }
      default:
        return { kind: 'not-found' };
    }
  } catch (err: unknown) {
    if (err instanceof QueryError) return { kind: 'bad-request', message: err.message };
    throw err;
  }
}
