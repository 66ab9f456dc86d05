import { describe, expect, it } from 'vitest';
import type { CronJob, Job } from '../../lib/api/index.js';
import { call } from '../../test/harness/cluster/apiserver.js';
import { useTestServer } from './testing/harness.js';

const h = useTestServer();
const { k, file } = h;

describe('Job', () => {
  it('kubectl create job (a protobuf body) stores the defaults and the generated selector', async () => {
    const r = await k('create', 'job', 'pi', '--image=busybox', '--', 'sh', '-c', 'exit 0');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('job.batch/pi created');
    const job = (await call(h.t.server, 'GET', '/apis/batch/v1/namespaces/default/jobs/pi'))
      .json as unknown as Job;
    const uid = job.metadata.uid ?? '';
    expect(job.metadata.generation).toBe(1);
    expect(job.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
    });
    const labels = {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': uid,
      'job-name': 'pi',
    };
    expect(job.spec.template.metadata?.labels).toEqual(labels);
    expect(job.metadata.labels).toEqual(labels);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.template.spec.containers[0]?.command).toEqual(['sh', '-c', 'exit 0']);
    expect(job.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
  });

  it('prints NAME STATUS COMPLETIONS DURATION AGE (and wide columns)', async () => {
    const r = await k('get', 'jobs');
    expect(r.stdout.split('\n')[0]?.split(/\s+/)).toEqual([
      'NAME',
      'STATUS',
      'COMPLETIONS',
      'DURATION',
      'AGE',
    ]);
    expect(r.stdout).toMatch(/^pi\s+Running\s+0\/1\s+\d+s$/m);
    const wide = await k('get', 'job', 'pi', '-o', 'wide');
    expect(wide.stdout.split('\n')[0]).toMatch(/AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    expect(wide.stdout).toMatch(/\spi\s+busybox\s+batch\.kubernetes\.io\/controller-uid=/);
  });

  it('refuses restartPolicy Always, negative counts and a selector that does not match', async () => {
    const r = await k(
      'create',
      '-f',
      file(
        'bad-job.yaml',
        `apiVersion: batch/v1
kind: Job
metadata: {name: bad}
spec:
  parallelism: -1
  completions: -2
  backoffLimit: -3
  completionMode: Sometimes
  template:
    spec:
      containers: [{name: c, image: busybox}]
`,
      ),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The Job "bad" is invalid');
    expect(r.stderr).toContain('spec.parallelism: Invalid value: -1: must be greater than or equal to 0');
    expect(r.stderr).toContain('spec.completions: Invalid value: -2: must be greater than or equal to 0');
    expect(r.stderr).toContain('spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0');
    expect(r.stderr).toContain(
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
    );
    expect(r.stderr).toContain(
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    );
    const manual = await k(
      'create',
      '-f',
      file(
        'manual.yaml',
        `apiVersion: batch/v1
kind: Job
metadata: {name: manual}
spec:
  manualSelector: true
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: y}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`,
      ),
    );
    expect(manual.stderr).toContain('spec.template.metadata.labels: Invalid value:');
    expect(manual.stderr).toContain('`selector` does not match template `labels`');
    const noSelector = await call(h.t.server, 'POST', '/apis/batch/v1/namespaces/default/jobs', {
      body: {
        metadata: { name: 'nosel' },
        spec: {
          manualSelector: true,
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } },
        },
      },
    });
    expect(noSelector.status).toBe(422);
    expect(JSON.stringify(noSelector.json)).toContain('spec.selector: Required value');
  });

  it('refuses a Job name too long for its job-name label', async () => {
    const long = 'x'.repeat(64);
    const r = await k('create', 'job', long, '--image=busybox');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `spec.template.labels: Invalid value: "${long}": must be no more than 63 characters`,
    );
  });

  it('tracks generation: a spec change bumps it, a status write does not', async () => {
    await k('patch', 'job', 'pi', '--type=merge', '-p', '{"spec":{"parallelism":2}}');
    let job = (await call(h.t.server, 'GET', '/apis/batch/v1/namespaces/default/jobs/pi'))
      .json as unknown as Job;
    expect(job.metadata.generation).toBe(2);
    await k('patch', 'job', 'pi', '--subresource=status', '--type=merge', '-p', '{"status":{"active":1}}');
    job = (await call(h.t.server, 'GET', '/apis/batch/v1/namespaces/default/jobs/pi')).json as unknown as Job;
    expect(job.metadata.generation).toBe(2);
    expect(job.status?.active).toBe(1);
  });
});

