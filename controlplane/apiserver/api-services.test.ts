/**
 * APIService against a real server over HTTPS (validation, Available=False for a service-backed
 * one), and install-manifest style `kubectl apply` of webhook configurations and APIServices
 * with the real kubectl 1.32.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestServer } from './testing/harness.js';
import { eventually } from './testing/wait.js';

const h = useTestServer();
const { k, api, file } = h;

describe('APIService', () => {
  const path = '/apis/apiregistration.k8s.io/v1/apiservices';
  const metrics = {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: 'v1beta1.metrics.k8s.io' },
    spec: {
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      groupPriorityMinimum: 100,
      versionPriority: 100,
      insecureSkipTLSVerify: true,
      service: { namespace: 'kube-system', name: 'metrics-server' },
    },
  };

  it('validates the name and priorities', async () => {
    const bad = await api('POST', path, {
      metadata: { name: 'metrics' },
      spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 0, versionPriority: 5000 },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain(
      'metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"',
    );
    expect(bad.json.message).toContain(
      'spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000',
    );
    expect(bad.json.message).toContain(
      'spec.versionPriority: Invalid value: 5000: must be positive and less than 1000',
    );
  });

  it('a service-backed APIService is Available=False (not proxied)', async () => {
    const r = await k('apply', '-f', file('apiservice.json', JSON.stringify(metrics)));
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io created');
    const notFound = await eventually(
      () => api('GET', `${path}/v1beta1.metrics.k8s.io`),
      (a) => JSON.stringify(a.json.status ?? {}).includes('ServiceNotFound'),
    );
    expect(notFound.json.status).toMatchObject({
      conditions: [
        {
          type: 'Available',
          status: 'False',
          reason: 'ServiceNotFound',
          message: 'service/metrics-server in "kube-system" is not present',
        },
      ],
    });
    const svc = await api('POST', '/api/v1/namespaces/kube-system/services', {
      metadata: { name: 'metrics-server' },
      spec: { ports: [{ port: 443, targetPort: 10250 }], selector: { k8s: 'metrics' } },
    });
    expect(svc.status).toBe(201);
    const failing = await eventually(
      () => api('GET', `${path}/v1beta1.metrics.k8s.io`),
      (a) => JSON.stringify(a.json.status ?? {}).includes('FailedDiscoveryCheck'),
    );
    expect(failing.json.status).toMatchObject({
      conditions: [{ type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck' }],
    });
    const table = await k('get', 'apiservice', 'v1beta1.metrics.k8s.io');
    expect(table.stdout).toMatch(/^NAME\s+SERVICE\s+AVAILABLE\s+AGE\n/);
    expect(table.stdout).toMatch(
      /v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+False \(FailedDiscoveryCheck\)\s+/,
    );
    // metrics.k8s.io itself is served by this API server (metrics-api/), whatever the APIService says.
    expect((await api('GET', '/apis/metrics.k8s.io/v1beta1')).status).toBe(200);
    expect((await k('delete', '-f', join(h.t.dir, 'apiservice.json'))).code).toBe(0);
  });
});

describe('install-manifest style apply of these kinds', () => {
  // Shaped as ingress-nginx's admission webhook and metrics-server's APIService (trimmed).
  const MANIFEST = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: ingress-nginx-admission
  labels: {app.kubernetes.io/name: ingress-nginx}
webhooks:
- admissionReviewVersions: [v1]
  clientConfig:
    service: {name: ingress-nginx-controller-admission, namespace: ingress-nginx, path: /networking/v1/ingresses}
  failurePolicy: Fail
  matchPolicy: Equivalent
  name: validate.nginx.ingress.kubernetes.io
  rules:
  - {apiGroups: [networking.k8s.io], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [ingresses]}
  sideEffects: None
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: app-high}
value: 100000
description: high
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: manifest-web, namespace: default}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: manifest-web}}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  labels: {k8s-app: metrics-server}
  name: v1beta1.custom.metrics.k8s.io
spec:
  group: custom.metrics.k8s.io
  groupPriorityMinimum: 100
  insecureSkipTLSVerify: true
  service: {name: metrics-server, namespace: kube-system}
  version: v1beta1
  versionPriority: 100
`;

  it('applies client- and server-side twice, diff stays empty, generation kept, get -f and delete -f work', async () => {
    const f = file('manifest.yaml', MANIFEST);
    const first = await k('apply', '-f', f);
    expect(first.stderr).toBe('');
    expect(first.stdout.trim().split('\n')).toEqual([
      'validatingwebhookconfiguration.admissionregistration.k8s.io/ingress-nginx-admission created',
      'priorityclass.scheduling.k8s.io/app-high created',
      'poddisruptionbudget.policy/manifest-web created',
      'apiservice.apiregistration.k8s.io/v1beta1.custom.metrics.k8s.io created',
    ]);
    // Second apply: the webhook list merges by name (kubectl sends a partial entry). kubectl
    // itself re-sends lists the server defaulted into (rules' scope) and a PDB's selector
    // (patchStrategy replace), as against kube-apiserver; nothing changes.
    const second = await k('apply', '-f', f);
    expect(second.stderr).toBe('');
    expect(second.stdout).toContain('priorityclass.scheduling.k8s.io/app-high unchanged');
    expect(second.stdout).toContain(
      'apiservice.apiregistration.k8s.io/v1beta1.custom.metrics.k8s.io unchanged',
    );
    const vwc =
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/ingress-nginx-admission';
    expect((await api('GET', vwc)).json.metadata).toMatchObject({ generation: 1 });
    expect(await k('diff', '-f', f)).toMatchObject({ code: 0, stdout: '' });
    for (let i = 0; i < 2; i++) expect((await k('apply', '--server-side', '-f', f)).code).toBe(0);
    expect(await k('diff', '-f', f)).toMatchObject({ code: 0, stdout: '' });
    expect((await api('GET', vwc)).json.metadata).toMatchObject({ generation: 1 });
    const pdb = await api('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/manifest-web');
    expect(pdb.json.metadata).toMatchObject({ generation: 1 });
    expect((await k('get', '-f', f)).code).toBe(0);
    const del = await k('delete', '-f', f);
    expect(del.code).toBe(0);
    expect((await api('GET', vwc)).status).toBe(404);
  });
});
