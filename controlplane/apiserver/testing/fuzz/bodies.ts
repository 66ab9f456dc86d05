/**
 * Generators of request bodies: an object for each kind, subresource and delete-options bodies, patches of every patch type, parser-stressing bodies and minimal protobuf envelopes.
 */
import type { Rng } from './rng.js';
import type { FuzzResource } from './types.js';

/** A body for `kind`, as an object, before any mutation. */
export function objectFor(
  rng: Rng,
  r: FuzzResource | undefined,
  name: string,
  ns: string | undefined,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name };
  if (ns !== undefined && rng.chance(0.5)) metadata.namespace = ns;
  if (rng.chance(0.3)) metadata.labels = { app: rng.pick(['web', 'db']), [rng.pick(['a.b/c', 'tier'])]: 'x' };
  if (rng.chance(0.1))
    metadata.finalizers = [rng.pick(['example.com/f', 'kubernetes', 'foregroundDeletion'])];
  if (rng.chance(0.1)) metadata.resourceVersion = String(rng.int(100));
  // generateName only beside a name (which wins): alone, every create would add an object, and
  // the set the fuzz creates must stay bounded for the memory check to mean anything.
  if (rng.chance(0.05)) metadata.generateName = 'g-';
  if (rng.chance(0.05))
    metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'f1', uid: 'u-1', controller: true },
    ];
  const kind = r?.kind ?? 'ConfigMap';
  const apiVersion = r === undefined ? 'v1' : r.group === '' ? r.version : `${r.group}/${r.version}`;
  const base: Record<string, unknown> = { apiVersion, kind, metadata };
  const podSpec = {
    containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: rng.pick([80, 0, 70000]) }] }],
    ...(rng.chance(0.3) ? { nodeName: rng.pick(['node-1', '']) } : {}),
  };
  const selector = { matchLabels: { app: 'web' } };
  switch (kind) {
    case 'ConfigMap':
      return { ...base, data: { k: 'v', [rng.pick(['a', 'b/c', '..'])]: 'x' } };
    case 'Secret':
      return {
        ...base,
        type: rng.pick(['Opaque', 'kubernetes.io/tls', 'x']),
        data: { k: rng.pick(['dmFsdWU=', '!!!']) },
      };
    case 'Service':
      return {
        ...base,
        spec: {
          type: rng.pick(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'x']),
          selector: { app: 'web' },
          ports: [
            {
              port: rng.pick([80, 0, 65536]),
              targetPort: rng.pick([8080, 'http', -1]),
              nodePort: rng.pick([undefined, 30080, 1]),
            },
          ],
          ...(rng.chance(0.2) ? { clusterIP: rng.pick(['None', '10.96.0.99', '1.2.3.4', 'x']) } : {}),
        },
      };
    case 'Pod':
      return { ...base, spec: podSpec };
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
    case 'StatefulSet':
      return {
        ...base,
        spec: {
          replicas: rng.pick([1, 0, -1, 3]),
          selector,
          template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
        },
      };
    case 'Namespace':
      return base;
    case 'Lease':
      return { ...base, spec: { holderIdentity: 'h', leaseDurationSeconds: rng.pick([15, -1]) } };
    case 'Event':
      return {
        ...base,
        involvedObject: { kind: 'Pod', name: 'p', namespace: ns },
        reason: 'R',
        message: 'm',
        type: 'Normal',
      };
    case 'CustomResourceDefinition':
      return {
        ...base,
        metadata: { name: rng.pick(['widgets.fuzz.example.com', 'bad', 'gadgets.fuzz.example.com']) },
        spec: {
          group: 'fuzz.example.com',
          names: {
            plural: rng.pick(['widgets', 'gadgets']),
            singular: 'widget',
            kind: rng.pick(['Widget', 'Gadget']),
          },
          scope: rng.pick(['Namespaced', 'Cluster', 'x']),
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
                },
              },
            },
          ],
        },
      };
    case 'SelfSubjectAccessReview':
      return {
        ...base,
        spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: ns ?? '' } },
      };
    case 'SelfSubjectRulesReview':
      return { ...base, spec: { namespace: ns ?? 'default' } };
    case 'Node':
      return { ...base, spec: { podCIDR: rng.pick(['10.244.1.0/24', 'x']) } };
    default:
      return { ...base, spec: { x: 1 } };
  }
}

/** Bodies of subresource writes and options. */
export function subresourceBody(rng: Rng, sub: string, name: string): unknown {
  switch (sub) {
    case 'binding':
      return {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name },
        target: { kind: 'Node', name: rng.pick(['node-1', '']) },
      };
    case 'eviction':
      return { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name } };
    case 'token':
      return {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: ['a'], expirationSeconds: rng.pick([600, -1, 1e12]) },
      };
    case 'scale':
      return {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name },
        spec: { replicas: rng.pick([2, -1, 'x']) },
      };
    default:
      return { status: { phase: rng.pick(['Running', 'x']) } };
  }
}