describe('Job updates and kubectl apply', () => {
  const manifest = (image: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: applied}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: c, image: ${image}, command: [sh, -c, "exit 0"]}]
`;

  it('applies, re-applies unchanged, and refuses a changed template as immutable', async () => {
    const first = await k('apply', '-f', file('applied.yaml', manifest('busybox:1.36')));
    expect(first.stderr).toBe('');
    expect(first.stdout.trim()).toBe('job.batch/applied created');
    const again = await k('apply', '-f', file('applied.yaml', manifest('busybox:1.36')));
    expect(again.stdout.trim()).toBe('job.batch/applied unchanged');
    const changed = await k('apply', '-f', file('applied.yaml', manifest('busybox:1.37')));
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('The Job "applied" is invalid: spec.template: Invalid value:');
    expect(changed.stderr).toContain('field is immutable');
    // A selector that still matches the template: only immutability refuses it.
    const selector = await k(
      'patch',
      'job',
      'applied',
      '--type=merge',
      '-p',
      '{"spec":{"selector":{"matchLabels":{"job-name":"applied"}}}}',
    );
    expect(selector.stderr).toContain('spec.selector: Invalid value:');
    expect(selector.stderr).toContain('field is immutable');
  });

  it('an install-manifest style Job: apply twice (client- and server-side) is unchanged, diff is empty', async () => {
    const path = file(
      'certgen.yaml',
      `apiVersion: v1
kind: Namespace
metadata: {name: certs}
---
apiVersion: batch/v1
kind: Job
metadata:
  labels: {app.kubernetes.io/name: certgen, app.kubernetes.io/component: admission-webhook}
  name: certgen-create
  namespace: certs
spec:
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels: {app.kubernetes.io/name: certgen, app.kubernetes.io/component: admission-webhook}
      name: certgen-create
    spec:
      automountServiceAccountToken: true
      containers:
      - args: [create, --namespace=$(POD_NAMESPACE)]
        env:
        - name: POD_NAMESPACE
          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
        image: registry.example/certgen:v1.4.4
        imagePullPolicy: IfNotPresent
        name: create
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
          readOnlyRootFilesystem: true
          runAsNonRoot: true
          runAsUser: 65532
          seccompProfile: {type: RuntimeDefault}
      nodeSelector: {kubernetes.io/os: linux}
      restartPolicy: OnFailure
      serviceAccountName: certgen
`,
    );
    const first = await k('apply', '-f', path);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('job.batch/certgen-create created');
    const before = (await call(h.t.server, 'GET', '/apis/batch/v1/namespaces/certs/jobs/certgen-create'))
      .json as unknown as Job;
    expect(before.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'certgen',
      'app.kubernetes.io/component': 'admission-webhook',
    });
    const again = await k('apply', '-f', path);
    expect(again.stdout).toContain('job.batch/certgen-create unchanged');
    const diff = await k('diff', '-f', path);
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
    for (let i = 0; i < 2; i++) {
      const ssa = await k('apply', '--server-side', '--force-conflicts', '-f', path);
      expect(ssa.stderr).toBe('');
      expect(ssa.stdout).toContain('job.batch/certgen-create serverside-applied');
    }
    const after = (await call(h.t.server, 'GET', '/apis/batch/v1/namespaces/certs/jobs/certgen-create'))
      .json as unknown as Job;
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec).toEqual(before.spec);
    expect((await k('get', '-f', path)).code).toBe(0);
    const del = await k('delete', 'job', 'certgen-create', '-n', 'certs');
    expect(del.stdout).toContain('job.batch "certgen-create" deleted');
  });

  it('fieldValidation=Strict (kubectl default) names an unknown field of a Job', async () => {
    const r = await k(
      'apply',
      '-f',
      file(
        'typo.yaml',
        `apiVersion: batch/v1
