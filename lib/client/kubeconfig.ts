/**
 * Kubeconfig → one frozen `RestConfig` (the loader that picks it or the in-cluster configuration
 * is `load-config.ts`). Parsing is strict and
 * every problem is ONE error naming the file and the path inside it, e.g.
 * `kubeconfig /x: users[0].user.client-key-data: not valid base64`.
 * Relative file paths resolve against the kubeconfig's directory, as kubectl does.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isJsonObject, type JsonObject } from '../api/json.js';
import { ErrorCode, messageOf, SwitchyardError } from '../errors/index.js';

/** Everything needed to talk to one API server as one user. */
export interface RestConfig {
  /** Base URL, e.g. `https://127.0.0.1:6443` (a path prefix is kept). */
  readonly server: string;
  /** PEM bundle of trusted CAs; undefined → the system roots. */
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  /** SNI and certificate name to verify instead of the URL host. */
  readonly tlsServerName?: string;
  /** A bearer token. */
  readonly token?: string;
  /** A file with a bearer token, re-read periodically (bound service-account tokens rotate). */
  readonly tokenFile?: string;
  readonly username?: string;
  readonly password?: string;
  /** The context's namespace, `default` when unset. */
  readonly namespace: string;
  /** Where this configuration came from, for messages. */
  readonly source: string;
}

/** Options of `loadKubeconfig`. */
export interface LoadKubeconfigOptions {
  /** The file; default `$KUBECONFIG` (first entry) or `~/.kube/config`. */
  readonly path?: string;
  /** A context to use instead of `current-context`. */
  readonly context?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Reads and validates a kubeconfig file. */
export function loadKubeconfig(options: LoadKubeconfigOptions = {}): RestConfig {
  const env = options.env ?? process.env;
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '');
  const path = resolve(options.path ?? fromEnv ?? join(env.HOME ?? homedir(), '.kube', 'config'));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err: unknown) {
    throw configError(path, undefined, `cannot read: ${messageOf(err)}`, err);
  }
  return parseKubeconfig(text, {
    path,
    ...(options.context === undefined ? {} : { context: options.context }),
  });
}

/** Options of `parseKubeconfig`. */
export interface ParseKubeconfigOptions {
  /** The file name used in errors and to resolve relative paths. */
  readonly path: string;
  readonly context?: string;
}

