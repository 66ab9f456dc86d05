/**
 * The lab as a test fixture: `startLab` builds a lab owned by the calling process, in its own
 * temporary state and run dirs, and returns a handle to run commands in it and tear it down.
 * Cross-component scenarios (test/e2e) start from here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunOptions, type RunResult, runInNetns } from '../../lib/netns/index.js';
import type { LabNetlink, NetnsOps } from '../apply.js';
import { type DownReport, downLab, targetNamespace, type UpReport, upLab } from '../lab.js';
import { processOwner } from '../owner.js';
import type { LabPlan } from '../plan.js';
import { type LabSpec, type LbMode, labSpec } from '../spec.js';
import type { LabPaths, LabState } from '../state.js';

/** Options for {@link startLab}. */
export interface StartLabOptions {
  /** Tests pass `${runId()}-<tag>` so the global guard checks the lab's namespaces. */
  readonly labId: string;
  readonly nodes?: number;
  readonly lbMode?: LbMode;
  readonly netlink: LabNetlink;
  /** Default: a fresh temporary directory for both, removed by `down()`. */
  readonly paths?: LabPaths;
  readonly netns?: NetnsOps;
}

/** A running lab. */
export interface Lab {
  readonly spec: LabSpec;
  readonly plan: LabPlan;
  readonly state: LabState;
  readonly paths: LabPaths;
  /** The namespace name of an exec target (`node-1`, `client`, …). */
  namespace(target: string): string;
  /** Runs a command in a target's namespace to completion. */
  run(target: string, argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Removes the lab; safe to call twice. */
  down(): Promise<DownReport>;
}

/** Builds a lab owned by this process (a crash leaves it to `lab clean`). */
export async function startLab(options: StartLabOptions): Promise<Lab> {
  const spec = labSpec({
    labId: options.labId,
    ...(options.nodes === undefined ? {} : { nodes: options.nodes }),
    ...(options.lbMode === undefined ? {} : { lbMode: options.lbMode }),
  });
  const tmp = options.paths ? undefined : mkdtempSync(join(tmpdir(), 'switchyard-lab-'));
  const paths = options.paths ?? {
    stateDir: join(tmp as string, 'state'),
    runDir: join(tmp as string, 'run'),
  };
  const env = { paths, netlink: options.netlink, ...(options.netns ? { netns: options.netns } : {}) };
  let report: UpReport;
  try {
    report = await upLab(env, { spec, owner: processOwner() });
  } catch (err: unknown) {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const { state, plan } = report;
  return {
    spec,
    plan,
    state,
    paths,
    namespace: (target) => targetNamespace(state, target),
    run: (target, argv, runOptions) => {
      const [cmd, ...args] = argv;
      return runInNetns(targetNamespace(state, target), { cmd: cmd ?? 'true', args }, runOptions);
    },
    async down() {
      const result = await downLab(env);
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      return result;
    },
  };
}
