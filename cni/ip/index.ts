/** Kernel adapters for the plugins: iproute2 (`ip`, `ip -batch`, `ip -json`, in a netns by path) and `nft -f -`. */
export {
  type BatchOutcome,
  batchText,
  batchWord,
  findAddrs,
  findLink,
  type InNs,
  type IpAddrLink,
  type IpCommand,
  type IpLink,
  ip,
  ipJson,
  localLinkNames,
  runBatch,
} from './ip.js';
export { nftApply, nftJson } from './nft.js';
export { type SpawnOptions, type SpawnResult, spawnSync, spawnSyncPortable } from './spawn.js';
