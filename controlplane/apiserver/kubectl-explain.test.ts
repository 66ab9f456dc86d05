/**
 * kubectl 1.32 against the built-in kinds' schemas in /openapi/v3 and /openapi/v2: `explain`
 * walks them as it does against kube-apiserver, and `apply` refuses an unknown field of a
 * built-in kind.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTestServer } from './testing/harness.js';

const { k, file } = useTestServer();

describe('kubectl explain, built-in kinds', () => {
  it('pod.spec.containers lists the container fields with their types', async () => {
    const r = await k('explain', 'pod.spec.containers');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/KIND:\s+Pod/);
    expect(r.stdout).toMatch(/VERSION:\s+v1/);
    expect(r.stdout).toMatch(/FIELD: containers <\[\]Container>/);
    expect(r.stdout).toMatch(/^\s+name\s+<string> -required-$/m);
    expect(r.stdout).toMatch(/^\s+image\s+<string>$/m);
    expect(r.stdout).toMatch(/^\s+ports\s+<\[\]ContainerPort>$/m);
    expect(r.stdout).toMatch(/^\s+resources\s+<ResourceRequirements>$/m);
    expect(r.stdout).toMatch(/^\s+env\s+<\[\]EnvVar>$/m);
  });

  it('deployment.spec.template.spec.containers.ports reaches int and enum fields', async () => {
    const r = await k('explain', 'deployment.spec.template.spec.containers.ports');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GROUP:\s+apps/);
    expect(r.stdout).toMatch(/^\s+containerPort\s+<integer> -required-$/m);
    expect(r.stdout).toMatch(/^\s+protocol\s+<string>$/m);
  });

  it('deployment --recursive prints the whole tree, int-or-string and quantities included', async () => {
    const r = await k('explain', 'deployment', '--recursive');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+metadata\s+<ObjectMeta>$/m);
    expect(r.stdout).toMatch(/^\s+creationTimestamp\s+<string>$/m);
    expect(r.stdout).toMatch(/^\s+maxSurge\s+<IntOrString>$/m);
    expect(r.stdout).toMatch(/^\s+limits\s+<map\[string\]Quantity>$/m);
    expect(r.stdout).toMatch(/^\s+replicas\s+<integer>$/m);
  });

  it('reads the same schemas from /openapi/v2', async () => {
    const r = await k('explain', 'service.spec.ports', '--output=plaintext-openapiv2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/RESOURCE: ports <\[\]Object>/);
    expect(r.stdout).toMatch(/^\s+port\s+<integer> -required-$/m);
    expect(r.stdout).toMatch(/^\s+targetPort\s+<string>$/m);
  });

  it('explains every served built-in kind', async () => {
    for (const kind of [
      'namespace',
      'node',
      'configmap',
      'job',
      'cronjob',
      'ingress',
      'endpointslice',
      'lease',
      'clusterrole',
      'poddisruptionbudget',
      'priorityclass',
      'validatingwebhookconfiguration',
      'apiservice',
      'customresourcedefinition',
    ]) {
      const r = await k('explain', kind);
      expect(`${kind}: ${r.code} ${r.stderr}`).toBe(`${kind}: 0 `);
    }
  });
});

describe('kubectl apply, built-in kinds', () => {
  it('an unknown field of a Deployment is refused and nothing is created', async () => {
    const path = file(
      'deploy.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        bogus: 1
`,
    );
    const r = await k('apply', '-f', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'strict decoding error: unknown field "spec.template.spec.containers[0].bogus"',
    );
    const g = await k('get', 'deployment', 'web', '-n', 'default');
    expect(g.code).toBe(1);
  });
});

describe('kubectl apply, a kind: List of built-in kinds', () => {
  it('an unknown field in an item is refused client-side against /openapi/v2, nothing is sent', async () => {
    const path = file(
      'list.yaml',
      `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed, namespace: default}
  data: {a: b}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: listed, namespace: default}
  spec:
    selector: {matchLabels: {app: listed}}
    template:
      metadata: {labels: {app: listed}}
      spec:
        containers:
        - name: web
          image: nginx
          bogus: 1
`,
    );
    const r = await k('apply', '-f', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error validating data: ValidationError(Deployment.spec.template.spec.containers[0]): ' +
        'unknown field "bogus" in io.k8s.api.core.v1.Container',
    );
    expect((await k('get', 'configmap', 'listed', '-n', 'default')).code).toBe(1);
    // The same list without the unknown field validates and applies.
    file('list.yaml', readFileSync(path, 'utf8').replace('          bogus: 1\n', ''));
    const ok = await k('apply', '-f', path);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('configmap/listed created\ndeployment.apps/listed created\n');
  });
});
