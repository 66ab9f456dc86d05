/**
 * ClusterIP and NodePort allocation, as kube-apiserver does it at Service creation
 * (pkg/registry/core/service/ipallocator, portallocator): requested values are honoured if free
 * and in range, a taken or out-of-range one is a 422 naming the field, and an omitted one gets a
 * free value. Pure: the caller passes what is in use and a random source.
 */
import { isJsonObject, type JsonObject } from '../../lib/api/json.js';
import { type FieldError, invalidValue } from '../../lib/api/validation/index.js';
import { invalid } from '../../lib/errors/index.js';
import { addressCount, formatIp, parseCidr, parseIp, tryParseIp } from '../../lib/net/index.js';

/** An IPv4 range such as 10.96.0.0/16, as integers. */
export interface Ipv4Range {
  readonly cidr: string;
  readonly network: number;
  readonly size: number;
}

/** Parses `a.b.c.d/n` (IPv4; the lab is single-stack). */
export function parseIpv4Cidr(cidr: string, field = '--service-cluster-ip-range'): Ipv4Range {
  let parsed: ReturnType<typeof parseCidr> | undefined;
  try {
    parsed = parseCidr(cidr, field);
  } catch {
    parsed = undefined;
  }
  if (parsed?.family !== 4 || parsed.prefixLength < 8 || parsed.prefixLength > 30) {
    throw invalid(field, `must be an IPv4 CIDR with a prefix of 8–30 bits, got "${cidr}"`);
  }
  const network = Number(parseIp(parsed.network).value);
  return { cidr, network, size: Number(addressCount(parsed)) };
}

/** The address `offset` after the range's network address. */
function addressAt(range: Ipv4Range, offset: number): string {
  return formatIp(BigInt(range.network + offset), 4);
}

/** The first usable address of the range: the `kubernetes` Service's ClusterIP. */
export function firstServiceIp(range: Ipv4Range): string {
  return addressAt(range, 1);
}

/** What is already allocated (from every other Service). */
export interface AllocationState {
  readonly clusterIPs: ReadonlySet<string>;
  readonly nodePorts: ReadonlySet<number>;
}

/** Inputs of one allocation. */
export interface AllocationRequest {
  /** The new Service spec (defaulted); updated in place with what was allocated. */
  readonly spec: JsonObject;
  /** The previous spec on update, so kept values are not "taken by itself". */
  readonly old?: JsonObject;
  readonly state: AllocationState;
  readonly range: Ipv4Range;
  readonly nodePortMin: number;
  readonly nodePortMax: number;
  /** Uniform in [0,1): where the search for a free value starts. */
  readonly random: () => number;
}

function pickFree<T>(
  size: number,
  start: number,
  at: (i: number) => T,
  taken: (v: T) => boolean,
): T | undefined {
  for (let k = 0; k < size; k++) {
    const v = at((start + k) % size);
    if (!taken(v)) return v;
  }
  return undefined;
}

/** Allocates ClusterIP and NodePorts into `spec`; returns field errors (empty on success). */
export function allocateService(req: AllocationRequest): FieldError[] {
  const { spec, old, state } = req;
  const errs: FieldError[] = [];
  const type = spec.type;
  if (type !== 'ExternalName') allocateClusterIp(req, errs);
  const wantsNodePorts =
    type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  const ports = Array.isArray(spec.ports) ? spec.ports.filter(isJsonObject) : [];
  const oldPorts = Array.isArray(old?.ports) ? old.ports.filter(isJsonObject) : [];
  const mine = new Set(oldPorts.map((p) => p.nodePort).filter((n): n is number => typeof n === 'number'));
  const usedHere = new Set<number>();
  const span = req.nodePortMax - req.nodePortMin + 1;
  // Requested (and kept) NodePorts first, so a dynamic pick never takes one asked for later in the list.
  const dynamic: [JsonObject, number][] = [];
  ports.forEach((p, i) => {
    if (!wantsNodePorts) {
      if (type === 'ClusterIP' || type === 'ExternalName') delete p.nodePort;
      return;
    }
    let want = typeof p.nodePort === 'number' && p.nodePort !== 0 ? p.nodePort : undefined;
    // On update an unchanged port keeps its NodePort when the client omitted it.
    if (want === undefined) {
      const prev = oldPorts.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (typeof prev?.nodePort === 'number') want = prev.nodePort;
    }
    if (want === undefined) {
      dynamic.push([p, i]);
      return;
    }
    const field = `spec.ports[${i}].nodePort`;
    if (want < req.nodePortMin || want > req.nodePortMax) {
      errs.push(
        invalidValue(
          field,
          want,
          `provided port is not in the valid range. The range of valid ports is ${req.nodePortMin}-${req.nodePortMax}`,
        ),
      );
    } else if ((state.nodePorts.has(want) && !mine.has(want)) || usedHere.has(want)) {
      errs.push(invalidValue(field, want, 'provided port is already allocated'));
    } else {
      p.nodePort = want;
      usedHere.add(want);
    }
  });
  for (const [p, i] of dynamic) {
    const got = pickFree(
      span,
      Math.floor(req.random() * span),
      (k) => req.nodePortMin + k,
      (v) => state.nodePorts.has(v) || usedHere.has(v),
    );
    if (got === undefined) errs.push(invalidValue(`spec.ports[${i}].nodePort`, 0, 'range is full'));
    else {
      p.nodePort = got;
      usedHere.add(got);
    }
  }
  return errs;
}

function allocateClusterIp(req: AllocationRequest, errs: FieldError[]): void {
  const { spec, old, state, range } = req;
  let want = typeof spec.clusterIP === 'string' && spec.clusterIP !== '' ? spec.clusterIP : undefined;
  if (want === undefined && typeof old?.clusterIP === 'string' && old.clusterIP !== '') want = old.clusterIP;
  if (want === 'None') {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
    return;
  }
  if (want !== undefined) {
    if (old?.clusterIP !== undefined && old.clusterIP !== '' && want !== old.clusterIP) {
      errs.push(invalidValue('spec.clusterIP', want, 'field is immutable'));
      return;
    }
    const ip = tryParseIp(want);
    const n = ip?.family === 4 ? Number(ip.value) : undefined;
    if (n === undefined || n <= range.network || n >= range.network + range.size - 1) {
      errs.push(
        invalidValue(
          'spec.clusterIP',
          want,
          `provided IP is not in the valid range. The range of valid IPs is ${range.cidr}`,
        ),
      );
      return;
    }
    if (state.clusterIPs.has(want) && old?.clusterIP !== want) {
      errs.push(invalidValue('spec.clusterIP', want, 'provided IP is already allocated'));
      return;
    }
    spec.clusterIP = want;
    spec.clusterIPs = [want];
    return;
  }
  // Host addresses only: skip the network and broadcast addresses of the range.
  const hosts = range.size - 2;
  const got = pickFree(
    hosts,
    Math.floor(req.random() * hosts),
    (k) => addressAt(range, 1 + k),
    (v) => state.clusterIPs.has(v),
  );
  if (got === undefined) errs.push(invalidValue('spec.clusterIP', '', 'range is full'));
  else {
    spec.clusterIP = got;
    spec.clusterIPs = [got];
  }
}
