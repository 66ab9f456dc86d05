/**
 * A container's environment, as upstream's makeEnvironmentVariables builds it
 * (pkg/kubelet/kubelet_pods.go, pkg/kubelet/envvars, third_party/forked/golang/expansion):
 * envFrom keys first, then `env` in order — a value with its `$(VAR)` references expanded, or
 * the value of its source (fieldRef, configMapKeyRef, secretKeyRef) — then the service link
 * variables not already set. Upstream collects them in a Go map (random order); here the order
 * is the one above, stable.
 */
import type { Service } from '../../lib/api/index.js';
import { ErrorCode, invalid, notFound, SwitchyardError } from '../../lib/errors/index.js';
import { formatHostPort } from '../../lib/net/index.js';
import type { ContainerSpec, EnvVarSource, KubeletPod, PodConfigObjects } from './model.js';

/** One variable of the container's environment. */
export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

/** What the pod's downward API fields need beyond the pod itself. */
export interface EnvContext {
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
  /** Services of every namespace (only the pod's and `default/kubernetes` are used). */
  readonly services: readonly Pick<Service, 'metadata' | 'spec'>[];
  readonly objects: PodConfigObjects;
}

export interface ContainerEnv {
  readonly env: readonly EnvVar[];
  /** envFrom keys skipped as invalid variable names, sorted (upstream warns with an event). */
  readonly skippedKeys: readonly string[];
}

/**
 * A valid variable name from envFrom: printable ASCII except `=` (IsRelaxedEnvVarName, used by
 * 1.32's kubelet under RelaxedEnvironmentVariableValidation, beta and on since 1.32).
 */
const ENV_NAME = /^[\x20-\x3c\x3e-\x7e]+$/;

/** The master services, whose variables every pod gets, even with enableServiceLinks false. */
const MASTER_SERVICES = new Set(['kubernetes']);

/** The container's environment; a missing non-optional ConfigMap, Secret or key throws (CreateContainerConfigError). */
export function containerEnv(pod: KubeletPod, container: ContainerSpec, ctx: EnvContext): ContainerEnv {
  const serviceEnv = new Map(serviceLinkVariables(pod, ctx.services).map((v) => [v.name, v.value]));
  const env = new Map<string, string>();
  const skippedKeys: string[] = [];
  for (const from of container.envFrom) {
    const data = from.configMapRef
      ? configMapData(ctx, from.configMapRef.name, from.configMapRef.optional)
      : from.secretRef
        ? secretData(ctx, from.secretRef.name, from.secretRef.optional)
        : undefined;
    for (const [key, value] of Object.entries(data ?? {})) {
      const name = from.prefix + key;
      if (!ENV_NAME.test(name)) skippedKeys.push(name);
      else env.set(name, value);
    }
  }
  const lookup = (name: string): string | undefined => env.get(name) ?? serviceEnv.get(name);
  for (const v of container.env) {
    let value: string | undefined = v.value ?? '';
    // A non-empty value is expanded; an empty one with a source takes the source's value.
    if (value !== '') value = expand(value, lookup);
    else if (v.valueFrom) value = sourceValue(v.valueFrom, pod, ctx);
    if (value === undefined) continue; // an optional source that is absent
    env.set(v.name, value);
  }
  for (const [name, value] of serviceEnv) if (!env.has(name)) env.set(name, value);
  return { env: [...env].map(([name, value]) => ({ name, value })), skippedKeys: skippedKeys.sort() };
}

function configMapData(
  ctx: EnvContext,
  name: string,
  optional: boolean,
): Readonly<Record<string, string>> | undefined {
  const cm = ctx.objects.configMaps.get(name);
  if (!cm) {
    if (optional) return undefined;
    throw notFound('configmap', name);
  }
  return cm.data ?? {};
}

