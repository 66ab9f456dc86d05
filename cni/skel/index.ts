/** The plugin-side CNI runner: env + stdin → command handlers → result or spec error JSON. */
export { type CniEnv, containerIdProblem, ifnameProblem, parseCniArgs, readEnv } from './env.js';
export { type Plugin, type PluginCall, type PluginIo, pluginMain, runPlugin, toCniError } from './skel.js';
