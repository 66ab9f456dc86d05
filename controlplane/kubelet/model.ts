/**
 * The kubelet's slim pod view: what its plan, status, env and DNS read, converted from the API
 * Pod (the only place API shapes enter), with upstream's defaults and the spec hashes. What it
 * observes through CRI is in observed.ts.
 */
import type {
  Condition,
  ConfigMap,
  Container,
  ContainerPort,
  Pod,
  PodPhase,
  Probe,
  Protocol,
  Secret,
  Volume,
  VolumeMount,
} from '../../lib/api/index.js';

/** Defaults the API server also applies; the kubelet does not rely on them being there. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

// ── The pod as the kubelet sees it ──────────────────────────────────────────────────────────

/** `valueFrom` of an env var, typed (core/v1 EnvVarSource). */
export interface EnvVarSource {
  readonly fieldRef?: { readonly fieldPath: string; readonly apiVersion?: string };
  readonly resourceFieldRef?: {
    readonly resource: string;
    readonly containerName?: string;
    readonly divisor?: string;
  };
  readonly configMapKeyRef?: KeyRef;
  readonly secretKeyRef?: KeyRef;
}

/** A key of a named ConfigMap or Secret. */
export interface KeyRef {
  readonly name: string;
  readonly key: string;
  readonly optional: boolean;
}

/** One `env[]` entry. */
export interface EnvVarSpec {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: EnvVarSource;
}

/** One `envFrom[]` entry: all keys of a ConfigMap or Secret, with an optional prefix. */
export interface EnvFromSpec {
  readonly prefix: string;
  readonly configMapRef?: { readonly name: string; readonly optional: boolean };
  readonly secretRef?: { readonly name: string; readonly optional: boolean };
}

/** A probe with upstream's defaults applied (core/v1 defaults.go: 10 s, 1 s, 1, 3). */
export interface ProbeSpec {
  readonly handler: Pick<Probe, 'httpGet' | 'tcpSocket' | 'exec'>;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
  /** The grace of a kill after this (liveness or startup) probe failed, instead of the pod's. */
  readonly terminationGracePeriodSeconds?: number;
}

/** A container of the pod spec, cut to what the kubelet uses, with the hash of its spec. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly workingDir?: string;
  readonly env: readonly EnvVarSpec[];
  readonly envFrom: readonly EnvFromSpec[];
  readonly ports: readonly ContainerPort[];
  readonly resources: {
    readonly limits: Readonly<Record<string, string>>;
    readonly requests: Readonly<Record<string, string>>;
  };
  readonly volumeMounts: readonly VolumeMount[];
  readonly livenessProbe?: ProbeSpec;
  readonly readinessProbe?: ProbeSpec;
  readonly startupProbe?: ProbeSpec;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly stdin: boolean;
  readonly tty: boolean;
  readonly securityContext?: Readonly<Record<string, unknown>>;
  /** fnv-1a of name and image: a different hash means a changed spec (upstream HashContainer). */
  readonly hash: string;
}

/** `hostPort` mappings of the pod's containers, for the sandbox's port mappings. */
export interface PortMapping {
  readonly protocol: Protocol;
  readonly containerPort: number;
  readonly hostPort: number;
  readonly hostIP: string;
}

/** `spec.dnsConfig`. */
export interface PodDnsConfig {
  readonly nameservers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly { readonly name: string; readonly value?: string }[];
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export type DnsPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';

/** The pod as the kubelet's plan, status, env and DNS read it. */
export interface KubeletPod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Set once the pod is being deleted: its containers are stopped, never restarted. */
  readonly deletionTimestamp?: string;
  readonly deletionGracePeriodSeconds?: number;
  readonly terminationGracePeriodSeconds: number;
  readonly restartPolicy: RestartPolicy;
  readonly hostNetwork: boolean;
  /** The pod's hostname (spec.hostname, else the name cut to 63 characters, as upstream). */
  readonly hostname: string;
  readonly subdomain?: string;
  readonly dnsPolicy: DnsPolicy;
  readonly dnsConfig?: PodDnsConfig;
  readonly serviceAccountName: string;
  readonly enableServiceLinks: boolean;
  readonly initContainers: readonly ContainerSpec[];
  readonly containers: readonly ContainerSpec[];
  readonly volumes: readonly Volume[];
  readonly portMappings: readonly PortMapping[];
  /** Hash of what the sandbox is made from; a different one recreates the sandbox. */
  readonly sandboxHash: string;
  /** What the API holds of the status now (phase stickiness, startTime, transition times). */
  readonly phase?: PodPhase;
  readonly startTime?: string;
  readonly conditions: readonly Condition[];
}

