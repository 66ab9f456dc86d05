/** Pure pieces of the API server: request parsing, selectors, allocation, tables, tokens, authorization. */
import { describe, expect, it } from 'vitest';
import { parseHostPort } from '../../lib/net/host-port.js';
import { authorize, parseTokenFile } from './auth.js';
import { matchFields, parseFieldSelector } from './field-selector.js';
import { healthAnswer } from './health.js';
import { parsePortRange } from './main.js';
import { NodeGraph } from './node-graph.js';
import { parseRequestInfo } from './request-info.js';
import { BUILTIN_RESOURCES } from './resources.js';
import { issueToken, verifyToken } from './sa-tokens.js';
import { allocateService, firstServiceIp, parseIpv4Cidr } from './service-alloc.js';
import { humanDuration } from './table/cells.js';
import { toTable } from './table.js';

describe('request info', () => {
  const q = new URLSearchParams();
  it('parses namespaced, cluster, subresource and namespace-status paths', () => {
    expect(parseRequestInfo('GET', '/api/v1/namespaces/ns/pods/p/status', q)).toEqual({
      group: '',
      version: 'v1',
      namespace: 'ns',
      resource: 'pods',
      name: 'p',
      subresource: 'status',
      verb: 'get',
    });
    expect(parseRequestInfo('GET', '/api/v1/namespaces/ns', q)).toMatchObject({
      resource: 'namespaces',
      name: 'ns',
      namespace: undefined,
    });
    expect(parseRequestInfo('PUT', '/api/v1/namespaces/ns/status', q)).toMatchObject({
      resource: 'namespaces',
      name: 'ns',
      subresource: 'status',
      verb: 'update',
    });
    expect(
      parseRequestInfo('GET', '/apis/apps/v1/deployments', new URLSearchParams('watch=1')),
    ).toMatchObject({ group: 'apps', verb: 'watch' });
    expect(parseRequestInfo('DELETE', '/api/v1/namespaces/ns/pods', q)?.verb).toBe('deletecollection');
    expect(parseRequestInfo('GET', '/healthz', q)).toBeUndefined();
  });
});

describe('field selectors', () => {
  it('matches =, ==, != on the whitelisted fields and refuses others with 400', () => {
    const pod = {
      metadata: { name: 'a', namespace: 'n' },
      spec: { nodeName: 'node-1' },
      status: { phase: 'Running' },
    };
    expect(matchFields(parseFieldSelector('spec.nodeName=node-1,status.phase!=Failed', 'pods'), pod)).toBe(
      true,
    );
    expect(matchFields(parseFieldSelector('metadata.name==b', 'pods'), pod)).toBe(false);
    expect(matchFields(parseFieldSelector('spec.nodeName=', 'pods'), { metadata: {} })).toBe(true);
    // Unset Go bools and counts read as their zero values.
    expect(matchFields(parseFieldSelector('spec.hostNetwork=false', 'pods'), pod)).toBe(true);
    expect(matchFields(parseFieldSelector('spec.unschedulable!=true', 'nodes'), { spec: {} })).toBe(true);
    expect(matchFields(parseFieldSelector('status.replicas=0', 'replicasets'), { status: {} })).toBe(true);
    expect(() => parseFieldSelector('spec.nodeName=x', 'services')).toThrow(
      'field label not supported: spec.nodeName',
    );
    const ev = { involvedObject: { name: 'p', uid: 'u' }, source: { component: 'kubelet' } };
    expect(
      matchFields(
        parseFieldSelector('involvedObject.name=p,involvedObject.uid=u,source=kubelet', 'events'),
        ev,
      ),
    ).toBe(true);
  });
});

describe('service allocation', () => {
  const range = parseIpv4Cidr('10.96.0.0/16');
  const base = { range, nodePortMin: 30000, nodePortMax: 30002, random: () => 0 };
  it('parses the range and knows the kubernetes Service address', () => {
    expect(range).toEqual({ cidr: '10.96.0.0/16', network: (10 * 256 + 96) * 65536, size: 65536 });
    expect(firstServiceIp(range)).toBe('10.96.0.1');
    expect(() => parseIpv4Cidr('10.96.0.0/33')).toThrow(/prefix/);
  });
  it('picks free values, honours requests, keeps its own values on update, refuses taken ones', () => {
    const spec: Record<string, unknown> = {
      type: 'NodePort',
      ports: [{ port: 80 }, { port: 443, nodePort: 30001 }],
    };
    const errs = allocateService({
      ...base,
      spec: spec as never,
      state: { clusterIPs: new Set(['10.96.0.1']), nodePorts: new Set([30000]) },
    });
    expect(errs).toEqual([]);
    expect(spec.clusterIP).toBe('10.96.0.2');
    expect(spec.ports).toEqual([
      { port: 80, nodePort: 30002 },
      { port: 443, nodePort: 30001 },
    ]);
    const update: Record<string, unknown> = { type: 'NodePort', ports: [{ port: 80 }] };
    expect(
      allocateService({
        ...base,
        spec: update as never,
        old: spec as never,
        state: { clusterIPs: new Set(), nodePorts: new Set() },
      }),
    ).toEqual([]);
    expect(update.clusterIP).toBe('10.96.0.2');
    expect(update.ports).toEqual([{ port: 80, nodePort: 30002 }]);
    const full = allocateService({
      ...base,
      spec: { type: 'NodePort', ports: [{ port: 1 }] },
      state: { clusterIPs: new Set(), nodePorts: new Set([30000, 30001, 30002]) },
    });
    expect(full.map((e) => e.field)).toEqual(['spec.ports[0].nodePort']);
    const changed = allocateService({
      ...base,
      spec: { clusterIP: '10.96.0.9', ports: [] },
      old: { clusterIP: '10.96.0.2' },
      state: { clusterIPs: new Set(), nodePorts: new Set() },
    });
    expect(changed[0]?.message).toContain('field is immutable');
    const headless: Record<string, unknown> = { clusterIP: 'None', ports: [] };
    expect(
      allocateService({
        ...base,
        spec: headless as never,
        state: { clusterIPs: new Set(), nodePorts: new Set() },
      }),
    ).toEqual([]);
    expect(headless.clusterIPs).toEqual(['None']);
  });
});

