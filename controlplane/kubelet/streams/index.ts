/** The kubelet's streaming bridges to CRI: exec/attach (`remote-command.ts`) and port-forward. */
export { portForwardHandler } from './port-forward.js';
export { remoteCommandHandler } from './remote-command.js';
export type { StreamDeps, StreamingCri } from './runtime.js';