kind: Job
metadata: {name: typo}
spec:
  completion: 3
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`,
      ),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown field "spec.completion"');
  });
});

describe('CronJob', () => {
  it('kubectl create cronjob (protobuf) stores the defaults; get cj prints its columns', async () => {
    const r = await k('create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'true');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('cronjob.batch/tick created');
    const cj = (await call(h.t.server, 'GET', '/apis/batch/v1/namespaces/default/cronjobs/tick'))
      .json as unknown as CronJob;
    expect(cj.metadata.generation).toBe(1);
    expect(cj.spec).toMatchObject({
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    });
    expect(cj.spec.jobTemplate.spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(cj.spec.jobTemplate.spec.selector).toBeUndefined();
    expect(cj.spec.jobTemplate.spec.completions).toBeUndefined();
    const get = await k('get', 'cj');
    expect(get.stdout.split('\n')[0]?.split(/\s{2,}/)).toEqual([
      'NAME',
      'SCHEDULE',
      'TIMEZONE',
      'SUSPEND',
      'ACTIVE',
      'LAST SCHEDULE',
      'AGE',
    ]);
    expect(get.stdout).toMatch(/^tick\s+\*\/5 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s$/m);
  });

  it('refuses a schedule that does not parse, an unknown zone, TZ in the schedule, a bad policy', async () => {
    const bad = (name: string, spec: string) =>
      k(
        'create',
        '-f',
        file(
          `${name}.yaml`,
          `apiVersion: batch/v1
kind: CronJob
metadata: {name: ${name}}
spec:
${spec}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]
`,
        ),
      );
    const sched = await bad('sched', '  schedule: "61 * * * *"');
    expect(sched.stderr).toContain(
      'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
    );
    const fields = await bad('fields', '  schedule: "* * *"');
    expect(fields.stderr).toContain(
      'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: * * *',
    );
    const zone = await bad('zone', '  schedule: "@hourly"\n  timeZone: Mars/Olympus');
    expect(zone.stderr).toContain(
      'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
    );
    const tz = await bad('tz', '  schedule: "CRON_TZ=UTC 0 * * * *"');
    expect(tz.stderr).toContain('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    const policy = await bad('policy', '  schedule: "@daily"\n  concurrencyPolicy: Sometimes');
    expect(policy.stderr).toContain(
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    );
    const ok = await bad('zoned', '  schedule: "0 9 * * MON-FRI"\n  timeZone: Europe/Berlin');
    expect(ok.stderr).toBe('');
    const get = await k('get', 'cronjob', 'zoned');
    expect(get.stdout).toMatch(/^zoned\s+0 9 \* \* MON-FRI\s+Europe\/Berlin\s+False\s+0\s+<none>/m);
  });

  it('kubectl create job --from=cronjob/NAME makes a Job owned by the CronJob', async () => {
    const r = await k('create', 'job', 'manual-run', '--from=cronjob/tick');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('job.batch/manual-run created');
    const cj = (await call(h.t.server, 'GET', '/apis/batch/v1/namespaces/default/cronjobs/tick'))
      .json as unknown as CronJob;
    const job = (await call(h.t.server, 'GET', '/apis/batch/v1/namespaces/default/jobs/manual-run'))
      .json as unknown as Job;
    expect(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: cj.metadata.uid, controller: true },
    ]);
    expect(job.spec.template.spec.containers[0]?.command).toEqual(['true']);
  });

  it('is in discovery with its short name and in `get all`', async () => {
    const r = await k('api-resources', '--api-group=batch');
    expect(r.stdout).toMatch(/^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m);
    expect(r.stdout).toMatch(/^jobs\s+batch\/v1\s+true\s+Job$/m);
    const all = await k('get', 'all');
    expect(all.stdout).toContain('job.batch/pi');
    expect(all.stdout).toContain('cronjob.batch/tick');
  });
});
