/** The plugin-side CNI runner: env + stdin → command handlers → result or spec error JSON. */
export { type CniEnv, parseCniArgs, readEnv } from './env.js';
export {
  absolutePathProblem,
  containerIdProblem,
  type FieldProblem,
  ifnameProblem,
  type NetnsFault,
  netnsFault,
  parsePrevResult,
  resultProblem,
  shown,
} from './input.js';
export { type Plugin, type PluginCall, type PluginIo, pluginMain, runPlugin, toCniError } from './skel.js';
