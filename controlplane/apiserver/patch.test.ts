import { describe, expect, it } from 'vitest';
import type { Json } from '../../lib/api/json.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const SERVICE = 'io.k8s.api.core.v1.Service';
const POD = 'io.k8s.api.core.v1.Pod';

import { ApiError } from './status.js';

describe('JSON merge patch (RFC 7386)', () => {
  it('follows the RFC 7386 appendix A examples', () => {
    const cases: [Json, Json, Json][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['c', 'd'],
      ],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, want] of cases) expect(mergePatch(target, patch)).toEqual(want);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test, escaping ~0 and ~1', () => {
    const doc = { a: { 'b/c': 1, 'd~e': 2 }, list: [1, 2, 3] };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/list/1', value: 9 },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/a/b~1c', value: 'x' },
      { op: 'move', from: '/a/d~0e', path: '/moved' },
      { op: 'copy', from: '/moved', path: '/copied' },
      { op: 'test', path: '/copied', value: 2 },
    ]);
    expect(out).toEqual({ a: { 'b/c': 'x' }, list: [9, 2, 3, 4], moved: 2, copied: 2 });
    expect(doc.list).toEqual([1, 2, 3]);
  });

  it('rejects the whole patch when one operation fails', () => {
    expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(ApiError);
    expect(() => jsonPatch({ a: 1 }, [{ op: 'remove', path: '/nope' }])).toThrow(/does not exist/);
    expect(() => jsonPatch({ l: [] }, [{ op: 'add', path: '/l/5', value: 1 }])).toThrow(/out of range/);
    expect(() => jsonPatch({}, { op: 'add' })).toThrow(/array of operations/);
  });

  it('refuses move and copy whose "from" is missing or not a string (found by the fuzz test)', () => {
    for (const op of ['move', 'copy']) {
      expect(() => jsonPatch({ a: 1 }, [{ op, path: '/b', from: 1.5 }])).toThrow(ApiError);
      expect(() => jsonPatch({ a: 1 }, [{ op, path: '/b', from: 1.5 }])).toThrow(/needs "from" as a string/);
      expect(() => jsonPatch({ a: 1 }, [{ op, path: '/b' }])).toThrow(/needs "from" as a string/);
    }
  });
});

describe('strategic merge patch', () => {
  const deployment = {
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            {
              name: 'app',
              image: 'app:1',
              ports: [{ containerPort: 80 }, { containerPort: 443 }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
            { name: 'sidecar', image: 'side:1' },
          ],
          volumes: [{ name: 'v1', emptyDir: {} }],
        },
      },
    },
    metadata: { finalizers: ['a'] },
  };

  it('merges containers by name, ports by containerPort, env by name (what kubectl apply sends)', () => {
    const out = strategicMergePatch(
      deployment,
      {
        spec: {
          replicas: 1,
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
              containers: [
                {
                  name: 'app',
                  image: 'app:2',
                  env: [
                    { name: 'B', value: '3' },
                    { name: 'C', value: '4' },
                  ],
                },
                { name: 'sidecar', ports: [{ containerPort: 9090 }] },
              ],
            },
          },
        },
      } as Json,
      DEPLOYMENT,
    ) as typeof deployment;
    const cs = out.spec.template.spec.containers;
    expect(cs.map((c) => c.name)).toEqual(['sidecar', 'app']);
    const app = cs[1] as (typeof cs)[0];
    expect(app.image).toBe('app:2');
    expect(app.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
    expect(app.ports).toEqual([{ containerPort: 80 }, { containerPort: 443 }]);
    expect(cs[0]).toEqual({ name: 'sidecar', image: 'side:1', ports: [{ containerPort: 9090 }] });
    expect(out.spec.replicas).toBe(1);
  });

  it('honours $patch: delete in a list, $patch: replace on a map, $retainKeys and $deleteFromPrimitiveList', () => {
    const out = strategicMergePatch(
      deployment,
      {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'sidecar', $patch: 'delete' }],
              volumes: [{ name: 'v1', configMap: { name: 'cm' }, $retainKeys: ['name', 'configMap'] }],
            },
          },
        },
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
      },
      DEPLOYMENT,
    ) as typeof deployment;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['app']);
    expect(out.spec.template.spec.volumes).toEqual([{ name: 'v1', configMap: { name: 'cm' } }]);
    expect(out.metadata.finalizers).toEqual([]);
    const replaced = strategicMergePatch(
      { spec: { selector: { a: '1', b: '2' } } },
      {
        spec: { selector: { c: '3', $patch: 'replace' } },
      },
    );
    expect(replaced).toEqual({ spec: { selector: { c: '3' } } });
  });

  it('merges Service ports by port; lists without a merge key are replaced', () => {
    const svc = {
      spec: {
        ports: [
          { port: 80, name: 'http' },
          { port: 443, name: 'https' },
        ],
        externalIPs: ['1.1.1.1'],
      },
    };
    const out = strategicMergePatch(
      svc,
      {
        spec: { ports: [{ port: 443, targetPort: 8443 }], externalIPs: ['2.2.2.2'] },
      },
      SERVICE,
    );
    expect(out).toEqual({
      spec: {
        ports: [
          { port: 80, name: 'http' },
          { port: 443, name: 'https', targetPort: 8443 },
        ],
        externalIPs: ['2.2.2.2'],
      },
    });
    // A set list keeps one of each; the elements the patch names come in the patch's order.
    expect(
      strategicMergePatch(
        { metadata: { finalizers: ['a', 'c'] } },
        { metadata: { finalizers: ['b', 'a'] } },
        POD,
      ),
    ).toEqual({
      metadata: { finalizers: ['b', 'a', 'c'] },
    });
  });

  it('orders merged lists as apimachinery does: new elements before the old ones that follow them', () => {
    const pod = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }, { name: 'c' }] } };
    // kubernetes.io "Update API Objects in Place Using kubectl patch": the added container comes first.
    expect(strategicMergePatch(pod, { spec: { containers: [{ name: 'n', image: 'redis' }] } }, POD)).toEqual({
      spec: {
        containers: [{ name: 'n', image: 'redis' }, { name: 'a', image: 'x' }, { name: 'b' }, { name: 'c' }],
      },
    });
    // Patched elements keep their places relative to the untouched ones.
    expect(strategicMergePatch(pod, { spec: { containers: [{ name: 'b', image: 'y' }] } }, POD)).toEqual({
      spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }, { name: 'c' }] },
    });
    // $setElementOrder decides the order of the elements it lists.
    const ordered = strategicMergePatch(
      pod,
      {
        spec: {
          '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }],
          containers: [{ name: 'c', image: 'z' }],
        },
      },
      POD,
    ) as { spec: { containers: { name: string }[] } };
    expect(ordered.spec.containers.map((c) => c.name)).toEqual(['b', 'c', 'a']);
  });
});
