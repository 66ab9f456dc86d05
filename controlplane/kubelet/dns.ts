/**
 * A pod's resolv.conf from its dnsPolicy (upstream pkg/kubelet/network/dns/dns.go): cluster DNS
 * with the `<ns>.svc.<domain> svc.<domain> <domain>` search path and `ndots:5` for ClusterFirst
 * (and ClusterFirstWithHostNet; ClusterFirst on the host network is Default), the node's own
 * resolv.conf for Default, nothing for None; then spec.dnsConfig merged in; then the limits
 * (3 nameservers, 32 search domains of at most 2048 characters together). The result is CRI's
 * DNSConfig, handed to RunPodSandbox.
 */
import type { KubeletPod, PodDnsConfig } from './model.js';

/** CRI DNSConfig (and what a resolv.conf holds). */
export interface DnsConfig {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

/** The kubelet's DNS settings. */
export interface ClusterDns {
  /** --cluster-dns; empty: ClusterFirst falls back to Default (upstream warns with an event). */
  readonly servers: readonly string[];
  /** --cluster-domain, e.g. `cluster.local`. */
  readonly domain: string;
  /** The node's resolv.conf (--resolv-conf), parsed. */
  readonly host: DnsConfig;
}

/** Upstream's limits (validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars). */
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_PATHS = 32;
export const MAX_SEARCH_CHARS = 2048;

/** Which configuration a pod gets: `cluster`, `host` or `none` (getPodDNSType). */
export function podDnsType(
  pod: Pick<KubeletPod, 'dnsPolicy' | 'hostNetwork'>,
  cluster: Pick<ClusterDns, 'servers'>,
): 'cluster' | 'host' | 'none' {
  let type: 'cluster' | 'host' | 'none';
  switch (pod.dnsPolicy) {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      type = 'cluster';
      break;
    case 'ClusterFirst':
      type = pod.hostNetwork ? 'host' : 'cluster';
      break;
    default:
      type = 'host';
  }
  return type === 'cluster' && cluster.servers.length === 0 ? 'host' : type;
}

/** The pod's DNS configuration. */
export function podDns(
  pod: Pick<KubeletPod, 'dnsPolicy' | 'hostNetwork' | 'namespace' | 'dnsConfig'>,
  cluster: ClusterDns,
): DnsConfig {
  let config: DnsConfig;
  switch (podDnsType(pod, cluster)) {
    case 'none':
      config = { servers: [], searches: [], options: [] };
      break;
    case 'host':
      config = cluster.host;
      break;
    case 'cluster': {
      const d = cluster.domain;
      config = {
        servers: cluster.servers,
        // The cluster's search path first, then the node's own.
        searches: unique([`${pod.namespace}.svc.${d}`, `svc.${d}`, d, ...cluster.host.searches]),
        options: ['ndots:5'],
      };
    }
  }
  if (pod.dnsConfig) config = mergeDnsConfig(config, pod.dnsConfig);
  return withinLimits(config);
}

/** appendDNSConfig: servers and searches appended without duplicates; options by name, the pod's winning. */
export function mergeDnsConfig(base: DnsConfig, extra: PodDnsConfig): DnsConfig {
  const options = new Map<string, string>();
  for (const o of base.options) {
    const i = o.indexOf(':');
    if (i === -1) options.set(o, '');
    else options.set(o.slice(0, i), o.slice(i + 1));
  }
  for (const o of extra.options) options.set(o.name, o.value ?? '');
  return {
    servers: unique([...base.servers, ...extra.nameservers]),
    searches: unique([...base.searches, ...extra.searches]),
    options: [...options].map(([name, value]) => (value === '' ? name : `${name}:${value}`)),
  };
}

/** At most 3 servers; at most 32 search domains whose total length stays within 2048. */
export function withinLimits(config: DnsConfig): DnsConfig {
  const searches: string[] = [];
  let chars = 0;
  for (const s of config.searches.slice(0, MAX_SEARCH_PATHS)) {
    // The resolv.conf line joins them with spaces.
    const add = s.length + (searches.length > 0 ? 1 : 0);
    if (chars + add > MAX_SEARCH_CHARS) break;
    searches.push(s);
    chars += add;
  }
  return { servers: config.servers.slice(0, MAX_NAMESERVERS), searches, options: config.options };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/**
 * A resolv.conf's content, as upstream parses the node's: `nameserver` (one each), `search`
 * (the last line wins; trailing dots dropped, a lone `.` skipped), `options` (later ones replace
 * earlier ones of the same name); `#` and `;` start comments; other lines are ignored.
 */
export function parseResolvConf(text: string): DnsConfig {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const comment = raw.search(/[#;]/);
    const fields = (comment === -1 ? raw : raw.slice(0, comment)).trim().split(/\s+/).filter(Boolean);
    const [key, ...rest] = fields;
    if (key === 'nameserver' && rest[0]) servers.push(rest[0]);
    else if (key === 'search') searches = rest.filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') {
      for (const o of rest) {
        const name = o.split(':')[0];
        const i = options.findIndex((x) => x.split(':')[0] === name);
        if (i === -1) options.push(o);
        else options[i] = o;
      }
    }
  }
  return { servers, searches, options };
}

/** The resolv.conf text of a configuration. */
export function formatResolvConf(config: DnsConfig): string {
  return [
    ...config.servers.map((s) => `nameserver ${s}`),
    ...(config.searches.length > 0 ? [`search ${config.searches.join(' ')}`] : []),
    ...(config.options.length > 0 ? [`options ${config.options.join(' ')}`] : []),
  ]
    .map((l) => `${l}\n`)
    .join('');
}
