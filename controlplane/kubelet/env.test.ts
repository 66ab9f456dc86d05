/**
 * The container environment against upstream: the expansion rules of
 * third_party/forked/golang/expansion (its expand_test.go cases in mind), makeEnvironmentVariables'
 * order of sources and errors, the downward API fields, and envvars.FromServices' variables.
 */
import { describe, expect, it } from 'vitest';
import type { Container, Service } from '../../lib/api/index.js';
import { isNotFound } from '../../lib/errors/index.js';
import {
  containerEnv,
  type EnvContext,
  expand,
  expandCommand,
  fieldValue,
  serviceLinkVariables,
} from './env.js';
import type { KubeletPod } from './model.js';
import { kubeletPod } from './testing/fixtures.js';

const svc = (
  namespace: string,
  name: string,
  clusterIP: string,
  ports: Service['spec']['ports'] = [],
): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace, name },
  spec: { clusterIP, ports },
});
const kubernetes = svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]);

function ctx(over: Partial<EnvContext> = {}): EnvContext {
  return {
    podIPs: ['10.244.1.5', 'fd00::5'],
    hostIPs: ['172.30.0.11'],
    services: [],
    objects: {
      configMaps: new Map([
        ['cfg', { data: { MODE: 'fast', 'a=b': 'x', LEVEL: '3', 'has space': 's', clé: 'y' } }],
      ]),
      secrets: new Map([['creds', { data: { password: Buffer.from('s3cret').toString('base64') } }]]),
    },
    ...over,
  };
}

function podWith(
  c: Partial<Container> & Record<string, unknown>,
  spec: Parameters<typeof kubeletPod>[0] = {},
): KubeletPod {
  return kubeletPod(
    { ...spec, containers: [{ name: 'app', image: 'busybox', ...c } as Container] },
    { labels: { app: 'web' }, annotations: { team: 'net' } },
  );
}

const envOf = (p: KubeletPod, c: EnvContext = ctx()) =>
  Object.fromEntries(containerEnv(p, p.containers[0]!, c).env.map((v) => [v.name, v.value]));

