/** The CNI benchmark: ours vs the reference plugins, alternating, with the Node start-up floor. */
export {
  type CniBenchOptions,
  type CniBenchResult,
  formatCniBench,
  type ImplResult,
  runCniBench,
  type Stats,
  stats,
} from './bench.js';
