/**
 * The demo `up` runs once the nodes are up (issue 12): `deploy/demo/hello.yaml` (namespace
 * `demo`, Deployment and Service `hello`, busybox httpd behind a readiness probe) applied with
 * the real kubectl, then waited for, bounded, with a message naming what is not ready.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, messageOf, SwitchyardError } from '../lib/errors/index.js';
import { runInNetns } from '../lib/netns/index.js';
import { demoProblems, kubectlJson, nodeProblems, type PodView, readCluster } from './cluster-view.js';

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
 * Waits until every node of the lab is registered and Ready, so the scheduler spreads the demo
 * over all of them; then applies the demo manifest (idempotent: kubectl apply) and waits until
 * the Deployment's replicas are Ready. On timeout the error lists what is not ready.
 */
export async function upDemo(options: {
  readonly root: string;
  readonly kubeconfig: string;
  /** The Node names the lab runs (`node-1` …). */
  readonly nodes: readonly string[];
  /** Default 120 s. */
  readonly timeoutMs?: number;
}): Promise<DemoReport> {
  const start = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = start + timeoutMs;
  await until(deadline, timeoutMs, 'nodes', async () => {
    const seen = await readCluster(options.kubeconfig, {
      namespace: DEMO.namespace,
      selector: DEMO.selector,
    });
    return nodeProblems(options.nodes, seen.nodes);
  });
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
  let pods: PodView[] = [];
  await until(deadline, timeoutMs, `demo ${DEMO.namespace}/${DEMO.deployment}`, async () => {
    const seen = await readCluster(options.kubeconfig, {
      namespace: DEMO.namespace,
      selector: DEMO.selector,
    });
    pods = seen.pods;
    return demoProblems(seen.nodes, seen.pods, replicas);
  });
  return {
    applied: applied.stdout.trim().split('\n').filter(Boolean),
    pods,
    ms: Date.now() - start,
  };
}

/** Polls `problems` every 500 ms until it finds none; past `deadline`, throws them. */
async function until(
  deadline: number,
  timeoutMs: number,
  what: string,
  problems: () => Promise<string[]>,
): Promise<void> {
  let last: string[] = ['not read yet'];
  while (Date.now() < deadline) {
    try {
      last = await problems();
    } catch (err: unknown) {
      last = [messageOf(err)];
    }
    if (last.length === 0) return;
    await sleep(500);
  }
  throw new SwitchyardError(
    ErrorCode.Timeout,
    `${what} not ready within ${timeoutMs / 1000} s:\n  ${last.join('\n  ')}`,
  );
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
