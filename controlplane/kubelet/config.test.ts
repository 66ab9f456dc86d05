/** The kubelet's flags: defaults, parsing, and errors that name the flag. */
import { describe, expect, it } from 'vitest';
import { isInvalid } from '../../lib/errors/index.js';
import { KUBELET_DEFAULTS, parseKubeletConfig } from './config.js';

const env = { hostname: 'Node-1' };

describe('parseKubeletConfig', () => {
  it('defaults, with the node name from the lower-cased hostname', () => {
    const c = parseKubeletConfig({}, env);
    expect(c).toEqual({
      nodeName: 'node-1',
      containerdSocket: '/run/containerd/containerd.sock',
      clusterDNS: ['10.96.0.10'],
      clusterDomain: 'cluster.local',
      resolvConf: '/etc/resolv.conf',
      rootDir: '/var/lib/kubelet',
      podLogsDir: '/var/log/pods',
      cniConfDir: '/etc/cni/net.d',
      podCIDR: { kind: 'node-spec' },
      port: 10250,
      maxPods: 110,
      nodeLeaseDurationSeconds: 40,
      cniBridge: 'cni0',
      cniIpamDir: '/var/lib/kubelet/cni/networks',
      syncFrequencyMs: 60_000,
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.clusterDNS)).toBe(true);
    expect(KUBELET_DEFAULTS.clusterDNS).toEqual(['10.96.0.10']);
  });

  it('reads every flag', () => {
    const c = parseKubeletConfig(
      {
        kubeconfig: '/etc/kubelet.conf',
        'node-name': 'node-2',
        'node-ip': '172.30.0.12',
        'containerd-socket': 'unix:///run/sy/node-2/containerd.sock',
        'cluster-dns': '10.96.0.10, fd00:96::a',
        'cluster-domain': 'example.internal.',
        'resolv-conf': '',
        'root-dir': '/var/lib/sy/node-2/kubelet/',
        'pod-logs-dir': '/var/log/sy/node-2',
        'cni-conf-dir': '/etc/sy/cni',
        'pod-cidr': '10.244.2.7/24',
        port: '10251',
        'max-pods': '30',
        'node-lease-duration-seconds': '20',
        address: '172.30.0.12',
        'tls-cert-file': '/etc/sy/kubelet.crt',
        'tls-private-key-file': '/etc/sy/kubelet.key',
        'client-ca-file': '/etc/sy/ca.crt',
        'cni-bridge': 'sy-br0',
        'cni-ipam-dir': '/var/lib/sy/node-2/ipam',
        'sync-frequency': '30s',
      },
      env,
    );
    expect(c).toEqual({
      nodeName: 'node-2',
      nodeIP: '172.30.0.12',
      kubeconfig: '/etc/kubelet.conf',
      containerdSocket: '/run/sy/node-2/containerd.sock',
      clusterDNS: ['10.96.0.10', 'fd00:96::a'],
      clusterDomain: 'example.internal',
      resolvConf: '',
      rootDir: '/var/lib/sy/node-2/kubelet',
      podLogsDir: '/var/log/sy/node-2',
      cniConfDir: '/etc/sy/cni',
      podCIDR: { kind: 'flag', cidr: '10.244.2.0/24' },
      port: 10251,
      maxPods: 30,
      nodeLeaseDurationSeconds: 20,
      address: '172.30.0.12',
      tlsCertFile: '/etc/sy/kubelet.crt',
      tlsPrivateKeyFile: '/etc/sy/kubelet.key',
      clientCAFile: '/etc/sy/ca.crt',
      cniBridge: 'sy-br0',
      cniIpamDir: '/var/lib/sy/node-2/ipam',
      syncFrequencyMs: 30_000,
    });
  });

  it('an empty --cluster-dns means none (ClusterFirst then falls back to Default)', () => {
    expect(parseKubeletConfig({ 'cluster-dns': '' }, env).clusterDNS).toEqual([]);
  });

  it.each([
    [{ 'node-name': 'Node_1' }, /^--node-name: must be a lower-case DNS subdomain/],
    [{ 'node-ip': '300.1.1.1' }, /^--node-ip: /],
    [{ 'containerd-socket': 'run/containerd.sock' }, /^--containerd-socket: must be an absolute path/],
    [{ 'cluster-dns': '10.96.0.10,nope' }, /^--cluster-dns\[1\]: /],
    [{ 'cluster-domain': 'Cluster Local' }, /^--cluster-domain: /],
    [{ 'root-dir': 'relative' }, /^--root-dir: must be an absolute path/],
    [{ 'pod-cidr': '10.244.0.0/33' }, /^--pod-cidr: /],
    [{ port: '0' }, /^--port: must be an integer 1–65535, got "0"/],
    [{ 'max-pods': 'many' }, /^--max-pods: must be an integer/],
    [{ 'node-name': true }, /^--node-name: needs a value/],
    [{ address: 'any' }, /^--address: /],
    [{ 'tls-cert-file': '/etc/sy/kubelet.crt' }, /^--tls-private-key-file: needs its pair flag too/],
    [{ 'client-ca-file': 'ca.crt' }, /^--client-ca-file: must be an absolute path/],
    [{ 'cni-bridge': 'a-very-long-bridge-name' }, /^--cni-bridge: must be an interface name/],
    [{ 'sync-frequency': '10' }, /^--sync-frequency: must be a duration/],
  ])('%j is rejected naming the flag', (values, message) => {
    let err: unknown;
    try {
      parseKubeletConfig(values, env);
    } catch (e) {
      err = e;
    }
    expect(isInvalid(err)).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});
