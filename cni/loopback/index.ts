/** The loopback CNI plugin. */
export { type LoopbackConfig, loopbackPlugin } from './loopback.js';