export function deleteOptionsBody(rng: Rng): unknown {
  return {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    ...(rng.chance(0.5)
      ? { gracePeriodSeconds: rng.pick([0, 30, -1, 1.5, 9007199254740991, 8640000000000, 1e300]) }
      : {}),
    ...(rng.chance(0.5) ? { propagationPolicy: rng.pick(['Foreground', 'Background', 'Orphan', 'x']) } : {}),
    ...(rng.chance(0.2) ? { preconditions: { uid: 'u', resourceVersion: '1' } } : {}),
    ...(rng.chance(0.2) ? { dryRun: rng.pick([['All'], ['x'], 'All']) } : {}),
  };
}

/** A patch of the given type (before mutation). */
export function patchBody(rng: Rng, type: string, obj: Record<string, unknown>): unknown {
  const pathOf = (): string =>
    rng.pick([
      '/metadata/labels/app',
      '/metadata/labels/a~1b',
      '/metadata/labels',
      '/metadata/annotations/x',
      '/metadata/resourceVersion',
      '/metadata/name',
      '/metadata/namespace',
      '/metadata/uid',
      '/data/k',
      '/spec/replicas',
      '/spec/ports/0/port',
      '/spec/ports/-',
      '/spec/containers/0/image',
      '/spec/template/spec/containers/5',
      '/status',
      '',
      '/',
      '~2',
      '/a/b/c/d',
      rng.nasty(),
    ]);
  switch (type) {
    case 'application/json-patch+json': {
      const ops: unknown[] = [];
      const n = rng.int(4) + 1;
      for (let i = 0; i < n; i++) {
        const op = rng.pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'x']);
        ops.push({
          op,
          path: pathOf(),
          ...(rng.chance(0.7) ? { value: rng.pick<unknown>(['v', 1, null, { a: 1 }, [1], true]) } : {}),
          ...(op === 'move' || op === 'copy' ? { from: pathOf() } : {}),
        });
      }
      return ops;
    }
    case 'application/strategic-merge-patch+json':
      return rng.pick<unknown>([
        { metadata: { labels: { app: rng.pick(['web', null]) } } },
        {
          spec: {
            containers: [
              { name: 'c', image: 'x' },
              { name: 'c', $patch: 'delete' },
            ],
          },
        },
        {
          spec: {
            template: {
              spec: { containers: [{ name: 'c', $patch: rng.pick(['delete', 'replace', 'merge', 'x']) }] },
            },
          },
        },
        { spec: { ports: [{ port: 80, $patch: 'delete' }] } },
        { $patch: rng.pick(['replace', 'delete', 'x']) },
        { $retainKeys: ['spec'], spec: { x: 1 } },
        { spec: { $setElementOrder: { containers: [{ name: 'c' }] } } },
        { $deleteFromPrimitiveList: { finalizers: ['x'] } },
        { metadata: { finalizers: ['a', 'a'] } },
        { data: null },
      ]);
    case 'application/apply-patch+yaml':
      return obj;
    default:
      return rng.pick<unknown>([
        { metadata: { labels: { app: rng.pick(['web', null, 1]) } } },
        { data: { k: null, n: 'v' } },
        { spec: { replicas: rng.pick([2, null, 'x']) } },
        { metadata: { name: 'other' } },
        { metadata: { namespace: 'fuzz-b' } },
        { metadata: { resourceVersion: '1' } },
        null,
        [],
        'str',
        obj,
      ]);
  }
}

/** Bodies built to stress a parser: deep nesting, huge numbers, YAML aliases. */
export function pathologicalBody(rng: Rng): Buffer {
  const depth = rng.pick([100, 1000, 10_000, 100_000]);
  const make = rng.pick<() => string>([
    () => '['.repeat(depth) + ']'.repeat(depth),
    () => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    () => `${'- '.repeat(Math.min(depth, 5000))}x`,
    () =>
      'a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e]\n',
    () =>
      `{"metadata":{"name":"f1","labels":{${Array.from({ length: 2000 }, (_, i) => `"k${i}":"v"`).join(',')}}}}`,
    () => `{"metadata":{"name":"f1"},"data":{"k":"${'v'.repeat(1024 * 1024)}"}}`,
    () => '\ufeff{"metadata":{"name":"f1"}}',
    () => '1'.repeat(5000),
    () => 'null',
    () => '"',
    () => '',
  ]);
  return Buffer.from(make());
}

/** Minimal protobuf writer: enough for the `k8s\0` envelope and a ConfigMap or Namespace. */
function pbField(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 127) {
    out.push((v & 127) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

export function protobufBody(rng: Rng, name: string, kind: 'ConfigMap' | 'Namespace'): Buffer {
  const meta = pbField(1, Buffer.from(name));
  const entries =
    kind === 'ConfigMap'
      ? [pbField(2, Buffer.concat([pbField(1, Buffer.from('k')), pbField(2, Buffer.from('v'))]))]
      : [];
  const raw = Buffer.concat([pbField(1, meta), ...entries]);
  const typeMeta = Buffer.concat([pbField(1, Buffer.from('v1')), pbField(2, Buffer.from(kind))]);
  const unknown = Buffer.concat([
    pbField(1, typeMeta),
    pbField(2, raw),
    ...(rng.chance(0.1) ? [pbField(3, Buffer.from('gzip'))] : []),
  ]);
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown]);
}
