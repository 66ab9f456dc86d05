/**
 * Table columns of the workloads (printers.go printDeployment, printReplicaSet,
 * printDaemonSet, printJob, printCronJob): apps and batch.
 */
import { isJsonObject, type JsonObject } from '../../../lib/api/json.js';
import { AGE, age, arr, type Column, get, humanDuration, NAME, num, str, WORKLOAD_WIDE } from './cells.js';

/** printers.go printJob: COMPLETIONS `succeeded/completions` (or `n/1 of parallelism`). */
function jobCompletions(o: JsonObject): string {
  const succeeded = num(o, 'status.succeeded');
  const completions = get(o, 'spec.completions');
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = num(o, 'spec.parallelism');
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function hasTrueCondition(o: JsonObject, type: string): boolean {
  return arr(get(o, 'status.conditions')).some((c) => c.type === type && c.status === 'True');
}

/** printers.go printJob's STATUS. */
function jobStatus(o: JsonObject): string {
  if (hasTrueCondition(o, 'Complete')) return 'Complete';
  if (hasTrueCondition(o, 'Failed')) return 'Failed';
  if (get(o, 'metadata.deletionTimestamp') !== undefined) return 'Terminating';
  if (hasTrueCondition(o, 'Suspended')) return 'Suspended';
  if (hasTrueCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobDuration(o: JsonObject, now: Date): string {
  const start = get(o, 'status.startTime');
  if (typeof start !== 'string') return '';
  const end = get(o, 'status.completionTime');
  const until = typeof end === 'string' ? Date.parse(end) : now.getTime();
  return humanDuration((until - Date.parse(start)) / 1000);
}

function cronJobContainers(o: JsonObject): JsonObject[] {
  return arr(get(o, 'spec.jobTemplate.spec.template.spec.containers'));
}

/** The workloads' columns, by `group/plural`. */
export const WORKLOAD_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  'apps/deployments': [
    NAME,
    { name: 'Ready', cell: (o) => `${num(o, 'status.readyReplicas')}/${num(o, 'spec.replicas')}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(o, 'status.updatedReplicas') },
    { name: 'Available', type: 'integer', cell: (o) => num(o, 'status.availableReplicas') },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'apps/replicasets': [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => num(o, 'spec.replicas') },
    { name: 'Current', type: 'integer', cell: (o) => num(o, 'status.replicas') },
    { name: 'Ready', type: 'integer', cell: (o) => num(o, 'status.readyReplicas') },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'apps/daemonsets': [
    NAME,
    { name: 'Desired', type: 'integer', cell: (o) => num(o, 'status.desiredNumberScheduled') },
    { name: 'Current', type: 'integer', cell: (o) => num(o, 'status.currentNumberScheduled') },
    { name: 'Ready', type: 'integer', cell: (o) => num(o, 'status.numberReady') },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(o, 'status.updatedNumberScheduled') },
    { name: 'Available', type: 'integer', cell: (o) => num(o, 'status.numberAvailable') },
    {
      name: 'Node Selector',
      cell: (o) => {
        const s = get(o, 'spec.template.spec.nodeSelector');
        const parts = isJsonObject(s) ? Object.entries(s).map(([k, v]) => `${k}=${String(v)}`) : [];
        return parts.length ? parts.join(',') : '<none>';
      },
    },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'batch/jobs': [
    NAME,
    { name: 'Status', cell: jobStatus },
    { name: 'Completions', cell: jobCompletions },
    { name: 'Duration', cell: jobDuration },
    AGE,
    ...WORKLOAD_WIDE,
  ],
  'batch/cronjobs': [
    NAME,
    { name: 'Schedule', cell: (o) => str(o, 'spec.schedule', '') },
    { name: 'Timezone', cell: (o) => str(o, 'spec.timeZone') },
    {
      name: 'Suspend',
      cell: (o) => {
        const v = get(o, 'spec.suspend');
        return typeof v === 'boolean' ? (v ? 'True' : 'False') : '<unset>';
      },
    },
    { name: 'Active', type: 'integer', cell: (o) => arr(get(o, 'status.active')).length },
    {
      name: 'Last Schedule',
      cell: (o, now) =>
        get(o, 'status.lastScheduleTime') === undefined ? '<none>' : age(o, now, 'status.lastScheduleTime'),
    },
    AGE,
    {
      name: 'Containers',
      priority: 1,
      cell: (o) =>
        cronJobContainers(o)
          .map((c) => String(c.name))
          .join(',') || '<none>',
    },
    {
      name: 'Images',
      priority: 1,
      cell: (o) =>
        cronJobContainers(o)
          .map((c) => String(c.image))
          .join(',') || '<none>',
    },
    {
      name: 'Selector',
      priority: 1,
      cell: (o) => {
        const match = get(o, 'spec.jobTemplate.spec.selector.matchLabels');
        const parts = isJsonObject(match) ? Object.entries(match).map(([k, v]) => `${k}=${String(v)}`) : [];
        return parts.length ? parts.join(',') : '<none>';
      },
    },
  ],
};
