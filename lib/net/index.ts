/** IP/CIDR, `HOST:PORT` and MAC: pure functions, coded `invalid` errors naming the field. */
export type { HostPort, HostPortOptions } from './host-port.js';
export { formatHostPort, parseHostPort } from './host-port.js';
export type { AddressRangeOptions, Cidr, IpAddress, IpFamily, IpValue } from './ip.js';
export {
  addressBits,
  addressCount,
  addresses,
  compareIp,
  contains,
  familyOf,
  familyOfText,
  formatCidr,
  formatIp,
  ipFromBytes,
  ipRange,
  ipToBytes,
  isIPv4,
  isIPv6,
  nthAddress,
  offsetIp,
  parseCidr,
  parseIp,
  prefixMask,
  subnet,
  tryParseIp,
} from './ip.js';
export { formatMac, macFromString, normalizeMac, parseMac } from './mac.js';
