/**
 * Pod DNS against upstream's pkg/kubelet/network/dns (dns.go; dns_test.go's TestGetPodDNS* cases
 * in mind): the policy → configuration table, the dnsConfig merge, the limits, and resolv.conf.
 */
import { describe, expect, it } from 'vitest';
import {
  type ClusterDns,
  type DnsConfig,
  formatResolvConf,
  parseResolvConf,
  podDns,
  podDnsType,
} from './dns.js';
import type { DnsPolicy, PodDnsConfig } from './model.js';

const host: DnsConfig = { servers: ['172.30.0.1'], searches: ['lab.example'], options: ['timeout:2'] };
const cluster: ClusterDns = { servers: ['10.96.0.10'], domain: 'cluster.local', host };
const CLUSTER_SEARCH = ['ns.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'lab.example'];

const pod = (dnsPolicy: DnsPolicy, hostNetwork = false, dnsConfig?: PodDnsConfig) => ({
  dnsPolicy,
  hostNetwork,
  namespace: 'ns',
  ...(dnsConfig ? { dnsConfig } : {}),
});

describe('podDnsType', () => {
  it.each([
    ['ClusterFirst', false, 'cluster'],
    ['ClusterFirst', true, 'host'],
    ['ClusterFirstWithHostNet', true, 'cluster'],
    ['ClusterFirstWithHostNet', false, 'cluster'],
    ['Default', false, 'host'],
    ['None', true, 'none'],
  ] as const)('%s, hostNetwork %s → %s', (policy, hostNetwork, want) => {
    expect(podDnsType(pod(policy, hostNetwork), cluster)).toBe(want);
  });
  it('ClusterFirst without a cluster DNS falls back to Default', () => {
    expect(podDnsType(pod('ClusterFirst'), { servers: [] })).toBe('host');
  });
});

describe('podDns', () => {
  it('ClusterFirst: cluster DNS, the namespace search path then the node one, ndots:5', () => {
    expect(podDns(pod('ClusterFirst'), cluster)).toEqual({
      servers: ['10.96.0.10'],
      searches: CLUSTER_SEARCH,
      options: ['ndots:5'],
    });
  });

  it('Default: the node resolv.conf as it is', () => {
    expect(podDns(pod('Default'), cluster)).toEqual(host);
  });

  it('None: only what dnsConfig says', () => {
    const cfg: PodDnsConfig = {
      nameservers: ['1.1.1.1'],
      searches: ['a.example'],
      options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
    };
    expect(podDns(pod('None', false, cfg), cluster)).toEqual({
      servers: ['1.1.1.1'],
      searches: ['a.example'],
      options: ['ndots:2', 'edns0'],
    });
  });

  it('dnsConfig is appended without duplicates; its options replace those of the same name', () => {
    const cfg: PodDnsConfig = {
      nameservers: ['10.96.0.10', '8.8.8.8'],
      searches: ['svc.cluster.local', 'extra.example'],
      options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }],
    };
    expect(podDns(pod('ClusterFirst', false, cfg), cluster)).toEqual({
      servers: ['10.96.0.10', '8.8.8.8'],
      searches: [...CLUSTER_SEARCH, 'extra.example'],
      options: ['ndots:1', 'single-request-reopen'],
    });
  });

  it('at most 3 nameservers and 32 search domains', () => {
    const cfg: PodDnsConfig = {
      nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'],
      searches: Array.from({ length: 40 }, (_, i) => `d${i}.example`),
      options: [],
    };
    const r = podDns(pod('ClusterFirst', false, cfg), cluster);
    expect(r.servers).toEqual(['10.96.0.10', '1.1.1.1', '2.2.2.2']);
    expect(r.searches).toHaveLength(32);
    expect(r.searches.slice(0, 4)).toEqual(CLUSTER_SEARCH);
  });

  it('the search line stays within 2048 characters', () => {
    const long = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(250)}.example`);
    const r = podDns(pod('None', false, { nameservers: [], searches: long, options: [] }), cluster);
    expect(r.searches.join(' ').length).toBeLessThanOrEqual(2048);
    expect(r.searches).toEqual(long.slice(0, 7));
  });
});

describe('resolv.conf', () => {
  it('parses nameserver, search and options lines; comments are ignored', () => {
    const text = [
      '# generated',
      'nameserver 172.30.0.1',
      'nameserver 172.30.0.2 ; second',
      'search old.example',
      'search lab.example. corp.example .',
      'options ndots:2 timeout:1',
      'options ndots:3',
      'domain ignored.example',
    ].join('\n');
    expect(parseResolvConf(text)).toEqual({
      servers: ['172.30.0.1', '172.30.0.2'],
      searches: ['lab.example', 'corp.example'],
      options: ['ndots:3', 'timeout:1'],
    });
  });

  it('formats a configuration', () => {
    expect(formatResolvConf(podDns(pod('ClusterFirst'), cluster))).toBe(
      'nameserver 10.96.0.10\nsearch ns.svc.cluster.local svc.cluster.local cluster.local lab.example\noptions ndots:5\n',
    );
    expect(formatResolvConf({ servers: [], searches: [], options: [] })).toBe('');
  });
});
