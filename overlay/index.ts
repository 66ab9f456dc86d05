/**
 * overlay/: the pod network across nodes — a flannel-like agent that programs a VXLAN device
 * (or host-gw routes) from the Node objects, and masquerades pod egress leaving the cluster.
 */
export { findUnderlay, NAT_TABLE, observe, overlayNft, syncKernel } from './apply.js';
export { OVERLAY_DEFAULTS, OVERLAY_FLAGS, type OverlayConfig, parseOverlayConfig } from './config.js';
export { overlaySetup, runOverlay } from './main.js';
export { ANNOTATIONS, type Backend, type OverlayNode, toOverlayNode, vtepMacFor } from './model.js';
export { type Action, desiredState, deviceName, planActions } from './plan.js';
