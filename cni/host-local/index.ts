/** host-local IPAM: config, pure allocator, disk store with lock, operations and the plugin. */
export { type AllocateInput, allocate, requestProblem } from './allocator.js';
export {
  DEFAULT_DATA_DIR,
  getCi,
  type IpamConfig,
  parseIpamConfig,
  parseResolvConf,
  type Range,
  type RangeSet,
} from './config.js';
export {
  type IpamAttachment,
  type IpamRequest,
  ipamAdd,
  ipamCheck,
  ipamDel,
  ipamGc,
  ipamStatus,
  storeFor,
} from './host-local.js';
export { type Cidr, formatIp, type Ip, parseCidr, parseIp } from './ip.js';
export { type LockOptions, lockName, lockPath, type Unlock } from './lock.js';
export { hostLocalPlugin } from './plugin.js';
export { DiskStore, type Reservation } from './store.js';
