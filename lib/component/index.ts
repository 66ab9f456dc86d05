/** Shared start-up of long-running components: signal handling and the client-component run loop. */
export {
  type ClientComponentOptions,
  type ComponentContext,
  type ComponentFlags,
  type ComponentRun,
  runClientComponent,
} from './run.js';
export { untilSignal } from './signal.js';
