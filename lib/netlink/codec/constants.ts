/**
 * rtnetlink numbers from linux/rtnetlink.h, if_link.h, if_addr.h, neighbour.h, if_bridge.h
 * and netlink.h (kernel 6.x UAPI). Only what this module sends or decodes.
 */

/** Message types. */
export const RTM = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
} as const;

/** Control message types (netlink.h). */
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

/** nlmsghdr flags. */
export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  DUMP: 0x300,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
} as const;

/** Address families. */
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

/** Interface flags (net/if.h). */
export const IFF = { UP: 0x1, LOOPBACK: 0x8, PROMISC: 0x100, LOWER_UP: 0x10000 } as const;

/** IFLA_* link attributes. */
export const IFLA = {
  ADDRESS: 1,
  BROADCAST: 2,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  MASTER: 10,
  PROTINFO: 12,
  LINKINFO: 18,
  NET_NS_PID: 19,
  NET_NS_FD: 28,
  AF_SPEC: 26,
  LINK_NETNSID: 37,
} as const;

/** IFLA_INFO_* inside IFLA_LINKINFO. */
export const IFLA_INFO = { KIND: 1, DATA: 2, SLAVE_KIND: 4, SLAVE_DATA: 5 } as const;

/** VETH_INFO_PEER inside veth IFLA_INFO_DATA: an ifinfomsg followed by link attributes. */
export const VETH_INFO_PEER = 1;

/** IFLA_BR_* inside bridge IFLA_INFO_DATA. */
export const IFLA_BR = { VLAN_FILTERING: 7 } as const;

/** IFLA_VXLAN_* inside vxlan IFLA_INFO_DATA. */
export const IFLA_VXLAN = {
  ID: 1,
  GROUP: 2,
  LINK: 3,
  LOCAL: 4,
  TTL: 5,
  LEARNING: 7,
  PORT_RANGE: 10,
  PORT: 15,
  GROUP6: 16,
  LOCAL6: 17,
} as const;

/** IFLA_BRPORT_* inside IFLA_PROTINFO (AF_BRIDGE). */
export const IFLA_BRPORT = { MODE: 4, LEARNING: 8 } as const;

/** IFA_* address attributes and flags. */
export const IFA = { ADDRESS: 1, LOCAL: 2, LABEL: 3, BROADCAST: 4, FLAGS: 8 } as const;
export const IFA_F_NODAD = 0x02;

/** RTA_* route attributes. */
export const RTA = { DST: 1, OIF: 4, GATEWAY: 5, PRIORITY: 6, PREFSRC: 7, TABLE: 15 } as const;
export const RTNH_F_ONLINK = 4;

/** NDA_* neighbour attributes. */
export const NDA = { DST: 1, LLADDR: 2, VLAN: 5, PORT: 6, VNI: 7, MASTER: 9 } as const;
/** Neighbour flags. */
export const NTF = { SELF: 0x02, MASTER: 0x04, ROUTER: 0x80 } as const;

/** NUD_* states by name. */
export const NUD = {
  incomplete: 0x01,
  reachable: 0x02,
  stale: 0x04,
  delay: 0x08,
  probe: 0x10,
  failed: 0x20,
  noarp: 0x40,
  permanent: 0x80,
  none: 0x00,
} as const;

/** RT_SCOPE_* by name. */
export const SCOPE = { universe: 0, site: 200, link: 253, host: 254, nowhere: 255 } as const;

/** RTN_* route types by name. */
export const RTN = {
  unicast: 1,
  local: 2,
  broadcast: 3,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
} as const;

/** RTPROT_* by name. */
export const RTPROT = { unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4 } as const;