/** Extra core/v1 Container fields the shared API types keep opaque or leave out. */
interface ContainerExtras {
  envFrom?: {
    prefix?: string;
    configMapRef?: { name?: string; optional?: boolean };
    secretRef?: { name?: string; optional?: boolean };
  }[];
}

/** The API Pod → the kubelet's view. Unknown or malformed optional parts are left out. */
export function toKubeletPod(pod: Pod): KubeletPod {
  const meta = pod.metadata;
  const spec = pod.spec;
  const name = meta.name ?? '';
  const containers = (spec.containers ?? []).map(toContainerSpec);
  const initContainers = (spec.initContainers ?? []).map(toContainerSpec);
  const portMappings = [...initContainers, ...containers].flatMap((c) =>
    c.ports
      .filter((p) => p.hostPort !== undefined && p.hostPort > 0)
      .map((p) => ({
        protocol: p.protocol ?? 'TCP',
        containerPort: p.containerPort,
        hostPort: p.hostPort as number,
        hostIP: p.hostIP ?? '',
      })),
  );
  const dnsConfig = spec.dnsConfig
    ? {
        nameservers: spec.dnsConfig.nameservers ?? [],
        searches: spec.dnsConfig.searches ?? [],
        options: (spec.dnsConfig.options ?? []).map((o) =>
          o.value === undefined ? { name: o.name } : { name: o.name, value: o.value },
        ),
      }
    : undefined;
  const hostNetwork = spec.hostNetwork === true;
  const hostname = spec.hostname || truncateHostname(name);
  const dnsPolicy = spec.dnsPolicy ?? 'ClusterFirst';
  return {
    uid: meta.uid ?? '',
    name,
    namespace: meta.namespace ?? 'default',
    nodeName: spec.nodeName ?? '',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    ...(meta.deletionTimestamp ? { deletionTimestamp: meta.deletionTimestamp } : {}),
    ...(typeof meta.deletionGracePeriodSeconds === 'number'
      ? { deletionGracePeriodSeconds: meta.deletionGracePeriodSeconds }
      : {}),
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS,
    restartPolicy: spec.restartPolicy ?? 'Always',
    hostNetwork,
    hostname,
    ...(spec.subdomain ? { subdomain: spec.subdomain } : {}),
    dnsPolicy,
    ...(dnsConfig ? { dnsConfig } : {}),
    serviceAccountName: spec.serviceAccountName ?? 'default',
    enableServiceLinks: spec.enableServiceLinks !== false,
    initContainers,
    containers,
    volumes: spec.volumes ?? [],
    portMappings,
    sandboxHash: fnv32a(
      stableJson({ hostNetwork, hostname, subdomain: spec.subdomain, dnsPolicy, dnsConfig, portMappings }),
    ),
    ...(pod.status?.phase ? { phase: pod.status.phase } : {}),
    ...(pod.status?.startTime ? { startTime: pod.status.startTime } : {}),
    conditions: pod.status?.conditions ?? [],
  };
}

/** Upstream's hostname from a pod name: at most 63 characters, no trailing `-` or `.`. */
export function truncateHostname(name: string): string {
  if (name.length <= 63) return name;
  return name.slice(0, 63).replace(/[-.]+$/, '');
}

