import { describe, expect, it } from 'vitest';
import type { NetConf } from '../../lib/cni/index.js';
import { entryElements, parsePortmapConfig, podAddresses, portmapAdd } from './index.js';

const conf = (runtimeConfig: Record<string, unknown>, extra: Record<string, unknown> = {}): NetConf => ({
  cniVersion: '1.0.0',
  name: 'n',
  type: 'portmap',
  runtimeConfig,
  ...extra,
});

describe('portmap config', () => {
  it('reads containerd (capitalised) and podman (lowercase) keys alike, with defaults', () => {
    const containerd = parsePortmapConfig(
      conf({ portMappings: [{ HostPort: 18080, ContainerPort: 80, Protocol: 'TCP', HostIP: '' }] }),
    );
    const podman = parsePortmapConfig(
      conf({ portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] }),
    );
    expect(containerd.mappings).toEqual(podman.mappings);
    expect(containerd).toMatchObject({ snat: true, masqAll: false });
    expect(containerd.mappings).toEqual([
      { hostPort: 18080, containerPort: 80, protocol: 'tcp', hostIP: undefined },
    ]);
  });

  const bad: [string, unknown[], string][] = [
    [
      'port range',
      [{ hostPort: 0, containerPort: 80 }],
      'runtimeConfig.portMappings[0].hostPort: must be a port 1–65535, got 0',
    ],
    [
      'protocol',
      [{ hostPort: 1, containerPort: 80, protocol: 'icmp' }],
      'runtimeConfig.portMappings[0].protocol: must be tcp, udp or sctp',
    ],
    [
      'hostIP',
      [{ hostPort: 1, containerPort: 80, hostIP: 'x' }],
      'runtimeConfig.portMappings[0].hostIP: not an IP address: "x"',
    ],
    [
      'duplicate',
      [
        { hostPort: 1, containerPort: 80 },
        { hostPort: 1, containerPort: 81 },
      ],
      'runtimeConfig.portMappings[1]: duplicate tcp host port 1',
    ],
  ];
  it.each(bad)('%s: the error names the field', (_n, portMappings, msg) => {
    expect(() => parsePortmapConfig(conf({ portMappings }))).toThrow(msg);
  });
});

describe('portmap elements', () => {
  const prev = {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'br0' }, { name: 'veth1' }, { name: 'eth0', sandbox: '/run/netns/p' }],
    ips: [
      { address: '10.1.0.5/24', interface: 2 },
      { address: 'fd00::5/64', interface: 2 },
    ],
  };

  it('takes the sandbox addresses from prevResult and skips hostIPs of the other family', () => {
    expect(podAddresses(prev)).toEqual(['10.1.0.5', 'fd00::5']);
    const els = entryElements({
      owner: 'c1/eth0',
      podIps: podAddresses(prev),
      mappings: [
        { hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: undefined },
        { hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '192.0.2.1' },
      ],
      snat: true,
      masqAll: false,
    });
    expect(
      els.map((e) => `${e.family} ${e.set} ${e.key}${e.value ? ` : ${e.value}` : ''} (${e.comment})`),
    ).toEqual([
      'ip hostports tcp . 8080 : 10.1.0.5 . 80 (c1/eth0)',
      'ip hostip-ports 192.0.2.1 . udp . 53 : 10.1.0.5 . 53 (c1/eth0)',
      'ip hairpin 10.1.0.5 . 10.1.0.5 (c1/eth0)',
      'ip local-pods 10.1.0.5 (c1/eth0)',
      'ip6 hostports tcp . 8080 : fd00::5 . 80 (c1/eth0)',
      'ip6 hairpin fd00::5 . fd00::5 (c1/eth0)',
      'ip6 local-pods fd00::5 (c1/eth0)',
    ]);
  });

  it('renders one transaction with the fixed chains and commented elements', () => {
    const tx = portmapAdd({
      owner: 'c1/eth0',
      podIps: ['10.1.0.5'],
      mappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: undefined }],
      snat: false,
      masqAll: false,
    }).toString();
    expect(tx).toContain('add rule ip switchyard-cni-portmap prerouting fib daddr type local jump hostports');
    expect(tx).toContain(
      'add element ip switchyard-cni-portmap hostports { tcp . 8080 comment "c1/eth0" : 10.1.0.5 . 80 }',
    );
    expect(tx).not.toContain('hairpin { 10.1.0.5');
  });
});
