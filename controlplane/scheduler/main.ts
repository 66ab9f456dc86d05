/**
 * `switchyard scheduler` as a function: the shared client-component start-up (lib/component)
 * around the Scheduler, with a decisions counter. Kept here (not in cli/) so tests and the lab
 * can start it.
 */
import { Counter } from 'prom-client';
import { type ComponentFlags, runClientComponent } from '../../lib/component/index.js';
import { HealthChecks } from '../../lib/obs/index.js';
import { Scheduler } from './scheduler.js';

/** Parsed `scheduler` flags. */
export interface SchedulerFlags extends ComponentFlags {
  readonly schedulerName?: string;
}

/** Runs the scheduler until a signal; returns the exit status. */
export async function runScheduler(flags: SchedulerFlags, stderr: NodeJS.WritableStream): Promise<number> {
  return runClientComponent({
    component: 'scheduler',
    flags,
    stderr,
    setup: ({ log, client, metrics }) => {
      const attempts = new Counter({
        name: metrics.name('schedule_attempts', 'total'),
        help: 'Scheduling cycles by result (scheduled, unschedulable).',
        labelNames: ['result'],
        registers: [metrics.registry],
      });
      const scheduler = new Scheduler({
        client,
        logger: log,
        ...(flags.schedulerName ? { schedulerName: flags.schedulerName } : {}),
        onDecision: (_pod, d) => attempts.inc({ result: d.kind === 'bind' ? 'scheduled' : 'unschedulable' }),
      });
      return {
        run: (signal) => scheduler.run(signal),
        readiness: new HealthChecks().add('informers-synced', () => scheduler.synced),
      };
    },
  });
}