function toContainerSpec(c: Container): ContainerSpec {
  const extras = c as Container & ContainerExtras;
  const probe = (p: Probe | undefined): ProbeSpec | undefined => (p ? toProbeSpec(p) : undefined);
  const liveness = probe(c.livenessProbe);
  const readiness = probe(c.readinessProbe);
  const startup = probe(c.startupProbe);
  return {
    name: c.name,
    image: c.image ?? '',
    command: c.command ?? [],
    args: c.args ?? [],
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    env: (c.env ?? []).map((e) => ({
      name: e.name,
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(e.valueFrom ? { valueFrom: toEnvVarSource(e.valueFrom) } : {}),
    })),
    envFrom: (extras.envFrom ?? []).map((f) => ({
      prefix: f.prefix ?? '',
      ...(f.configMapRef
        ? { configMapRef: { name: f.configMapRef.name ?? '', optional: f.configMapRef.optional === true } }
        : {}),
      ...(f.secretRef
        ? { secretRef: { name: f.secretRef.name ?? '', optional: f.secretRef.optional === true } }
        : {}),
    })),
    ports: c.ports ?? [],
    resources: { limits: c.resources?.limits ?? {}, requests: c.resources?.requests ?? {} },
    volumeMounts: c.volumeMounts ?? [],
    ...(liveness ? { livenessProbe: liveness } : {}),
    ...(readiness ? { readinessProbe: readiness } : {}),
    ...(startup ? { startupProbe: startup } : {}),
    // core/v1 defaulting: Always for `:latest` or no tag, else IfNotPresent.
    imagePullPolicy: c.imagePullPolicy ?? (imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent'),
    stdin: c.stdin === true,
    tty: c.tty === true,
    ...(c.securityContext ? { securityContext: c.securityContext } : {}),
    hash: containerHash(c),
  };
}

/** The tag of an image reference (`latest` when it has neither tag nor digest). */
function imageTag(image: string): string | undefined {
  if (image.includes('@')) return undefined;
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

function toProbeSpec(p: Probe): ProbeSpec {
  // probe-level terminationGracePeriodSeconds (GA since 1.28) is not in lib/api's Probe.
  const grace = (p as Probe & { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds;
  return {
    handler: {
      ...(p.httpGet ? { httpGet: p.httpGet } : {}),
      ...(p.tcpSocket ? { tcpSocket: p.tcpSocket } : {}),
      ...(p.exec ? { exec: p.exec } : {}),
    },
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds || 10,
    timeoutSeconds: p.timeoutSeconds || 1,
    successThreshold: p.successThreshold || 1,
    failureThreshold: p.failureThreshold || 3,
    ...(typeof grace === 'number' ? { terminationGracePeriodSeconds: grace } : {}),
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function obj(v: unknown): Readonly<Record<string, unknown>> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function keyRef(v: unknown): KeyRef | undefined {
  const o = obj(v);
  return o ? { name: str(o.name) ?? '', key: str(o.key) ?? '', optional: o.optional === true } : undefined;
}

/** The opaque `valueFrom` of lib/api's EnvVar, typed. */
export function toEnvVarSource(v: Readonly<Record<string, unknown>>): EnvVarSource {
  const field = obj(v.fieldRef);
  const resource = obj(v.resourceFieldRef);
  const cm = keyRef(v.configMapKeyRef);
  const secret = keyRef(v.secretKeyRef);
  const apiVersion = field ? str(field.apiVersion) : undefined;
  const containerName = resource ? str(resource.containerName) : undefined;
  const divisor = resource ? str(resource.divisor) : undefined;
  return {
    ...(field
      ? { fieldRef: { fieldPath: str(field.fieldPath) ?? '', ...(apiVersion ? { apiVersion } : {}) } }
      : {}),
    ...(resource
      ? {
          resourceFieldRef: {
            resource: str(resource.resource) ?? '',
            ...(containerName ? { containerName } : {}),
            ...(divisor ? { divisor } : {}),
          },
        }
      : {}),
    ...(cm ? { configMapKeyRef: cm } : {}),
    ...(secret ? { secretKeyRef: secret } : {}),
  };
}

/**
 * The spec hash of a container: fnv-1a (32 bits, hex) over its name and image, the only fields
 * of a pod's container the API lets change (upstream HashContainer since 1.31 hashes exactly
 * these, so that fields added or defaulted by a newer version never restart running containers).
 */
export function containerHash(c: Pick<Container, 'name' | 'image'>): string {
  return fnv32a(stableJson({ name: c.name, image: c.image ?? '' }));
}

/** JSON with object keys sorted and undefined members dropped, so equal values hash equally. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : stableJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`, as 8 hex digits. */
export function fnv32a(text: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** ConfigMaps and Secrets by name, for env and volumes (the adapter reads them from informers). */
export interface PodConfigObjects {
  readonly configMaps: ReadonlyMap<string, Pick<ConfigMap, 'data' | 'binaryData'>>;
  readonly secrets: ReadonlyMap<string, Pick<Secret, 'data'>>;
  /** Service-account tokens of projected volumes, by projected.ts `tokenKey`. */
  readonly tokens?: ReadonlyMap<string, string>;
  /** Why a token could not be had, by `tokenKey`. */
  readonly tokenErrors?: ReadonlyMap<string, string>;
}