describe('expand', () => {
  const vars: Record<string, string> = { VAR_A: 'A', VAR_B: 'B', VAR_EMPTY: '' };
  const lookup = (n: string) => vars[n];
  it.each([
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_A)', 'A-A'],
    ['$(VAR_EMPTY)x', 'x'],
    ['$$(VAR_B)_$(VAR_A)', '$(VAR_B)_A'],
    ['$$$$$$(VAR_A)', '$$$(VAR_A)'],
    ['$$$$$$$(VAR_A)', '$$$A'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$(VAR_A', '$(VAR_A'],
    ['$(VAR_A$(VAR_B))', '$(VAR_A$(VAR_B))'],
    ['$VAR_A', '$VAR_A'],
    ['f000-$$VAR_A', 'f000-$VAR_A'],
    ['$(VAR_A)$', 'A$'],
    ['$', '$'],
    ['$()', '$()'],
    ['$(', '$('],
    ['no refs', 'no refs'],
  ])('%s → %s', (input, want) => {
    expect(expand(input, lookup)).toBe(want);
  });
});

describe('containerEnv', () => {
  it('values in order, each expanded against the earlier ones and the service variables', () => {
    const p = podWith({
      env: [
        { name: 'A', value: 'a' },
        { name: 'B', value: '$(A)-$(C)-$(KUBERNETES_SERVICE_HOST)' },
        { name: 'C', value: 'c' },
        { name: 'EMPTY' },
      ],
    });
    const { env } = containerEnv(p, p.containers[0]!, ctx({ services: [kubernetes] }));
    // A reference to a later variable stays as written (upstream: only earlier ones are known).
    expect(env.slice(0, 4)).toEqual([
      { name: 'A', value: 'a' },
      { name: 'B', value: 'a-$(C)-10.96.0.1' },
      { name: 'C', value: 'c' },
      { name: 'EMPTY', value: '' },
    ]);
    expect(env.slice(4).map((v) => v.name)).toContain('KUBERNETES_SERVICE_HOST');
  });

  it('fieldRef, configMapKeyRef and secretKeyRef', () => {
    const p = podWith({
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'absent', optional: true } } },
        { name: 'OPTIONAL_CM', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
        // A set value wins over the source.
        { name: 'BOTH', value: 'v', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      ],
    });
    expect(envOf(p)).toEqual({
      POD_NAME: 'web',
      POD_IP: '10.244.1.5',
      MODE: 'fast',
      PASSWORD: 's3cret',
      BOTH: 'v',
    });
  });

  // 1.32 relaxed the names (any printable ASCII but `=`): a space passes, `=` and non-ASCII do not.
  it('envFrom keys first (prefixed, invalid names skipped), env overriding them', () => {
    const p = podWith({
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }],
      env: [{ name: 'CFG_LEVEL', value: '$(CFG_MODE)!' }],
    });
    const r = containerEnv(p, p.containers[0]!, ctx());
    expect(r.env).toEqual([
      { name: 'CFG_MODE', value: 'fast' },
      { name: 'CFG_LEVEL', value: 'fast!' },
      { name: 'CFG_has space', value: 's' },
      { name: 'password', value: 's3cret' },
    ]);
    expect(r.skippedKeys).toEqual(['CFG_a=b', 'CFG_clé']);
  });

  it.each([
    [
      { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x' } } }] },
      'configmap "nope" not found',
    ],
    [
      { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'absent' } } }] },
      "couldn't find key absent in ConfigMap ns/cfg",
    ],
    [
      { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }] },
      "couldn't find key user in Secret ns/creds",
    ],
    [{ envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found'],
  ])('a missing source that is not optional fails the start: %j', (c, message) => {
    const p = podWith(c);
    let err: unknown;
    try {
      containerEnv(p, p.containers[0]!, ctx());
    } catch (e) {
      err = e;
    }
    expect(isNotFound(err)).toBe(true);
    expect((err as Error).message).toBe(message);
  });

  it('an optional envFrom source that is missing is skipped', () => {
    expect(envOf(podWith({ envFrom: [{ configMapRef: { name: 'nope', optional: true } }] }))).toEqual({});
  });

  it('command and args expand $(VAR) against the final environment', () => {
    expect(expandCommand(['sh', '-c', 'echo $(A) $(B) $$(A)'], [{ name: 'A', value: '1' }])).toEqual([
      'sh',
      '-c',
      'echo 1 $(B) $(A)',
    ]);
  });
});

describe('fieldValue', () => {
  const p = kubeletPod(
    { serviceAccountName: 'robot' },
    { labels: { app: 'web' }, annotations: { team: 'net' } },
  );
  const c = { podIPs: ['10.244.1.5', 'fd00::5'], hostIPs: ['172.30.0.11', 'fd00::11'] };
  it.each([
    ['metadata.name', 'web'],
    ['metadata.namespace', 'ns'],
    ['metadata.uid', 'uid-1'],
    ["metadata.labels['app']", 'web'],
    ["metadata.annotations['team']", 'net'],
    ["metadata.labels['none']", ''],
    ['spec.nodeName', 'node-1'],
    ['spec.serviceAccountName', 'robot'],
    ['status.podIP', '10.244.1.5'],
    ['status.podIPs', '10.244.1.5,fd00::5'],
    ['status.hostIP', '172.30.0.11'],
    ['status.hostIPs', '172.30.0.11,fd00::11'],
  ])('%s → %s', (path, want) => {
    expect(fieldValue(path, p, c)).toBe(want);
  });
  it('an unsupported path is an error naming the field', () => {
    expect(() => fieldValue('spec.containers', p, c)).toThrow(/^valueFrom\.fieldRef\.fieldPath: unsupported/);
  });
});

