/**
 * The kubelet's configuration: its own flags parsed, defaulted (upstream's defaults where it
 * has them), validated and frozen once; an error names the flag. The common flags
 * (`--kubeconfig`, `--log-level`, `--metrics-addr`) are lib/component's.
 */
import type { FlagDecl, FlagValues } from '../../lib/component/index.js';
import { invalid } from '../../lib/errors/index.js';
import { formatCidr, parseCidr, parseIp } from '../../lib/net/index.js';

/** The kubelet's own flags, for the CLI's parser. */
export const KUBELET_FLAGS = {
  'node-name': { type: 'string' },
  'node-ip': { type: 'string' },
  'containerd-socket': { type: 'string' },
  'cluster-dns': { type: 'string' },
  'cluster-domain': { type: 'string' },
  'resolv-conf': { type: 'string' },
  'root-dir': { type: 'string' },
  'pod-logs-dir': { type: 'string' },
  'cni-conf-dir': { type: 'string' },
  'pod-cidr': { type: 'string' },
  port: { type: 'string' },
  'max-pods': { type: 'string' },
  'node-lease-duration-seconds': { type: 'string' },
  address: { type: 'string' },
  'tls-cert-file': { type: 'string' },
  'tls-private-key-file': { type: 'string' },
  'client-ca-file': { type: 'string' },
  'cni-bridge': { type: 'string' },
  'cni-ipam-dir': { type: 'string' },
  'sync-frequency': { type: 'string' },
} as const satisfies Readonly<Record<string, FlagDecl>>;

/** Where the node's pod CIDR comes from: the Node's spec.podCIDR (node IPAM), or `--pod-cidr`. */
export type PodCidrSource = { readonly kind: 'node-spec' } | { readonly kind: 'flag'; readonly cidr: string };

export interface KubeletConfig {
  readonly nodeName: string;
  /** The node's primary IP when given; else the adapter picks the first global address. */
  readonly nodeIP?: string;
  readonly kubeconfig?: string;
  /** Path of containerd's CRI socket. */
  readonly containerdSocket: string;
  readonly clusterDNS: readonly string[];
  readonly clusterDomain: string;
  /** The node's resolv.conf for dnsPolicy Default; '' for none. */
  readonly resolvConf: string;
  readonly rootDir: string;
  readonly podLogsDir: string;
  readonly cniConfDir: string;
  readonly podCIDR: PodCidrSource;
  /** The HTTPS port of logs, exec, attach, port-forward and stats. */
  readonly port: number;
  readonly maxPods: number;
  /** The node Lease's duration; it is renewed every quarter of it (10 s by default, as upstream). */
  readonly nodeLeaseDurationSeconds: number;
  /** Listen address of the HTTPS endpoint; undefined: 0.0.0.0, as upstream (the node IP may come later). */
  readonly address?: string;
  /** The serving pair; without it a self-signed pair under `<rootDir>/pki/` is made and reused. */
  readonly tlsCertFile?: string;
  readonly tlsPrivateKeyFile?: string;
  /** PEM CA that client certificates on the HTTPS endpoint must chain to. */
  readonly clientCAFile?: string;
  /** The node's pod bridge in the CNI config it writes. */
  readonly cniBridge: string;
  /** host-local's store of the CNI config it writes (one file per address handed out). */
  readonly cniIpamDir: string;
  /** How often every pod is synced even without an event (upstream syncFrequency, 1 m), in ms. */
  readonly syncFrequencyMs: number;
}

/** Defaults, in one visible place. */
export const KUBELET_DEFAULTS = {
  containerdSocket: '/run/containerd/containerd.sock',
  clusterDNS: ['10.96.0.10'],
  clusterDomain: 'cluster.local',
  resolvConf: '/etc/resolv.conf',
  rootDir: '/var/lib/kubelet',
  podLogsDir: '/var/log/pods',
  cniConfDir: '/etc/cni/net.d',
  port: 10250,
  maxPods: 110,
  nodeLeaseDurationSeconds: 40,
  cniBridge: 'cni0',
  /** Relative to --root-dir. */
  cniIpamDir: 'cni/networks',
  syncFrequencyMs: 60_000,
} as const;

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function dnsSubdomain(flag: string, v: string): string {
  if (v.length > 253 || !DNS1123_SUBDOMAIN.test(v)) {
    throw invalid(flag, `must be a lower-case DNS subdomain (RFC 1123), got "${v}"`);
  }
  return v;
}

function absolutePath(flag: string, v: string): string {
  if (!v.startsWith('/')) throw invalid(flag, `must be an absolute path, got "${v}"`);
  return v.replace(/(.)\/+$/, '$1');
}

/** A Linux interface name: 1–15 characters, no `/`, `:` or white space. */
function interfaceName(flag: string, v: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(v))
    throw invalid(flag, `must be an interface name of 1–15 characters, got "${v}"`);
  return v;
}

function integer(flag: string, v: string, min: number, max: number): number {
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw invalid(flag, `must be an integer ${min}–${max}, got "${v}"`);
  return n;
}

