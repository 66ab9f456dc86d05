/**
 * kubectl 1.32 apply (client-side strategic merge and server-side apply) against a real server:
 * list keys from Kubernetes' schema (ports by port and protocol), no-op re-applies that change
 * neither generation nor resourceVersion, `kubectl diff` empty after an apply, and
 * managedFields ownership and conflicts as kube-apiserver reports them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from './testing/harness.js';

const { k, file } = useTestServer();

const SPEAKER = readFileSync(join(import.meta.dirname, 'testdata', 'metallb-speaker-daemonset.yaml'), 'utf8');

const DNS = (ns: string) => `apiVersion: v1
kind: Service
metadata:
  name: dns
  namespace: ${ns}
spec:
  selector: {app: dns}
  ports:
  - {name: dns-udp, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
`;

const DEPLOY = (ns: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - {containerPort: 53, protocol: UDP}
        - {containerPort: 53, protocol: TCP}
`;

async function ok(...args: string[]): Promise<string> {
  const r = await k(...args);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function versions(kind: string, ns: string, name: string): Promise<{ generation: number; rv: string }> {
  const o = JSON.parse(await ok('get', kind, name, '-n', ns, '-o', 'json')) as {
    metadata: { generation: number; resourceVersion: string };
  };
  return { generation: o.metadata.generation, rv: o.metadata.resourceVersion };
}

beforeAll(async () => {
  for (const ns of ['metallb-system', 'csa', 'ssa', 'own']) await ok('create', 'namespace', ns);
});

describe('kubectl apply with list keys from the schema', () => {
  it("applies MetalLB's speaker (7946/TCP and 7946/UDP) server-side twice", async () => {
    const f = file('speaker.yaml', SPEAKER);
    expect(await ok('apply', '--server-side', '-f', f)).toContain(
      'daemonset.apps/speaker serverside-applied',
    );
    const before = await versions('daemonset', 'metallb-system', 'speaker');
    expect(await ok('apply', '--server-side', '-f', f)).toContain(
      'daemonset.apps/speaker serverside-applied',
    );
    expect(await versions('daemonset', 'metallb-system', 'speaker')).toEqual(before);
    const ports = JSON.parse(
      await ok(
        'get',
        'ds',
        'speaker',
        '-n',
        'metallb-system',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].ports}',
      ),
    ) as { name: string; protocol: string }[];
    expect(ports.map((p) => `${p.name}/${p.protocol}`)).toEqual([
      'metricshttps/TCP',
      'memberlist-tcp/TCP',
      'memberlist-udp/UDP',
    ]);
    expect(await ok('diff', '--server-side', '-f', f)).toBe('');
  });

  it('applies the speaker client-side twice: unchanged, and kubectl diff is empty', async () => {
    const f = file('speaker-csa.yaml', SPEAKER.replace('namespace: metallb-system', 'namespace: csa'));
    expect(await ok('apply', '-f', f)).toContain('daemonset.apps/speaker created');
    const before = await versions('daemonset', 'csa', 'speaker');
    expect(await ok('apply', '-f', f)).toContain('daemonset.apps/speaker unchanged');
    expect(await versions('daemonset', 'csa', 'speaker')).toEqual(before);
    expect(await ok('diff', '-f', f)).toBe('');
  });

  it('moves the client-side applied speaker to server-side apply without conflicts', async () => {
    const f = file('speaker-csa.yaml', SPEAKER.replace('namespace: metallb-system', 'namespace: csa'));
    const before = await versions('daemonset', 'csa', 'speaker');
    for (let i = 0; i < 2; i++) {
      const r = await k('apply', '--server-side', '-f', f);
      expect(r).toMatchObject({ code: 0, stderr: '' });
    }
    expect((await versions('daemonset', 'csa', 'speaker')).generation).toBe(before.generation);
    const owners = (
      await ok(
        'get',
        'ds',
        'speaker',
        '-n',
        'csa',
        '--show-managed-fields',
        '-o',
        'jsonpath={.metadata.managedFields[*].manager}',
      )
    ).split(' ');
    expect(owners).toContain('kubectl');
    expect(owners).not.toContain('kubectl-client-side-apply');
    expect(await ok('diff', '--server-side', '-f', f)).toBe('');
  });

  it('applies a Service with 53/UDP and 53/TCP both ways, twice each', async () => {
    const csa = file('dns-csa.yaml', DNS('csa'));
    expect(await ok('apply', '-f', csa)).toContain('service/dns created');
    expect(await ok('apply', '-f', csa)).toContain('service/dns unchanged');
    const ssa = file('dns-ssa.yaml', DNS('ssa'));
    await ok('apply', '--server-side', '-f', ssa);
    const before = await versions('service', 'ssa', 'dns');
    await ok('apply', '--server-side', '-f', ssa);
    expect(await versions('service', 'ssa', 'dns')).toEqual(before);
    const ports = await ok('get', 'svc', 'dns', '-n', 'ssa', '-o', 'jsonpath={.spec.ports[*].name}');
    expect(ports).toBe('dns-udp dns-tcp');
    expect(await ok('diff', '-f', csa)).toBe('');
    expect(await ok('diff', '--server-side', '-f', ssa)).toBe('');
  });

  it('re-applies a Deployment ($retainKeys patch) without raising generation or resourceVersion', async () => {
    const f = file('deploy.yaml', DEPLOY('csa'));
    await ok('apply', '-f', f);
    const before = await versions('deployment', 'csa', 'web');
    expect(before.generation).toBe(1);
    // kubectl always sends {"spec":{"strategy":{"$retainKeys":["type"]}}} here and so reports
    // "configured", as against kube-apiserver; the server must find nothing changed.
    expect(await ok('apply', '-f', f)).toContain('deployment.apps/web configured');
    expect(await versions('deployment', 'csa', 'web')).toEqual(before);
    expect(await ok('diff', '-f', f)).toBe('');
    // A real change still counts.
    await ok('apply', '-f', file('deploy3.yaml', DEPLOY('csa', 3)));
    expect((await versions('deployment', 'csa', 'web')).generation).toBe(2);
  });
});

describe('managedFields', () => {
  it('records the applier, prunes what it stops applying, and reports conflicts unless forced', async () => {
    const cm = (data: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  namespace: own
data:
${data}`;
    await ok(
      'apply',
      '--server-side',
      '--field-manager',
      'alice',
      '-f',
      file('cm1.yaml', cm('  a: "1"\n  b: "2"\n')),
    );
    const shown = JSON.parse(
      await ok('get', 'cm', 'cfg', '-n', 'own', '-o', 'json', '--show-managed-fields'),
    ) as {
      metadata: { managedFields: Record<string, unknown>[] };
    };
    expect(shown.metadata.managedFields).toEqual([
      {
        manager: 'alice',
        operation: 'Apply',
        apiVersion: 'v1',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
      },
    ]);
    // kubectl hides managedFields unless asked.
    expect(await ok('get', 'cm', 'cfg', '-n', 'own', '-o', 'yaml')).not.toContain('managedFields');
    // Another manager takes b with the same value (shared) and adds c.
    await ok(
      'apply',
      '--server-side',
      '--field-manager',
      'bob',
      '-f',
      file('cm2.yaml', cm('  b: "2"\n  c: "3"\n')),
    );
    // alice stops applying a and b: a goes, b stays (bob owns it too).
    await ok('apply', '--server-side', '--field-manager', 'alice', '-f', file('cm3.yaml', cm('  d: "4"\n')));
    const data = JSON.parse(await ok('get', 'cm', 'cfg', '-n', 'own', '-o', 'jsonpath={.data}'));
    expect(data).toEqual({ b: '2', c: '3', d: '4' });
    // alice changing bob's c conflicts.
    const conflict = await k(
      'apply',
      '--server-side',
      '--field-manager',
      'alice',
      '-f',
      file('cm4.yaml', cm('  c: "9"\n  d: "4"\n')),
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "bob": .data.c');
    // Forced, alice takes c over; bob keeps only b.
    await ok(
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager',
      'alice',
      '-f',
      file('cm5.yaml', cm('  c: "9"\n  d: "4"\n')),
    );
    const after = JSON.parse(
      await ok('get', 'cm', 'cfg', '-n', 'own', '-o', 'json', '--show-managed-fields'),
    ) as {
      data: Record<string, string>;
      metadata: { managedFields: { manager: string; fieldsV1: unknown }[] };
    };
    expect(after.data).toEqual({ b: '2', c: '9', d: '4' });
    expect(Object.fromEntries(after.metadata.managedFields.map((e) => [e.manager, e.fieldsV1]))).toEqual({
      bob: { 'f:data': { 'f:b': {} } },
      alice: { 'f:data': { 'f:c': {}, 'f:d': {} } },
    });
  });

  it('records list-map items by their keys, and an update by kubectl edit-style patch as Update', async () => {
    await ok('apply', '--server-side', '-f', file('dns-own.yaml', DNS('own')));
    const svc = JSON.parse(
      await ok('get', 'svc', 'dns', '-n', 'own', '-o', 'json', '--show-managed-fields'),
    ) as {
      metadata: {
        managedFields: {
          manager: string;
          operation: string;
          fieldsV1: { 'f:spec': Record<string, Record<string, unknown>> };
        }[];
      };
    };
    const mine = svc.metadata.managedFields.find((e) => e.manager === 'kubectl');
    expect(mine?.operation).toBe('Apply');
    expect(Object.keys(mine?.fieldsV1['f:spec']?.['f:ports'] ?? {})).toEqual([
      'k:{"port":53,"protocol":"TCP"}',
      'k:{"port":53,"protocol":"UDP"}',
    ]);
    await ok('label', 'svc', 'dns', '-n', 'own', 'tier=edge');
    const labelled = JSON.parse(
      await ok('get', 'svc', 'dns', '-n', 'own', '-o', 'json', '--show-managed-fields'),
    ) as {
      metadata: { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] };
    };
    const label = labelled.metadata.managedFields.find((e) => e.manager === 'kubectl-label');
    expect(label).toMatchObject({
      operation: 'Update',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:tier': {} } } },
    });
  });
});