describe('serviceLinkVariables', () => {
  const web = svc('ns', 'my-web', '10.96.5.5', [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'dns-udp', port: 53, protocol: 'UDP' },
  ]);

  it('the variables of envvars.FromServices, services sorted by name', () => {
    expect(serviceLinkVariables({ namespace: 'ns', enableServiceLinks: true }, [web, kubernetes])).toEqual([
      { name: 'KUBERNETES_SERVICE_HOST', value: '10.96.0.1' },
      { name: 'KUBERNETES_SERVICE_PORT', value: '443' },
      { name: 'KUBERNETES_SERVICE_PORT_HTTPS', value: '443' },
      { name: 'KUBERNETES_PORT', value: 'tcp://10.96.0.1:443' },
      { name: 'KUBERNETES_PORT_443_TCP', value: 'tcp://10.96.0.1:443' },
      { name: 'KUBERNETES_PORT_443_TCP_PROTO', value: 'tcp' },
      { name: 'KUBERNETES_PORT_443_TCP_PORT', value: '443' },
      { name: 'KUBERNETES_PORT_443_TCP_ADDR', value: '10.96.0.1' },
      { name: 'MY_WEB_SERVICE_HOST', value: '10.96.5.5' },
      { name: 'MY_WEB_SERVICE_PORT', value: '80' },
      { name: 'MY_WEB_SERVICE_PORT_HTTP', value: '80' },
      { name: 'MY_WEB_SERVICE_PORT_DNS_UDP', value: '53' },
      { name: 'MY_WEB_PORT', value: 'tcp://10.96.5.5:80' },
      { name: 'MY_WEB_PORT_80_TCP', value: 'tcp://10.96.5.5:80' },
      { name: 'MY_WEB_PORT_80_TCP_PROTO', value: 'tcp' },
      { name: 'MY_WEB_PORT_80_TCP_PORT', value: '80' },
      { name: 'MY_WEB_PORT_80_TCP_ADDR', value: '10.96.5.5' },
      { name: 'MY_WEB_PORT_53_UDP', value: 'udp://10.96.5.5:53' },
      { name: 'MY_WEB_PORT_53_UDP_PROTO', value: 'udp' },
      { name: 'MY_WEB_PORT_53_UDP_PORT', value: '53' },
      { name: 'MY_WEB_PORT_53_UDP_ADDR', value: '10.96.5.5' },
    ]);
  });

  it('only the pod namespace, only with a cluster IP; `kubernetes` even with enableServiceLinks false', () => {
    const others = [
      svc('other', 'far', '10.96.7.7', [{ port: 1 }]),
      svc('ns', 'headless', 'None', [{ port: 2 }]),
      svc('ns', 'ext', '', []),
    ];
    const names = (enable: boolean) =>
      serviceLinkVariables({ namespace: 'ns', enableServiceLinks: enable }, [...others, web, kubernetes])
        .filter((v) => v.name.endsWith('_SERVICE_HOST'))
        .map((v) => v.name);
    expect(names(true)).toEqual(['KUBERNETES_SERVICE_HOST', 'MY_WEB_SERVICE_HOST']);
    expect(names(false)).toEqual(['KUBERNETES_SERVICE_HOST']);
  });

  it('an IPv6 cluster IP is bracketed in the URLs', () => {
    const v6 = svc('ns', 'v6', 'fd00:96::5', [{ port: 80 }]);
    expect(
      serviceLinkVariables({ namespace: 'ns', enableServiceLinks: true }, [v6]).find(
        (v) => v.name === 'V6_PORT',
      ),
    ).toEqual({
      name: 'V6_PORT',
      value: 'tcp://[fd00:96::5]:80',
    });
  });

  it('a variable the container sets itself is not overridden by a service variable', () => {
    const p = podWith({ env: [{ name: 'MY_WEB_SERVICE_HOST', value: 'mine' }] });
    expect(envOf(p, ctx({ services: [web] })).MY_WEB_SERVICE_HOST).toBe('mine');
  });
});