describe('tables', () => {
  it('formats ages like kubectl', () => {
    expect(
      [5, 119, 150, 600, 3 * 3600 + 60, 30 * 3600, 3 * 86400 + 3600, 400 * 86400, 800 * 86400].map(
        humanDuration,
      ),
    ).toEqual(['5s', '119s', '2m30s', '10m', '3h1m', '30h', '3d1h', '400d', '2y']);
  });
  it('renders service rows with wide columns and PartialObjectMetadata', () => {
    const info = BUILTIN_RESOURCES.find((r) => r.plural === 'services');
    if (!info) throw new Error('services missing');
    const t = toTable({
      info,
      objects: [
        {
          metadata: { name: 's', namespace: 'n', creationTimestamp: '2026-01-01T00:00:00Z' },
          spec: {
            type: 'LoadBalancer',
            clusterIP: '10.96.0.5',
            ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }],
            selector: { b: '2', a: '1' },
          },
          status: { loadBalancer: { ingress: [{ ip: '172.30.200.1' }] } },
        },
      ],
      withHeaders: true,
      now: new Date('2026-01-01T00:01:00Z'),
    });
    expect(
      (t.columnDefinitions as { name: string; priority: number }[]).map((c) => `${c.name}:${c.priority}`),
    ).toEqual(['Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1']);
    expect((t.rows as { cells: unknown[] }[])[0]?.cells).toEqual([
      's',
      'LoadBalancer',
      '10.96.0.5',
      '172.30.200.1',
      '80:30080/TCP',
      '60s',
      'a=1,b=2',
    ]);
  });
});

describe('tokens and authorization', () => {
  it('parses kube-apiserver token files', () => {
    const tokens = parseTokenFile(
      '# c\nt1,admin,1,"system:masters"\nt2,system:node:n1,2,"system:nodes,extra"\nbad\n',
    );
    expect(tokens.get('t1')).toEqual({ name: 'admin', groups: ['system:masters', 'system:authenticated'] });
    expect(tokens.get('t2')?.groups).toEqual(['system:nodes', 'extra', 'system:authenticated']);
    expect(tokens.size).toBe(2);
  });
  it('nodes go through the Node authorizer; everyone else is left to RBAC', () => {
    const graph = new NodeGraph();
    const node = { name: 'system:node:n1', groups: ['system:nodes'] };
    const a = (verb: string, resource: string, name = '', subresource = '', namespace = '') => ({
      verb,
      group: '',
      resource,
      subresource,
      namespace,
      name,
    });
    // No `allowed`: no opinion, RBAC decides (and without bindings, denies).
    expect(authorize(node, a('patch', 'nodes', 'n2', 'status'), graph).allowed).toBe(true);
    expect(authorize(node, a('get', 'secrets', 's', '', 'default'), graph)).toEqual({
      reason: "no relationship found between node 'n1' and this object",
    });
    // Component users get no opinion here: their bootstrap bindings decide, through RBAC.
    const sched = { name: 'system:kube-scheduler', groups: [] };
    expect(authorize(sched, a('create', 'pods', 'p', 'binding', 'default'), graph)).toEqual({ reason: '' });
    expect(authorize({ name: 'nobody', groups: [] }, a('get', 'pods', 'p'), graph)).toEqual({ reason: '' });
  });
});

