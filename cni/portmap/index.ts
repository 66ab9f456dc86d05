/** The portmap CNI plugin: config, nft layout, kernel read-back and the plugin. */
export { type PortMapping, type PortmapConfig, parsePortmapConfig } from './config.js';
export { listPortmapElements } from './listing.js';
export { ownerOf, podAddresses, portmapPlugin } from './portmap.js';
export { entryElements, FAMS, PORTMAP_TABLE, type PortmapEntry, portmapAdd, portmapDelete } from './rules.js';