/** A Go-style duration of whole units (`500ms`, `10s`, `1m`) in ms. */
function duration(flag: string, v: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(v);
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000) : 0;
  if (ms < 100 || ms > 3_600_000) throw invalid(flag, `must be a duration 100ms–60m such as 10s, got "${v}"`);
  return ms;
}

/** The TLS flags: both halves of the pair or neither. */
function tlsFiles(cert: string | undefined, key: string | undefined): Partial<KubeletConfig> {
  if ((cert === undefined) !== (key === undefined))
    throw invalid(
      cert === undefined ? '--tls-cert-file' : '--tls-private-key-file',
      'needs its pair flag too',
    );
  return cert !== undefined && key !== undefined
    ? {
        tlsCertFile: absolutePath('--tls-cert-file', cert),
        tlsPrivateKeyFile: absolutePath('--tls-private-key-file', key),
      }
    : {};
}

/**
 * The configuration from flag values. `hostname` is the machine's (os.hostname()), the node
 * name's default lower-cased as upstream does; `kubeconfig` is passed through.
 */
export function parseKubeletConfig(values: FlagValues, env: { readonly hostname: string }): KubeletConfig {
  const get = (name: keyof typeof KUBELET_FLAGS | 'kubeconfig'): string | undefined => {
    const v = values[name];
    if (v === true) throw invalid(`--${name}`, 'needs a value');
    return typeof v === 'string' ? v : undefined;
  };
  const nodeName = dnsSubdomain('--node-name', get('node-name') ?? env.hostname.toLowerCase());
  const nodeIPText = get('node-ip');
  const nodeIP = nodeIPText === undefined ? undefined : parseIp(nodeIPText, '--node-ip').address;
  const socketText = get('containerd-socket') ?? KUBELET_DEFAULTS.containerdSocket;
  const containerdSocket = absolutePath('--containerd-socket', socketText.replace(/^unix:\/\//, ''));
  const dnsText = get('cluster-dns');
  const clusterDNS =
    dnsText === undefined
      ? KUBELET_DEFAULTS.clusterDNS
      : dnsText === ''
        ? []
        : dnsText.split(',').map((ip, i) => parseIp(ip.trim(), `--cluster-dns[${i}]`).address);
  const clusterDomain = dnsSubdomain(
    '--cluster-domain',
    (get('cluster-domain') ?? KUBELET_DEFAULTS.clusterDomain).replace(/\.$/, ''),
  );
  const resolvText = get('resolv-conf') ?? KUBELET_DEFAULTS.resolvConf;
  const resolvConf = resolvText === '' ? '' : absolutePath('--resolv-conf', resolvText);
  const cidrText = get('pod-cidr');
  const podCIDR: PodCidrSource =
    cidrText === undefined || cidrText === ''
      ? { kind: 'node-spec' }
      : { kind: 'flag', cidr: formatCidr(parseCidr(cidrText, '--pod-cidr')) };
  const kubeconfig = get('kubeconfig');
  const portText = get('port');
  const maxPodsText = get('max-pods');
  const leaseText = get('node-lease-duration-seconds');
  const addressText = get('address');
  const clientCA = get('client-ca-file');
  const syncText = get('sync-frequency');
  const rootDir = absolutePath('--root-dir', get('root-dir') ?? KUBELET_DEFAULTS.rootDir);
  return Object.freeze({
    nodeName,
    ...(nodeIP !== undefined ? { nodeIP } : {}),
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    containerdSocket,
    clusterDNS: Object.freeze([...clusterDNS]),
    clusterDomain,
    resolvConf,
    rootDir,
    podLogsDir: absolutePath('--pod-logs-dir', get('pod-logs-dir') ?? KUBELET_DEFAULTS.podLogsDir),
    cniConfDir: absolutePath('--cni-conf-dir', get('cni-conf-dir') ?? KUBELET_DEFAULTS.cniConfDir),
    podCIDR: Object.freeze(podCIDR),
    port: portText === undefined ? KUBELET_DEFAULTS.port : integer('--port', portText, 1, 65535),
    maxPods:
      maxPodsText === undefined ? KUBELET_DEFAULTS.maxPods : integer('--max-pods', maxPodsText, 1, 10_000),
    nodeLeaseDurationSeconds:
      leaseText === undefined
        ? KUBELET_DEFAULTS.nodeLeaseDurationSeconds
        : integer('--node-lease-duration-seconds', leaseText, 1, 3600),
    ...(addressText !== undefined ? { address: parseIp(addressText, '--address').address } : {}),
    ...tlsFiles(get('tls-cert-file'), get('tls-private-key-file')),
    ...(clientCA !== undefined ? { clientCAFile: absolutePath('--client-ca-file', clientCA) } : {}),
    cniBridge: interfaceName('--cni-bridge', get('cni-bridge') ?? KUBELET_DEFAULTS.cniBridge),
    cniIpamDir: absolutePath(
      '--cni-ipam-dir',
      get('cni-ipam-dir') ?? `${rootDir}/${KUBELET_DEFAULTS.cniIpamDir}`,
    ),
    syncFrequencyMs:
      syncText === undefined ? KUBELET_DEFAULTS.syncFrequencyMs : duration('--sync-frequency', syncText),
  });
}
