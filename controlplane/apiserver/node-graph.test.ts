/**
 * The Node authorizer's graph: the references a pod makes readable to its node, orphan clean-up,
 * PV and VolumeAttachment edges.
 */
import { describe, expect, it } from 'vitest';
import { NodeGraph, podReferences, pvReferences } from './node-graph.js';
import { pod, refs } from './testing/node-fixtures.js';

describe('podReferences', () => {
  it('collects secrets, configmaps, claims and the service account from every place a pod names them', () => {
    const p = pod('web', 'n1', {
      serviceAccountName: 'sa',
      imagePullSecrets: [{ name: 'pull' }],
      initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'init-env' } }] }],
      containers: [
        {
          name: 'c',
          env: [
            { name: 'A', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } },
            { name: 'B', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } },
            { name: 'C', value: 'plain' },
          ],
          envFrom: [{ configMapRef: { name: 'envfrom-cm' } }],
        },
      ],
      ephemeralContainers: [{ name: 'e', envFrom: [{ secretRef: { name: 'debug' } }] }],
      volumes: [
        { name: 'v1', secret: { secretName: 'vol-secret' } },
        { name: 'v2', configMap: { name: 'vol-cm' } },
        {
          name: 'v3',
          projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }] },
        },
        { name: 'v4', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'scratch', ephemeral: { volumeClaimTemplate: {} } },
        { name: 'v6', csi: { driver: 'd', nodePublishSecretRef: { name: 'csi-secret' } } },
        { name: 'v7', rbd: { monitors: [], image: 'x', secretRef: { name: 'rbd-secret' } } },
      ],
    });
    expect(podReferences(p)).toEqual({
      namespace: 'ns',
      name: 'web',
      uid: 'uid-web',
      nodeName: 'n1',
      mirror: false,
      serviceAccount: 'sa',
      secrets: [
        'pull',
        'init-env',
        'env-secret',
        'debug',
        'vol-secret',
        'proj-secret',
        'csi-secret',
        'rbd-secret',
      ],
      configMaps: ['envfrom-cm', 'env-cm', 'vol-cm', 'proj-cm'],
      claims: ['data', 'web-scratch'],
    });
  });

  it('is undefined for a pod not bound yet; marks mirror pods', () => {
    expect(podReferences(pod('p', ''))).toBeUndefined();
    expect(refs(pod('p', 'n1', {}, { annotations: { 'kubernetes.io/config.mirror': 'x' } })).mirror).toBe(
      true,
    );
  });
});

