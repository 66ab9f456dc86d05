/**
 * Everyday kubectl commands beyond the basics of kubectl.test.ts, run with the real kubectl 1.32
 * against one real server: server-side dry run (`diff`, `--dry-run=server`), `auth can-i`,
 * `auth whoami`, label/annotate/patch, `-o yaml` of every served kind, CRD printer columns.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, kubectl, startTestServer } from './test-helpers.js';
import { useTestServer } from './testing/harness.js';

const h = useTestServer();
const { k, file } = h;

const DEPLOY = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
`;

async function stored(path: string): Promise<Record<string, unknown>> {
  return (await call(h.t.server, 'GET', path)).json;
}

beforeAll(async () => {
  const r = await k('apply', '-f', file('web.yaml', DEPLOY(2, 'nginx:1.27')));
  if (r.code !== 0) throw new Error(r.stderr);
});

describe('server-side dry run (dryRun=All) persists nothing and answers what would be stored', () => {
  it('kubectl diff shows the change and leaves the object as it was', async () => {
    const before = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    const d = await k('diff', '-f', file('web4.yaml', DEPLOY(4, 'nginx:1.28')));
    // kubectl diff exits 1 when there are differences.
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/^-\s+replicas: 2$/m);
    expect(d.stdout).toMatch(/^\+\s+replicas: 4$/m);
    expect(d.stdout).toMatch(/^\+\s+- image: nginx:1\.28$/m);
    const after = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    expect(after).toEqual(before);
  });

  it('apply, create, patch, label, scale, delete with --dry-run=server change nothing', async () => {
    const before = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    const apply = await k('apply', '--dry-run=server', '-f', join(h.t.dir, 'web4.yaml'));
    expect(apply.stdout.trim()).toBe('deployment.apps/web configured (server dry run)');
    const patched = await k(
      'patch',
      'deploy',
      'web',
      '-p',
      '{"spec":{"replicas":7}}',
      '--dry-run=server',
      '-o',
      'jsonpath={.spec.replicas}',
    );
    expect(patched.stdout).toBe('7');
    expect((await k('label', 'deploy', 'web', 'tier=fe', '--dry-run=server')).code).toBe(0);
    expect((await k('scale', 'deploy', 'web', '--replicas=9', '--dry-run=server')).stdout).toContain(
      'scaled (server dry run)',
    );
    const del = await k('delete', 'deploy', 'web', '--dry-run=server');
    expect(del.stdout.trim()).toBe('deployment.apps "web" deleted (server dry run)');
    expect(await stored('/apis/apps/v1/namespaces/default/deployments/web')).toEqual(before);

    const cm = await k('create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server', '-o', 'json');
    const obj = JSON.parse(cm.stdout) as { data: unknown; metadata: { uid?: string } };
    expect(obj.data).toEqual({ a: 'b' });
    expect(obj.metadata.uid).toBeTruthy();
    expect((await call(h.t.server, 'GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
  });

  it('a dry-run Service shows the addresses it would get, without reserving them', async () => {
    const r = await k('create', 'service', 'nodeport', 'np', '--tcp=80:80', '--dry-run=server', '-o', 'json');
    const svc = JSON.parse(r.stdout) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
    expect(svc.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(svc.spec.ports[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    expect((await call(h.t.server, 'GET', '/api/v1/namespaces/default/services/np')).status).toBe(404);
  });

  it('an existing name is still 409 in a dry run, and dryRun values other than All are 422', async () => {
    const current = await stored('/apis/apps/v1/namespaces/default/deployments/web');
    const dup = await call(h.t.server, 'POST', '/apis/apps/v1/namespaces/default/deployments?dryRun=All', {
      body: { ...current, metadata: { name: 'web' } },
    });
    expect(dup.status).toBe(409);
    const bad = await call(
      h.t.server,
      'DELETE',
      '/apis/apps/v1/namespaces/default/deployments/web?dryRun=Yes',
    );
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain('dryRun: Unsupported value');
    expect((await call(h.t.server, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).status).toBe(
      200,
    );
    // Subresources too: a dry-run binding leaves the pod unscheduled.
    expect((await k('run', 'unbound', '--image=busybox')).code).toBe(0);
    const bind = await call(
      h.t.server,
      'POST',
      '/api/v1/namespaces/default/pods/unbound/binding?dryRun=All',
      {
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: 'unbound' },
          target: { kind: 'Node', name: 'n1' },
        },
      },
    );
    expect(bind.status).toBe(201);
    expect((await stored('/api/v1/namespaces/default/pods/unbound')).spec).not.toHaveProperty('nodeName');
  });
});

describe('auth can-i and auth whoami (self reviews, never stored)', () => {
  it('answers for the admin, for a component user, and for an impersonated user', async () => {
    expect((await k('auth', 'can-i', 'create', 'pods')).stdout.trim()).toBe('yes');
    expect((await k('auth', 'can-i', '*', '*')).stdout.trim()).toBe('yes');
    const scheduler = { kubeconfig: join(h.t.dir, 'data', 'scheduler.kubeconfig'), home: h.env.home };
    const asScheduler = (...args: string[]) => kubectl(scheduler, args);
    const bind = await asScheduler('auth', 'can-i', 'create', 'pods', '--subresource=binding');
    expect(bind.stdout.trim()).toBe('yes');
    const del = await asScheduler('auth', 'can-i', 'delete', 'deployments');
    expect(del.stdout.trim()).toBe('no');
    // kubectl auth can-i exits 1 for "no".
    expect(del.code).toBe(1);
    const list = await asScheduler('auth', 'can-i', '--list');
    expect(list.stdout).toMatch(/^pods\/binding\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(list.stdout).toMatch(/^\s+\[\/version\]\s+\[\]\s+\[get\]$/m);
    const who = await asScheduler('auth', 'whoami');
    expect(who.stdout).toMatch(/Username\s+system:kube-scheduler/);
    expect((await k('auth', 'can-i', 'create', 'pods', '--as=someone')).stdout.trim()).toBe('no');
    const impersonated = await k('auth', 'whoami', '--as=someone', '--as-group=devs', '-o', 'json');
    expect(JSON.parse(impersonated.stdout)).toMatchObject({
      kind: 'SelfSubjectReview',
      status: { userInfo: { username: 'someone', groups: ['devs', 'system:authenticated'] } },
    });
    const denied = await asScheduler('get', 'pods', '--as=admin');
    expect(denied.stderr).toContain('cannot impersonate resource "users"');
  });

  it('non-resource paths: discovery and health for everyone, the rest for masters', async () => {
    expect((await k('auth', 'can-i', 'get', '/healthz', '--as=someone')).stdout.trim()).toBe('yes');
    expect((await k('auth', 'can-i', 'get', '/metrics', '--as=someone')).stdout.trim()).toBe('no');
    const review = await call(h.t.server, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: {} },
    });
    // ValidateSelfSubjectAccessReview: 422 Invalid, as kube-apiserver answers.
    expect(review.status).toBe(422);
    const get = await call(h.t.server, 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
    expect(get.status).toBe(405);
  });
});

describe('label, annotate, patch and set image', () => {
  it('change the object the way each patch type says', async () => {
    expect((await k('label', 'deploy', 'web', 'tier=fe')).stdout.trim()).toBe('deployment.apps/web labeled');
    expect((await k('annotate', 'deploy', 'web', 'note=hi')).stdout.trim()).toBe(
      'deployment.apps/web annotated',
    );
    const merge = await k('patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":3}}');
    expect(merge.stdout.trim()).toBe('deployment.apps/web patched');
    const json = await k(
      'patch',
      'deploy',
      'web',
      '--type',
      'json',
      '-p',
      '[{"op":"add","path":"/spec/template/spec/containers/0/env","value":[{"name":"A","value":"1"}]}]',
    );
    expect(json.code).toBe(0);
    const strategic = await k(
      'patch',
      'deploy',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}',
    );
    expect(strategic.code).toBe(0);
    expect((await k('set', 'image', 'deploy/web', 'nginx=nginx:1.29')).stdout.trim()).toBe(
      'deployment.apps/web image updated',
    );
    expect((await k('label', 'deploy', 'web', 'tier-')).stdout.trim()).toBe('deployment.apps/web unlabeled');
    const got = (await stored('/apis/apps/v1/namespaces/default/deployments/web')) as {
      metadata: { labels: Record<string, string>; annotations: Record<string, string> };
      spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
    };
    expect(got.metadata.labels).toEqual({ app: 'web' });
    expect(got.metadata.annotations.note).toBe('hi');
    expect(got.spec.replicas).toBe(3);
    // Strategic merge adds by the merge key `name`; set image changes only the named container.
    expect(got.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual([
      'side=busybox',
      'nginx=nginx:1.29',
    ]);
    const bad = await k('label', 'deploy', 'web', 'Bad Key=x');
    expect(bad.code).not.toBe(0);
  });

  it('rollout restart stamps the pod template', async () => {
    expect((await k('rollout', 'restart', 'deploy/web')).stdout.trim()).toBe('deployment.apps/web restarted');
    const got = await k(
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}',
    );
    expect(got.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('get: every served kind as yaml, and the columns kubectl prints', () => {
  it('-o yaml, -o json and -o name work for every kind', async () => {
    const kinds = [
      'namespaces',
      'nodes',
      'pods',
      'services',
      'endpoints',
      'secrets',
      'configmaps',
      'events',
      'serviceaccounts',
      'deployments',
      'replicasets',
      'daemonsets',
      'endpointslices',
      'ingresses',
      'ingressclasses',
      'leases',
      'customresourcedefinitions',
    ];
    for (const kind of kinds) {
      const yaml = await k('get', kind, '-A', '-o', 'yaml');
      expect(yaml.stderr, kind).toBe('');
      expect(yaml.stdout, kind).toMatch(/^apiVersion: v1\nitems:/);
    }
    const one = await k('get', 'svc', 'kubernetes', '-o', 'yaml');
    expect(one.stdout).toMatch(/^apiVersion: v1\nkind: Service\n/);
    expect(one.stdout).toContain('clusterIP: 10.96.0.1');
  });

  it('metadata.generation only on kinds whose strategy keeps one', async () => {
    expect((await k('create', 'configmap', 'gen', '--from-literal=a=1')).code).toBe(0);
    const cm = await stored('/api/v1/namespaces/default/configmaps/gen');
    expect(cm.metadata).not.toHaveProperty('generation');
    expect((await k('label', 'cm', 'gen', 'x=y')).code).toBe(0);
    expect((await stored('/api/v1/namespaces/default/configmaps/gen')).metadata).not.toHaveProperty(
      'generation',
    );
    expect((await stored('/api/v1/namespaces/default/services/kubernetes')).metadata).not.toHaveProperty(
      'generation',
    );
    expect((await k('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation}')).stdout).toMatch(
      /^\d+$/,
    );
  });

  it('configmaps, secrets and endpoints print their kubectl columns', async () => {
    await k('create', 'configmap', 'cols', '--from-literal=a=1', '--from-literal=b=2');
    await k('create', 'secret', 'generic', 'cols', '--from-literal=x=y');
    const out = await k('get', 'cm/cols', 'secret/cols', 'ep/kubernetes');
    expect(out.stdout).toMatch(/^NAME\s+DATA\s+AGE\nconfigmap\/cols\s+2\s+\d+s$/m);
    expect(out.stdout).toMatch(/^secret\/cols\s+Opaque\s+1\s+\d+s$/m);
    expect(out.stdout).toMatch(/^endpoints\/kubernetes\s+127\.0\.0\.1:\d+\s+/m);
  });

  it('a CRD prints CREATED AT; its objects print their additionalPrinterColumns', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}, color: {type: string}}}
          status:
            type: object
            properties:
              conditions:
                type: array
                items: {type: object, properties: {type: {type: string}, status: {type: string}}}
    selectableFields:
    - {jsonPath: .spec.color}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`;
    expect((await k('apply', '-f', file('crd.yaml', crd))).code).toBe(0);
    const crds = await k('get', 'crd');
    expect(crds.stdout).toMatch(
      /^NAME\s+CREATED AT\nwidgets\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m,
    );
    const widget = (name: string, size: number, ready: string) =>
      `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: ${name}}\nspec: {size: ${size}}\nstatus: {conditions: [{type: Ready, status: "${ready}"}]}\n`;
    // The new type is served once the CRD is established: retry the first apply briefly.
    let r = await k('apply', '-f', file('w1.yaml', widget('w1', 3, 'True')));
    for (let i = 0; r.code !== 0 && i < 20; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await k('apply', '-f', join(h.t.dir, 'w1.yaml'));
    }
    expect(r.stderr).toBe('');
    const got = await k('get', 'wd');
    expect(got.stdout).toMatch(/^NAME\s+SIZE\s+READY\s+AGE\nw1\s+3\s+(True)?\s+\d+s$/m);
    // The CRD's schema is published in /openapi/v3, so kubectl explain works for it.
    const explain = await k('explain', 'widgets.spec');
    expect(explain.stderr).toBe('');
    expect(explain.stdout).toMatch(/^KIND:\s+Widget$/m);
    expect(explain.stdout).toMatch(/^\s+size\s+<integer>$/m);
    // selectableFields make spec.color a field selector (KEP-4358).
    const blue = `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue}\nspec: {size: 1, color: blue}\n`;
    expect((await k('apply', '-f', file('blue.yaml', blue))).code).toBe(0);
    const selected = await k('get', 'wd', '--field-selector', 'spec.color=blue', '-o', 'name');
    expect(selected.stdout.trim()).toBe('widget.example.com/blue');
    // Unknown fields: refused under kubectl's default Strict validation, pruned with --validate=false.
    const bogus = `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: bogus}\nspec: {size: 1, bogus: 2}\n`;
    const strict = await k('apply', '-f', file('bogus.yaml', bogus));
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
    expect((await k('apply', '--validate=false', '-f', join(h.t.dir, 'bogus.yaml'))).code).toBe(0);
    expect((await stored('/apis/example.com/v1/namespaces/default/widgets/bogus')).spec).toEqual({ size: 1 });
    const unselectable = await k('get', 'wd', '--field-selector', 'spec.size=1');
    expect(unselectable.stderr).toContain('field label not supported: spec.size');
    const bad = crd.replace('jsonPath: .spec.size', 'jsonPath: "spec size"');
    const rejected = await k('apply', '-f', file('crd-bad.yaml', bad));
    expect(rejected.stderr).toContain('additionalPrinterColumns[0].jsonPath');
  });
});

describe('more typed creates (protobuf bodies) and subresource gets', () => {
  it('create ingress and create serviceaccount', async () => {
    const ing = await k(
      'create',
      'ingress',
      'ing1',
      '--rule=foo.com/bar*=svc1:8080,tls=my-cert',
      '--class=nginx',
    );
    expect(ing.stderr).toBe('');
    expect(ing.stdout.trim()).toBe('ingress.networking.k8s.io/ing1 created');
    const spec = (await stored('/apis/networking.k8s.io/v1/namespaces/default/ingresses/ing1')).spec;
    expect(spec).toEqual({
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'foo.com',
          http: {
            paths: [
              {
                path: '/bar',
                pathType: 'Prefix',
                backend: { service: { name: 'svc1', port: { number: 8080 } } },
              },
            ],
          },
        },
      ],
      tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
    });
    expect((await k('create', 'serviceaccount', 'robot')).stdout.trim()).toBe('serviceaccount/robot created');
    expect((await k('get', 'sa', 'robot')).stdout).toMatch(/^robot\s+0\s+\d+s$/m);
  });

  it('get --subresource=status prints the kind columns, --subresource=scale DESIRED and AVAILABLE', async () => {
    await k('scale', 'deploy', 'web', '--replicas=2');
    const status = await k('get', 'deploy', 'web', '--subresource=status');
    expect(status.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+/);
    const scale = await k('get', 'deploy', 'web', '--subresource=scale');
    expect(scale.stdout).toMatch(/^NAME\s+DESIRED\s+AVAILABLE\nweb\s+2\s+0\n$/);
    const yaml = await k('get', 'deploy', 'web', '--subresource=scale', '-o', 'yaml');
    expect(yaml.stdout).toMatch(/^apiVersion: autoscaling\/v1\nkind: Scale\n/);
  });
});

describe('apply --server-side next to other writers', () => {
  it('keeps what kubectl set env added to the container it matches by name', async () => {
    expect((await k('set', 'env', 'deploy/web', 'FOO=bar')).code).toBe(0);
    const r = await k(
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      file('ssa-web.yaml', DEPLOY(2, 'nginx:1.30')),
    );
    expect(r.stdout.trim()).toBe('deployment.apps/web serverside-applied');
    const got = (await stored('/apis/apps/v1/namespaces/default/deployments/web')) as {
      spec: { template: { spec: { containers: { name: string; image: string; env?: unknown }[] } } };
    };
    const nginx = got.spec.template.spec.containers.find((c) => c.name === 'nginx');
    expect(nginx?.image).toBe('nginx:1.30');
    expect(nginx?.env).toContainEqual({ name: 'FOO', value: 'bar' });
  });
});

describe('system objects', () => {
  it('the default namespaces may not be deleted; the kubernetes Service comes back after delete all --all', async () => {
    const ns = await k('delete', 'namespace', 'kube-system');
    expect(ns.stderr).toContain('namespaces "kube-system" is forbidden: this namespace may not be deleted');
    const quick = await startTestServer({ systemReconcileIntervalMs: 200 });
    try {
      const local = { kubeconfig: quick.server.kubeconfigPath, home: h.env.home };
      const del = await kubectl(local, ['delete', 'all', '--all']);
      expect(del.stdout).toContain('service "kubernetes" deleted');
      let svc = await kubectl(local, ['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}']);
      for (let i = 0; svc.stdout === '' && i < 30; i++) {
        await new Promise((r) => setTimeout(r, 100));
        svc = await kubectl(local, ['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}']);
      }
      expect(svc.stdout).toBe('10.96.0.1');
    } finally {
      await quick.stop();
    }
  });
});

describe('custom resources with status and scale subresources', () => {
  it('schema defaults apply; kubectl scale writes the CRD specReplicasPath; the Scale shows the selector', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  names: {plural: crontabs, singular: crontab, kind: CronTab, shortNames: [ct]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              image: {type: string}
              replicas: {type: integer}
              timeZone: {type: string, default: Etc/UTC}
          status:
            type: object
            properties: {replicas: {type: integer}, labelSelector: {type: string}}
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.labelSelector}
`;
    expect((await k('apply', '-f', file('crontab-crd.yaml', crd))).code).toBe(0);
    const cr = `apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata: {name: my-cron}\nspec: {cronSpec: "* * * * */5", image: my-cron-image, replicas: 1}\n`;
    let r = await k('apply', '-f', file('crontab.yaml', cr));
    for (let i = 0; r.code !== 0 && i < 20; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await k('apply', '-f', join(h.t.dir, 'crontab.yaml'));
    }
    expect(r.stderr).toBe('');
    const status = await call(
      h.t.server,
      'PATCH',
      '/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron/status',
      {
        body: { status: { replicas: 1, labelSelector: 'app=cron' } },
        contentType: 'application/merge-patch+json',
      },
    );
    expect(status.status).toBe(200);
    expect((await k('scale', 'ct', 'my-cron', '--replicas=5')).stdout.trim()).toBe(
      'crontab.stable.example.com/my-cron scaled',
    );
    const got = await stored('/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron');
    // The schema's default filled the absent field.
    expect(got.spec).toMatchObject({ replicas: 5, timeZone: 'Etc/UTC' });
    const scale = await stored('/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron/scale');
    expect(scale).toMatchObject({ spec: { replicas: 5 }, status: { replicas: 1, selector: 'app=cron' } });
  });
});