/** Parses kubeconfig YAML text; see `loadKubeconfig`. */
export function parseKubeconfig(text: string, options: ParseKubeconfigOptions): RestConfig {
  const { path } = options;
  const fail = (field: string | undefined, problem: string, cause?: unknown): never => {
    throw configError(path, field, problem, cause);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err: unknown) {
    return fail(undefined, `not valid YAML: ${messageOf(err).split('\n')[0]}`, err);
  }
  if (!isJsonObject(doc)) return fail(undefined, 'must be a YAML mapping');
  const contextName = options.context ?? optString(doc, 'current-context', fail);
  if (!contextName) return fail('current-context', 'not set (and no context was given)');
  const how = options.context === undefined ? 'current-context' : 'requested';
  const ctx = findNamed(doc, 'contexts', 'context', contextName, how, fail);
  const ctxField = `contexts[${ctx.index}].context`;
  const clusterName = optString(ctx.body, 'cluster', fail, ctxField);
  if (!clusterName) return fail(`${ctxField}.cluster`, 'required');
  const cluster = findNamed(doc, 'clusters', 'cluster', clusterName, `context "${contextName}"`, fail);
  const cf = `clusters[${cluster.index}].cluster`;
  const server = optString(cluster.body, 'server', fail, cf);
  if (!server) return fail(`${cf}.server`, 'required');
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return fail(`${cf}.server`, `not a valid URL: "${server}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return fail(`${cf}.server`, `must be an http or https URL, got "${server}"`);
  }
  const base = dirname(path);
  const ca = readBlob(cluster.body, cf, 'certificate-authority', base, fail);
  const insecure = optBool(cluster.body, 'insecure-skip-tls-verify', fail, cf);
  if (insecure && ca)
    return fail(`${cf}.insecure-skip-tls-verify`, 'cannot be combined with a certificate authority');
  const tlsServerName = optString(cluster.body, 'tls-server-name', fail, cf);

  const userName = optString(ctx.body, 'user', fail, ctxField);
  let user: JsonObject = {};
  let uf = 'users';
  if (userName) {
    const u = findNamed(doc, 'users', 'user', userName, `context "${contextName}"`, fail);
    user = u.body;
    uf = `users[${u.index}].user`;
  }
  const cert = readBlob(user, uf, 'client-certificate', base, fail);
  const key = readBlob(user, uf, 'client-key', base, fail);
  if (cert && !key) fail(`${uf}.client-key`, 'required when a client certificate is set');
  if (key && !cert) fail(`${uf}.client-certificate`, 'required when a client key is set');
  for (const unsupported of ['exec', 'auth-provider']) {
    if (user[unsupported] !== undefined) fail(`${uf}.${unsupported}`, 'not supported by this client');
  }
  const token = optString(user, 'token', fail, uf);
  const tokenFileRaw = optString(user, 'tokenFile', fail, uf);
  const username = optString(user, 'username', fail, uf);
  const password = optString(user, 'password', fail, uf);
  if ((username === undefined) !== (password === undefined)) {
    fail(
      `${uf}.${username === undefined ? 'username' : 'password'}`,
      'basic auth needs both username and password',
    );
  }
  const namespace = optString(ctx.body, 'namespace', fail, ctxField) || 'default';
  return Object.freeze({
    server: server.replace(/\/+$/, ''),
    insecureSkipTlsVerify: insecure,
    namespace,
    source: `kubeconfig ${path} (context "${contextName}")`,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(token ? { token } : {}),
    ...(tokenFileRaw
      ? { tokenFile: isAbsolute(tokenFileRaw) ? tokenFileRaw : join(base, tokenFileRaw) }
      : {}),
    ...(username !== undefined && password !== undefined ? { username, password } : {}),
  });
}

function configError(
  path: string,
  field: string | undefined,
  problem: string,
  cause?: unknown,
): SwitchyardError {
  const where = field === undefined ? '' : `${field}: `;
  return new SwitchyardError(ErrorCode.Invalid, `kubeconfig ${path}: ${where}${problem}`, {
    field: field ?? 'kubeconfig',
    ...(cause === undefined ? {} : { cause }),
  });
}

type Fail = (field: string | undefined, problem: string, cause?: unknown) => never;

function join2(parent: string | undefined, key: string): string {
  return parent === undefined ? key : `${parent}.${key}`;
}

function optString(o: JsonObject, key: string, fail: Fail, parent?: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return fail(join2(parent, key), `must be a string, got ${typeof v}`);
  return v;
}

function optBool(o: JsonObject, key: string, fail: Fail, parent: string): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean')
    return fail(`${parent}.${key}`, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Finds `name` in a named list (`clusters`, `users`, `contexts`), checking its shape. */
function findNamed(
  doc: JsonObject,
  list: string,
  item: string,
  name: string,
  wanted: string,
  fail: Fail,
): { index: number; body: JsonObject } {
  const arr = doc[list] ?? [];
  if (!Array.isArray(arr)) return fail(list, 'must be a list');
  for (const [index, entry] of arr.entries()) {
    if (!isJsonObject(entry)) return fail(`${list}[${index}]`, 'must be a mapping');
    if (typeof entry.name !== 'string' || entry.name === '')
      return fail(`${list}[${index}].name`, 'required');
    if (entry.name !== name) continue;
    const body = entry[item] ?? {};
    if (!isJsonObject(body)) return fail(`${list}[${index}].${item}`, 'must be a mapping');
    return { index, body };
  }
  return fail(list, `${item} "${name}" (${wanted}) not found`);
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads `<key>-data` (base64) or `<key>` (a file path); both set is an error. */
function readBlob(o: JsonObject, parent: string, key: string, base: string, fail: Fail): Buffer | undefined {
  const data = optString(o, `${key}-data`, fail, parent);
  const file = optString(o, key, fail, parent);
  if (data && file) return fail(`${parent}.${key}`, `cannot be combined with ${key}-data`);
  if (data) {
    const compact = data.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !BASE64_RE.test(compact))
      return fail(`${parent}.${key}-data`, 'not valid base64');
    return Buffer.from(compact, 'base64');
  }
  if (file) {
    const full = isAbsolute(file) ? file : join(base, file);
    try {
      return readFileSync(full);
    } catch (err: unknown) {
      return fail(`${parent}.${key}`, `cannot read ${full}: ${messageOf(err)}`, err);
    }
  }
  return undefined;
}
