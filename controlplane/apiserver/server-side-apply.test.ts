/** Server-side apply over the schema table: field sets, list-map merges, pruning and conflicts. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../lib/api/json.js';
import { fieldSetOf, fromFieldsV1, members, toFieldsV1 } from './field-sets.js';
import { recordUpdate, serverSideApply } from './server-side-apply.js';
import { ApiError } from './status.js';

const POD = 'io.k8s.api.core.v1.Pod';
const NOW = '2026-01-01T00:00:00Z';
const pod = (ports: JsonObject[]): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'x' } },
  spec: { containers: [{ name: 'c', image: 'i', ports }] },
});

describe('field sets', () => {
  it('writes list-map items by their (defaulted) keys in FieldsV1 notation', () => {
    const set = fieldSetOf(pod([{ containerPort: 7946 }, { containerPort: 7946, protocol: 'UDP' }]), POD);
    const v1 = toFieldsV1(set);
    expect(v1).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"c"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:ports': {
              'k:{"containerPort":7946,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
              'k:{"containerPort":7946,"protocol":"UDP"}': {
                '.': {},
                'f:containerPort': {},
                'f:protocol': {},
              },
            },
          },
        },
      },
    });
    expect(members(fromFieldsV1(v1)).map(String).sort()).toEqual(members(set).map(String).sort());
  });
});

describe('serverSideApply', () => {
  it('merges ports by port and protocol and keeps both 7946 entries on a second apply', () => {
    const applied = pod([
      { containerPort: 7946, name: 'tcp' },
      { containerPort: 7946, protocol: 'UDP', name: 'udp' },
    ]);
    const once = serverSideApply({}, applied, POD, { manager: 'm', operation: 'Apply' }, NOW);
    const twice = serverSideApply(once, applied, POD, { manager: 'm', operation: 'Apply' }, NOW);
    expect(twice).toEqual(once);
    const spec = twice.spec as { containers: { ports: unknown[] }[] };
    expect(spec.containers[0]?.ports).toHaveLength(2);
  });

  it("prunes the same manager's dropped list items and reports others' fields as conflicts", () => {
    const a = { manager: 'a', operation: 'Apply' } as const;
    const first = serverSideApply({}, pod([{ containerPort: 1 }, { containerPort: 2 }]), POD, a, NOW);
    const second = serverSideApply(first, pod([{ containerPort: 2 }]), POD, a, NOW);
    expect((second.spec as { containers: { ports: unknown[] }[] }).containers[0]?.ports).toEqual([
      { containerPort: 2 },
    ]);
    // Another writer changes the image (an Update), then a's apply of another image conflicts.
    const edited = structuredClone(second);
    (edited.spec as { containers: { image: string }[] }).containers[0]!.image = 'j';
    recordUpdate(second, edited, POD, { manager: 'editor', operation: 'Update' }, NOW);
    let err: unknown;
    try {
      serverSideApply(edited, pod([{ containerPort: 2 }]), POD, a, NOW);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).statusCode).toBe(409);
    expect((err as ApiError).message).toBe(
      'Apply failed with 1 conflict: conflict with "editor" using v1 at 2026-01-01T00:00:00Z: .spec.containers[name="c"].image',
    );
    const forced = serverSideApply(edited, pod([{ containerPort: 2 }]), POD, { ...a, force: true }, NOW);
    expect((forced.spec as { containers: { image: string }[] }).containers[0]?.image).toBe('i');
    const managers = (forced.metadata as { managedFields: { manager: string }[] }).managedFields.map(
      (e) => e.manager,
    );
    expect(managers).toEqual(['a']);
  });
});