describe('flags', () => {
  it('parses --listen and --service-node-port-range, naming the flag on errors', () => {
    // startFromFlags parses --listen with lib/net's parseHostPort, an empty host meaning 0.0.0.0.
    const parseListen = (text: string) => parseHostPort(text, '--listen', { defaultHost: '0.0.0.0' });
    expect(parseListen('0.0.0.0:6443')).toEqual({ host: '0.0.0.0', port: 6443 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('nope')).toThrow('--listen: invalid address "nope": want HOST:PORT');
    expect(parsePortRange('30000-32767')).toEqual([30000, 32767]);
    expect(() => parsePortRange('5-1')).toThrow('--service-node-port-range');
  });
});

describe('protobuf bodies', () => {
  it('refuses garbage with a 400 or 415 ApiError, never a crash', async () => {
    const { decodeKubernetesProtobuf } = await import('./protobuf.js');
    const { ApiError } = await import('./status.js');
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const body = Buffer.from(
        Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)),
      );
      const input = i % 2 ? Buffer.concat([Buffer.from('k8s\0'), body]) : body;
      try {
        decodeKubernetesProtobuf(input);
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect([400, 415]).toContain((err as InstanceType<typeof ApiError>).statusCode);
      }
    }
  });
});

describe('deletion policy', () => {
  it('holds bound pods for their grace period, never extends it, and holds anything with finalizers', async () => {
    const { deletionHold } = await import('./deletion.js');
    const now = new Date('2026-01-01T00:00:00Z');
    const pod = { group: '', kind: 'Pod' };
    const bound = { metadata: {}, spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30 } };
    expect(deletionHold({ info: pod, current: bound, options: {}, now })).toEqual({
      deadline: '2026-01-01T00:00:30Z',
      grace: 30,
    });
    expect(
      deletionHold({ info: pod, current: bound, options: { gracePeriodSeconds: 0 }, now }),
    ).toBeUndefined();
    expect(
      deletionHold({ info: pod, current: { metadata: {}, spec: {} }, options: {}, now }),
    ).toBeUndefined();
    expect(
      deletionHold({ info: pod, current: { ...bound, status: { phase: 'Succeeded' } }, options: {}, now }),
    ).toBeUndefined();
    const marked = {
      metadata: { deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 5 },
      spec: bound.spec,
    };
    expect(deletionHold({ info: pod, current: marked, options: { gracePeriodSeconds: 60 }, now })).toEqual({
      deadline: '2026-01-01T00:00:05Z',
      grace: 5,
    });
    const cm = { group: '', kind: 'ConfigMap' };
    expect(
      deletionHold({ info: cm, current: { metadata: { finalizers: ['x'] } }, options: {}, now }),
    ).toEqual({
      deadline: '2026-01-01T00:00:00Z',
      grace: 0,
    });
    expect(deletionHold({ info: cm, current: { metadata: {} }, options: {}, now })).toBeUndefined();
  });

  it('turns the propagation policy into the collector finalizers; other finalizers stay', async () => {
    const { gcFinalizers } = await import('./deletion.js');
    expect(gcFinalizers(['x'], 'Foreground')).toEqual(['x', 'foregroundDeletion']);
    expect(gcFinalizers(['orphan', 'x'], 'Foreground')).toEqual(['x', 'foregroundDeletion']);
    expect(gcFinalizers(['foregroundDeletion'], 'Orphan')).toEqual(['orphan']);
    expect(gcFinalizers(['orphan', 'x', 'foregroundDeletion'], 'Background')).toEqual(['x']);
    expect(gcFinalizers(['orphan'], undefined)).toEqual(['orphan']);
  });
});

describe('health answers', () => {
  it('a failing check makes the endpoint 500 and names it', () => {
    const checks = () => [
      { name: 'ping', ok: () => true },
      { name: 'etcd', ok: () => false },
    ];
    const all = healthAnswer({ path: '/readyz', query: new URLSearchParams(), checks });
    expect(all).toEqual({
      status: 500,
      body: '[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n',
    });
    const one = healthAnswer({ path: '/readyz/etcd', query: new URLSearchParams(), checks });
    expect(one?.status).toBe(500);
    const skipped = healthAnswer({ path: '/readyz', query: new URLSearchParams('exclude=etcd'), checks });
    expect(skipped).toEqual({ status: 200, body: 'ok' });
    expect(healthAnswer({ path: '/readyz/other', query: new URLSearchParams(), checks })).toBeUndefined();
  });
});

describe('service-account tokens', () => {
  it('verify under the same key until they expire; another key or a changed payload fails', () => {
    const key = Buffer.alloc(32, 7);
    const now = new Date('2026-01-01T00:00:00Z');
    const { token, expirationTimestamp } = issueToken({
      key,
      subject: { namespace: 'ns', name: 'sa', uid: 'u' },
      audiences: [],
      expirationSeconds: 600,
      now,
    });
    expect(expirationTimestamp).toBe('2026-01-01T00:10:00Z');
    expect(verifyToken(key, token, now)?.name).toBe('system:serviceaccount:ns:sa');
    expect(verifyToken(key, token, new Date('2026-01-01T00:10:00Z'))).toBeUndefined();
    expect(verifyToken(Buffer.alloc(32, 8), token, now)).toBeUndefined();
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(
      JSON.stringify({ ...claims, sub: 'system:serviceaccount:ns:admin' }),
    ).toString('base64url');
    expect(verifyToken(key, `${h}.${tampered}.${sig}`, now)).toBeUndefined();
  });
});