describe('health endpoints (kubernetes.io "Kubernetes API health endpoints")', () => {
  it('verbose, exclude, single checks, and no credentials needed', async () => {
    const verbose = await k('get', '--raw=/readyz?verbose');
    expect(verbose.stdout).toBe('[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n');
    const excluded = await k('get', '--raw=/livez?verbose&exclude=etcd');
    expect(excluded.stdout).toContain('[+]etcd excluded: ok\n');
    expect((await k('get', '--raw=/livez/etcd')).stdout).toBe('ok');
    expect((await k('get', '--raw=/healthz')).stdout).toBe('ok');
    const anonymous = await call(h.t.server, 'GET', '/readyz/ping', { as: { anonymous: true } });
    expect(anonymous.status).toBe(200);
    expect((await call(h.t.server, 'GET', '/livez/nope', { as: { anonymous: true } })).status).toBe(404);
  });
});

describe('kubectl create token (TokenRequest)', () => {
  it('issues a token that authenticates as the service account, with no other rights', async () => {
    expect((await k('create', 'serviceaccount', 'bot')).code).toBe(0);
    const token = (await k('create', 'token', 'bot')).stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      exp: number;
      iat: number;
    };
    expect(claims.sub).toBe('system:serviceaccount:default:bot');
    expect(claims.exp - claims.iat).toBe(3600);
    const who = await k('--token', token, 'auth', 'whoami', '-o', 'json');
    expect(JSON.parse(who.stdout)).toMatchObject({
      status: {
        userInfo: {
          username: 'system:serviceaccount:default:bot',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
        },
      },
    });
    const denied = await k('--token', token, 'get', 'pods');
    expect(denied.stderr).toContain('User "system:serviceaccount:default:bot" cannot list resource "pods"');
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await k('--token', forged, 'get', 'pods')).stderr).toContain('Unauthorized');
    const short = await k('create', 'token', 'bot', '--duration=1m');
    expect(short.stderr).toContain(
      'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    );
    expect((await k('create', 'token', 'nobody')).stderr).toContain('serviceaccounts "nobody" not found');
  });
});

describe('commands that need a kubelet', () => {
  it('exec, attach and logs fail with one clear message; top says the Metrics API is missing', async () => {
    expect((await k('run', 'sleeper', '--image=busybox')).code).toBe(0);
    const exec = await k('exec', 'sleeper', '--', 'ls');
    expect(exec.stderr).toContain(
      "pods/exec is served by the node's kubelet, which this API server does not proxy",
    );
    const logs = await k('logs', 'sleeper');
    expect(logs.stderr).toContain("pod logs are served by the node's kubelet");
    const top = await k('top', 'pods');
    expect(top.code).not.toBe(0);
    expect(top.stderr).toContain('Metrics API not available');
  });
});
