/**
 * main.ts's pure helpers and pod-objects' references: the node IP choice, the relist's
 * fingerprints of the pods' runtime state, which ConfigMaps and Secrets a pod refers to, and the
 * serving pair made once with openssl and reused.
 */

import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Container } from '../../lib/api/index.js';
import { nodeIPs, runtimeFingerprints } from './main.js';
import { LABEL_POD_UID } from './observed.js';
import { referencedObjects } from './pod-objects.js';
import { ensureServingPair } from './serving-cert.js';
import { kubeletPod } from './testing/fixtures.js';

describe('nodeIPs', () => {
  it('takes --node-ip, else a global address of the machine', () => {
    expect(nodeIPs({ nodeIP: '172.30.0.11' })).toEqual(['172.30.0.11']);
    const found = nodeIPs({});
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).not.toMatch(/^fe80/);
  });
});

describe('runtimeFingerprints', () => {
  it('changes for a pod whose container changed state or appeared, not for the others', () => {
    const labels = (uid: string) => ({ [LABEL_POD_UID]: uid });
    const sandboxes = [
      { id: 's1', state: 'SANDBOX_READY' as const, labels: labels('u1') },
      { id: 's2', state: 'SANDBOX_READY' as const, labels: labels('u2') },
      { id: 'x', state: 'SANDBOX_READY' as const, labels: {} },
    ];
    const running = [{ id: 'c1', state: 'CONTAINER_RUNNING' as const, labels: labels('u1') }];
    const before = runtimeFingerprints(sandboxes, running);
    expect([...before.keys()].sort()).toEqual(['u1', 'u2']);
    const exited = runtimeFingerprints(sandboxes, [{ ...running[0]!, state: 'CONTAINER_EXITED' as const }]);
    expect(exited.get('u1')).not.toBe(before.get('u1'));
    expect(exited.get('u2')).toBe(before.get('u2'));
    const added = runtimeFingerprints(sandboxes, [
      ...running,
      { id: 'c2', state: 'CONTAINER_CREATED' as const, labels: labels('u2') },
    ]);
    expect(added.get('u2')).not.toBe(before.get('u2'));
    expect(added.get('u1')).toBe(before.get('u1'));
  });
});

describe('referencedObjects', () => {
  it('collects env, envFrom and volume references', () => {
    const app: Container & { envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[] } =
      {
        name: 'app',
        image: 'busybox',
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'a' } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 's-env', key: 'b' } } },
        ],
        envFrom: [{ configMapRef: { name: 'cm-from' } }, { secretRef: { name: 's-from' } }],
      };
    const pod = kubeletPod({
      containers: [app],
      volumes: [
        { name: 'v1', configMap: { name: 'cm-vol' } },
        { name: 'v2', secret: { secretName: 's-vol' } },
        { name: 'v3', emptyDir: {} },
      ],
    });
    const refs = referencedObjects(pod);
    expect([...refs.configMaps].sort()).toEqual(['cm-env', 'cm-from', 'cm-vol']);
    expect([...refs.secrets].sort()).toEqual(['s-env', 's-from', 's-vol']);
  });
});

describe('ensureServingPair', () => {
  it('makes a self-signed pair for the node name and IPs once, then reuses it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sy-kubelet-pki-'));
    try {
      const pair = await ensureServingPair(root, 'node-1', ['10.0.0.11']);
      const cert = new X509Certificate(readFileSync(pair.certFile));
      expect(cert.subjectAltName).toBe('DNS:node-1, IP Address:10.0.0.11');
      expect(cert.subject).toMatch(/^CN=node-1@\d+$/);
      const made = statSync(pair.certFile).mtimeMs;
      expect(await ensureServingPair(root, 'node-1', ['10.0.0.11'])).toEqual(pair);
      expect(statSync(pair.certFile).mtimeMs).toBe(made);
      expect(statSync(pair.keyFile).mode & 0o077).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
