/**
 * The configuration of a process running in a pod (client-go's rest.InClusterConfig, "Accessing
 * the API from a Pod"): the API server at `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`
 * (an IPv6 host in brackets), trusted through the service account's `ca.crt`, authenticated
 * with its projected `token` — a file that is re-read when it changes and at least every
 * minute, since bound tokens rotate (see `Transport`) — in the namespace of its `namespace`
 * file. The directory is an option so tests can supply their own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, messageOf, SwitchyardError } from '../errors/index.js';
import type { RestConfig } from './kubeconfig.js';

/** Where the kubelet mounts a pod's service-account credentials. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Options of `inClusterConfig`; the defaults are the documented pod locations. */
export interface InClusterOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDir?: string;
}

/** True when the service environment of a pod is present (the loader then picks in-cluster). */
export function inClusterEnvSet(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST || env.KUBERNETES_SERVICE_PORT);
}

/** Builds the in-cluster `RestConfig`; every missing piece is one error naming it. */
export function inClusterConfig(options: InClusterOptions = {}): RestConfig {
  const env = options.env ?? process.env;
  const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const source = `in-cluster config (${dir})`;
  const fail = (field: string, problem: string, cause?: unknown): never => {
    throw new SwitchyardError(ErrorCode.Invalid, `${source}: ${field}: ${problem}`, {
      field,
      ...(cause === undefined ? {} : { cause }),
    });
  };
  if (!host) return fail('KUBERNETES_SERVICE_HOST', 'not set (not running in a pod?)');
  if (!port) return fail('KUBERNETES_SERVICE_PORT', `not set (KUBERNETES_SERVICE_HOST is "${host}")`);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    return fail('KUBERNETES_SERVICE_PORT', `must be a port number, got "${port}"`);
  const read = (name: string): Buffer => {
    const path = join(dir, name);
    try {
      return readFileSync(path);
    } catch (err: unknown) {
      return fail(name, `cannot read ${path}: ${messageOf(err)}`, err);
    }
  };
  if (read('token').toString('utf8').trim() === '') fail('token', `${join(dir, 'token')} is empty`);
  const ca = read('ca.crt');
  let namespace = 'default';
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    // the namespace file is optional (client-go falls back to "default" too)
  }
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host; // RFC 3986 §3.2.2
  return Object.freeze({
    server: `https://${hostPart}:${port}`,
    ca,
    insecureSkipTlsVerify: false,
    tokenFile: join(dir, 'token'),
    namespace,
    source,
  });
}
