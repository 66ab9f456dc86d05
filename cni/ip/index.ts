/** iproute2 adapter for the plugins: `ip` / `ip -batch` / `ip -json`, optionally in a netns by path. */
export {
  assertNetns,
  findAddrs,
  findLink,
  type InNs,
  type IpAddrLink,
  type IpLink,
  ip,
  ipBatch,
  ipJson,
} from './ip.js';
