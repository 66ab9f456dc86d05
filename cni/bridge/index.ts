/** The bridge CNI plugin: config, steps, IPAM delegation, nft masquerading and the plugin. */
export { bridgeAdd, bridgeCheck, bridgeDel, bridgePlugin } from './bridge.js';
export { BRIDGE_DEFAULTS, type BridgeConfig, parseBridgeConfig } from './config.js';
export { type IpamDelegate, ipamFor } from './ipam.js';
export { MASQ_TABLE, type MasqEntry, masqAdd, masqDel } from './masq.js';
export {
  deleteLink,
  ensureGateways,
  type HostSide,
  hostVethName,
  setUpContainerSide,
  setUpHostSide,
} from './steps.js';