describe('NodeGraph', () => {
  it('a node reaches what its pods reference, not what pods on other nodes reference', () => {
    const g = new NodeGraph();
    g.addPod(refs(pod('a', 'n1', { volumes: [{ name: 'v', secret: { secretName: 'shared' } }] })));
    g.addPod(
      refs(
        pod('b', 'n2', {
          serviceAccountName: 'b-sa',
          volumes: [
            { name: 'v', secret: { secretName: 'shared' } },
            { name: 'w', secret: { secretName: 'only-b' } },
          ],
        }),
      ),
    );
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'shared')).toBe(true);
    expect(g.hasPathFrom('n2', 'secret', 'ns', 'shared')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 'only-b')).toBe(false);
    expect(g.hasPathFrom('n2', 'serviceaccount', 'ns', 'b-sa')).toBe(true);
    expect(g.hasPathFrom('n1', 'serviceaccount', 'ns', 'b-sa')).toBe(false);
    expect(g.hasPathFrom('n1', 'secret', 'other-ns', 'shared')).toBe(false);
    expect(g.hasPathFrom('n3', 'secret', 'ns', 'shared')).toBe(false);
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'a')).toBe(true);
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'b')).toBe(false);
  });

  it('deleting a pod removes the vertices only it kept alive, and shared ones stay', () => {
    const g = new NodeGraph();
    g.addPod(refs(pod('a', 'n1', { volumes: [{ name: 'v', secret: { secretName: 's' } }] })));
    g.addPod(refs(pod('b', 'n1', { volumes: [{ name: 'v', secret: { secretName: 's' } }] })));
    g.deletePod('ns', 'a');
    expect(g.hasPathFrom('n1', 'secret', 'ns', 's')).toBe(true);
    g.deletePod('ns', 'b');
    expect(g.hasPathFrom('n1', 'secret', 'ns', 's')).toBe(false);
    expect(g.dump()).toEqual([]);
  });

  it('re-adding a pod replaces its edges (a pod moved to another node, recreated with other refs)', () => {
    const g = new NodeGraph();
    g.addPod(refs(pod('a', 'n1', { volumes: [{ name: 'v', configMap: { name: 'old' } }] })));
    g.addPod(refs(pod('a', 'n2', { volumes: [{ name: 'v', configMap: { name: 'new' } }] })));
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'old')).toBe(false);
    expect(g.hasPathFrom('n2', 'configmap', 'ns', 'new')).toBe(true);
    expect(g.dump()).toEqual(['configmap/ns/new', 'node//n2', 'pod/ns/a']);
  });

  it('an object many pods share follows each pod in and out (the destination index)', () => {
    const g = new NodeGraph();
    const shared = { name: 'root-ca', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } };
    for (let i = 0; i < 6; i++) g.addPod(refs(pod(`p${i}`, `n${i % 3}`, { volumes: [shared] })));
    for (const n of ['n0', 'n1', 'n2'])
      expect(g.hasPathFrom(n, 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true);
    g.deletePod('ns', 'p0');
    expect(g.hasPathFrom('n0', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true); // p3 is on n0 too
    g.deletePod('ns', 'p3');
    expect(g.hasPathFrom('n0', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(false);
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true);
    // A pod moving to another node moves the access with it.
    g.addPod(refs(pod('p1', 'n0', { volumes: [shared] })));
    expect(g.hasPathFrom('n0', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true);
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(true); // p4
    g.deletePod('ns', 'p4');
    expect(g.hasPathFrom('n1', 'configmap', 'ns', 'kube-root-ca.crt')).toBe(false);
    for (const p of ['p1', 'p2', 'p5']) g.deletePod('ns', p);
    expect(g.dump()).toEqual([]);
  });

  it('mirror pods give their node nothing but the pod itself', () => {
    const g = new NodeGraph();
    const mirror = pod(
      'static',
      'n1',
      { serviceAccountName: 'sa', volumes: [{ name: 'v', secret: { secretName: 's' } }] },
      { annotations: { 'kubernetes.io/config.mirror': 'hash' } },
    );
    g.addPod(refs(mirror));
    expect(g.hasPathFrom('n1', 'pod', 'ns', 'static')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'ns', 's')).toBe(false);
    expect(g.hasPathFrom('n1', 'serviceaccount', 'ns', 'sa')).toBe(false);
  });

  it('follows pod → pvc ← pv ← csi secret, and volume attachments to their node', () => {
    const g = new NodeGraph();
    g.addPod(
      refs(pod('db', 'n1', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] })),
    );
    const pv = {
      metadata: { name: 'pv-1' },
      spec: {
        claimRef: { namespace: 'ns', name: 'data' },
        csi: {
          driver: 'd',
          volumeHandle: 'h',
          nodeStageSecretRef: { namespace: 'kube-system', name: 'stage' },
          controllerPublishSecretRef: { namespace: 'kube-system', name: 'controller-only' },
        },
      },
    };
    expect(pvReferences(pv)).toEqual({
      name: 'pv-1',
      claim: { namespace: 'ns', name: 'data' },
      secrets: [{ namespace: 'kube-system', name: 'stage' }],
    });
    g.addPV(pvReferences(pv));
    expect(g.hasPathFrom('n1', 'pvc', 'ns', 'data')).toBe(true);
    expect(g.hasPathFrom('n1', 'pv', '', 'pv-1')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'kube-system', 'stage')).toBe(true);
    expect(g.hasPathFrom('n1', 'secret', 'kube-system', 'controller-only')).toBe(false);
    expect(g.hasPathFrom('n2', 'pv', '', 'pv-1')).toBe(false);
    g.deletePV('pv-1');
    expect(g.hasPathFrom('n1', 'pv', '', 'pv-1')).toBe(false);
    g.addVolumeAttachment('va', 'n2');
    expect(g.hasPathFrom('n2', 'volumeattachment', '', 'va')).toBe(true);
    g.addVolumeAttachment('va', '');
    expect(g.hasPathFrom('n2', 'volumeattachment', '', 'va')).toBe(false);
  });
});