function secretData(
  ctx: EnvContext,
  name: string,
  optional: boolean,
): Readonly<Record<string, string>> | undefined {
  const secret = ctx.objects.secrets.get(name);
  if (!secret) {
    if (optional) return undefined;
    throw notFound('secret', name);
  }
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

/** Upstream's message for an absent key: `couldn't find key k in ConfigMap ns/name`. */
function missingKey(key: string, kind: string, namespace: string, name: string): SwitchyardError {
  return new SwitchyardError(ErrorCode.NotFound, `couldn't find key ${key} in ${kind} ${namespace}/${name}`);
}

function sourceValue(source: EnvVarSource, pod: KubeletPod, ctx: EnvContext): string | undefined {
  if (source.fieldRef) return fieldValue(source.fieldRef.fieldPath, pod, ctx);
  if (source.configMapKeyRef) {
    const ref = source.configMapKeyRef;
    const data = configMapData(ctx, ref.name, ref.optional);
    if (data === undefined) return undefined;
    const v = data[ref.key];
    if (v === undefined && !ref.optional) throw missingKey(ref.key, 'ConfigMap', pod.namespace, ref.name);
    return v;
  }
  if (source.secretKeyRef) {
    const ref = source.secretKeyRef;
    const data = secretData(ctx, ref.name, ref.optional);
    if (data === undefined) return undefined;
    const v = data[ref.key];
    if (v === undefined && !ref.optional) throw missingKey(ref.key, 'Secret', pod.namespace, ref.name);
    return v;
  }
  if (source.resourceFieldRef) throw invalid('valueFrom.resourceFieldRef', 'not supported yet');
  return '';
}

/**
 * A downward API field (podFieldSelectorRuntimeValue and fieldpath.ExtractFieldPathAsString):
 * metadata.name/namespace/uid, metadata.labels['k'] and annotations['k'], spec.nodeName,
 * spec.serviceAccountName, status.podIP(s), status.hostIP(s).
 */
export function fieldValue(
  path: string,
  pod: KubeletPod,
  ctx: Pick<EnvContext, 'podIPs' | 'hostIPs'>,
): string {
  switch (path) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'metadata.uid':
      return pod.uid;
    case 'spec.nodeName':
      return pod.nodeName;
    case 'spec.serviceAccountName':
      return pod.serviceAccountName;
    case 'status.podIP':
      return ctx.podIPs[0] ?? '';
    case 'status.podIPs':
      return ctx.podIPs.join(',');
    case 'status.hostIP':
      return ctx.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return ctx.hostIPs.join(',');
  }
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.labels : pod.annotations)[m[2]!] ?? '';
  throw invalid('valueFrom.fieldRef.fieldPath', `unsupported fieldPath: ${path}`);
}

/**
 * `$(VAR)` expansion as upstream's forked expansion package: a known name is replaced, an
 * unknown reference stays as written, `$$` is a literal `$`, an unclosed `$(` stays, and a `$`
 * before anything else is kept.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close === -1) out += '$(';
      else {
        const name = input.slice(cursor + 2, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close - cursor;
      }
    } else out += `$${next}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** command and args with `$(VAR)` expanded against the container's final environment. */
export function expandCommand(words: readonly string[], env: readonly EnvVar[]): string[] {
  const vars = new Map(env.map((v) => [v.name, v.value]));
  return words.map((w) => expand(w, (n) => vars.get(n)));
}

/** A service name as a variable prefix: upper case, `-` → `_`. */
function envName(name: string): string {
  return name.toUpperCase().replaceAll('-', '_');
}

const hasClusterIP = (s: Pick<Service, 'spec'>): boolean =>
  s.spec.clusterIP !== undefined && s.spec.clusterIP !== '' && s.spec.clusterIP !== 'None';

/**
 * The service link variables (getServiceEnvVarMap + envvars.FromServices): for each service
 * with a cluster IP — the pod namespace's when enableServiceLinks, and `kubernetes` of
 * `default` always — sorted by name: `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT` (first port),
 * `<SVC>_SERVICE_PORT_<NAME>` per named port, and the Docker link variables `<SVC>_PORT`
 * (first port's URL) and `<SVC>_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}`.
 */
export function serviceLinkVariables(
  pod: Pick<KubeletPod, 'namespace' | 'enableServiceLinks'>,
  services: readonly Pick<Service, 'metadata' | 'spec'>[],
): EnvVar[] {
  const chosen = new Map<string, Pick<Service, 'metadata' | 'spec'>>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = s.metadata.name ?? '';
    const ns = s.metadata.namespace ?? '';
    if (ns === 'default' && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, s);
    } else if (ns === pod.namespace && pod.enableServiceLinks) {
      chosen.set(name, s);
    }
  }
  const out: EnvVar[] = [];
  for (const name of [...chosen.keys()].sort()) {
    const s = chosen.get(name)!;
    const ip = s.spec.clusterIP!;
    const prefix = envName(name);
    const ports = s.spec.ports ?? [];
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    if (ports.length === 0) continue;
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) });
    for (const p of ports) {
      if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    }
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${proto}://${formatHostPort({ host: ip, port: p.port })}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push(
        { name: pp, value: url },
        { name: `${pp}_PROTO`, value: proto },
        { name: `${pp}_PORT`, value: String(p.port) },
        { name: `${pp}_ADDR`, value: ip },
      );
    });
  }
  return out;
}
