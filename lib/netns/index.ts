/**
 * lib/netns: network namespaces from Node. Create, delete and list named namespaces (as
 * `ip netns`), run child processes inside one, run synchronous code on the main thread
 * inside one (setns via koffi), and open TCP/UDP/netlink sockets that live in one while this
 * process serves them. A namespace is named by a string: a name under /run/netns or an
 * absolute path (`/proc/PID/ns/net`). Unknown namespace → `notFound('network namespace', name)`.
 */
export { type RunOptions, type RunResult, runInNetns, spawnInNetns } from './exec.js';
export {
  createNetns,
  type DeleteNetnsOptions,
  deleteNetns,
  listNetns,
  type NetnsDeleteListener,
  netnsExists,
  onNetnsDelete,
} from './manage.js';
export { NETNS_RUN_DIR, netnsPath, validateNetnsName } from './path.js';
export {
  type BindAddress,
  connectTcpIn,
  createTcpServerIn,
  createUdpSocketIn,
  encodeSockaddr,
  openNetlinkSocketIn,
} from './sockets.js';
export { openNetnsFd, withNetns, withNewNetns } from './switch.js';
