/**
 * The demo `up` runs once the nodes are up (issue 12): `deploy/demo/hello.yaml` (namespace
 * `demo`, Deployment and Service `hello`, busybox httpd behind a readiness probe) applied with
 * the real kubectl, then waited for, bounded, with a message naming what is not ready.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, messageOf, SwitchyardError } from '../lib/errors/index.js';
import { runInNetns } from '../lib/netns/index.js';
import { demoProblems, kubectlJson, type PodView, readCluster } from './cluster-view.js';

/** Where the demo lives. */
export const DEMO = {
  manifest: join('deploy', 'demo', 'hello.yaml'),
  namespace: 'demo',
  deployment: 'hello',
  selector: 'app=hello',
} as const;

/** What {@link upDemo} reports. */
export interface DemoReport {
  /** kubectl apply's lines (`deployment.apps/hello unchanged`, …). */
  readonly applied: readonly string[];
  readonly pods: readonly PodView[];
  readonly ms: number;
}

/**
 * Applies the demo manifest (idempotent: kubectl apply) and waits until every node is Ready and
 * the Deployment's replicas are Ready. On timeout the error lists what is not ready.
 */
export async function upDemo(options: {
  readonly root: string;
  readonly kubeconfig: string;
  /** Default 120 s. */
  readonly timeoutMs?: number;
}): Promise<DemoReport> {
  const start = Date.now();
  const manifest = join(options.root, DEMO.manifest);
  const applied = await runInNetns(
    undefined,
    { cmd: 'kubectl', args: ['--kubeconfig', options.kubeconfig, 'apply', '-f', manifest] },
    { timeoutMs: 30_000 },
  );
  if (applied.exitCode !== 0) {
    throw new SwitchyardError(ErrorCode.System, `kubectl apply -f ${manifest}: ${applied.stderr.trim()}`);
  }
  const deployment = await kubectlJson(options.kubeconfig, [
    'get',
    'deployment',
    DEMO.deployment,
    '-n',
    DEMO.namespace,
  ]);
  const spec = (deployment as { spec?: { replicas?: unknown } }).spec;
  const replicas = typeof spec?.replicas === 'number' ? spec.replicas : 1;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = start + timeoutMs;
  let problems: string[] = ['not read yet'];
  let pods: PodView[] = [];
  while (Date.now() < deadline) {
    try {
      const seen = await readCluster(options.kubeconfig, {
        namespace: DEMO.namespace,
        selector: DEMO.selector,
      });
      pods = seen.pods;
      problems = demoProblems(seen.nodes, seen.pods, replicas);
    } catch (err: unknown) {
      problems = [messageOf(err)];
    }
    if (problems.length === 0) break;
    await sleep(500);
  }
  if (problems.length > 0) {
    throw new SwitchyardError(
      ErrorCode.Timeout,
      `demo ${DEMO.namespace}/${DEMO.deployment} not ready within ${timeoutMs / 1000} s:\n  ${problems.join('\n  ')}`,
    );
  }
  return {
    applied: applied.stdout.trim().split('\n').filter(Boolean),
    pods,
    ms: Date.now() - start,
  };
}

/** What `up` prints about the demo. Pure. */
export function formatDemo(report: DemoReport): string {
  const lines = report.pods.map((p) => `  ${p.name}  ${p.node}  ${p.ip}`);
  return [
    `demo (${DEMO.manifest}) ready in ${(report.ms / 1000).toFixed(1)} s: ${report.applied.join(', ')}`,
    ...lines,
    `       try:  switchyard exec node-1 -- wget -qO- http://${report.pods[0]?.ip ?? '<pod ip>'}:8080/`,
    '',
  ].join('\n');
}
