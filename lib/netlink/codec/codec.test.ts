import { describe, expect, it } from 'vitest';
import { isInvalid, SwitchyardError } from '../../errors/index.js';
import { decodeAddress, encodeAddress } from './addr.js';
import { attr, attrMap, decodeAttrs, encodeAttrs, NLA_F_NESTED, read } from './attr.js';
import { AF_BRIDGE, IFLA, IFLA_INFO, NTF, NUD, RTN, RTPROT, SCOPE, VETH_INFO_PEER } from './constants.js';
import { decodeIfInfo, decodeNdMsg, decodeRtMsg, encodeIfInfo, encodeNdMsg, encodeRtMsg } from './headers.js';
import { formatIp, formatMac, networkOf, parseCidr, parseIp, parseMac } from './ip.js';
import {
  bridgeData,
  decodeLink,
  encodeBridgePort,
  encodeLinkRef,
  encodeNewLink,
  encodeSetLink,
  vethData,
  vxlanData,
} from './link.js';
import { neighStateName, scopeName } from './names.js';
import { decodeNeigh, encodeNeigh } from './neigh.js';
import { decodeRoute, encodeRoute } from './route.js';

describe('attributes', () => {
  it('encodes header, payload and padding to 4 bytes', () => {
    const buf = encodeAttrs([attr.str(IFLA.IFNAME, 'eth0'), attr.u32(IFLA.MTU, 1400)]);
    // "eth0\0" is 5 bytes: 4 + 5 = 9, padded to 12; then 4 + 4 = 8.
    expect(buf.length).toBe(20);
    expect(buf.readUInt16LE(0)).toBe(9);
    expect(buf.readUInt16LE(2)).toBe(IFLA.IFNAME);
    expect(buf.readUInt16LE(12)).toBe(8);
    expect(buf.readUInt32LE(16)).toBe(1400);
  });

  it('round-trips nested attributes and flags them NLA_F_NESTED', () => {
    const buf = encodeAttrs([
      attr.nest(IFLA.LINKINFO, [
        attr.str(IFLA_INFO.KIND, 'vxlan'),
        attr.nest(IFLA_INFO.DATA, [attr.u8(7, 1)]),
      ]),
    ]);
    expect(buf.readUInt16LE(2) & NLA_F_NESTED).toBe(NLA_F_NESTED);
    const [outer] = decodeAttrs(buf);
    expect(outer?.type).toBe(IFLA.LINKINFO);
    expect(outer?.nested).toBe(true);
    const inner = attrMap(outer?.data ?? Buffer.alloc(0));
    expect(read.str(inner.get(IFLA_INFO.KIND) ?? Buffer.alloc(0))).toBe('vxlan');
    expect(read.u8(attrMap(inner.get(IFLA_INFO.DATA) ?? Buffer.alloc(0)).get(7) ?? Buffer.alloc(0))).toBe(1);
  });

  it('round-trips every scalar kind', () => {
    const m = attrMap(
      encodeAttrs([
        attr.u8(1, 200),
        attr.u16(2, 65000),
        attr.u16be(3, 4789),
        attr.u32(4, 0xfffffffe),
        attr.flag(5),
      ]),
    );
    expect(read.u8(m.get(1) as Buffer)).toBe(200);
    expect(read.u16(m.get(2) as Buffer)).toBe(65000);
    expect(read.u16be(m.get(3) as Buffer)).toBe(4789);
    expect((m.get(3) as Buffer)[0]).toBe(0x12);
    expect(read.u32(m.get(4) as Buffer)).toBe(0xfffffffe);
    expect((m.get(5) as Buffer).length).toBe(0);
  });

  it('rejects truncated and overlong attributes with an invalid error', () => {
    const overlong = Buffer.from([0xff, 0x00, 0x03, 0x00, 0x41]);
    expect(() => decodeAttrs(overlong)).toThrow(/runs past the end/);
    const short = Buffer.from([0x02, 0x00, 0x03, 0x00]);
    expect(() => decodeAttrs(short)).toThrow(/below the header size/);
    expect(() => read.u32(Buffer.alloc(2))).toThrow(/u32 needs 4 bytes, got 2/);
  });

  it('never fails on garbage with anything but a coded invalid error', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    let decoded = 0;
    let rejected = 0;
    const unexpected: unknown[] = [];
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.alloc(rand() % 96);
      for (let j = 0; j < buf.length; j++) buf[j] = rand() & 0xff;
      // Make some inputs plausible so the decoders get past the first header.
      if (buf.length >= 20 && i % 2 === 0) buf.writeUInt16LE(Math.min(8, buf.length - 16), 16);
      for (const decode of [decodeLink, decodeAddress, decodeRoute, decodeNeigh]) {
        try {
          decode(buf);
          decoded++;
        } catch (err: unknown) {
          if (!(err instanceof SwitchyardError) || !isInvalid(err)) unexpected.push(err);
          rejected++;
        }
      }
    }
    expect(unexpected).toEqual([]);
    expect(decoded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('headers', () => {
  it('round-trips ifinfomsg, rtmsg and ndmsg', () => {
    const ifi = { family: 7, type: 1, index: 42, flags: 0x11043, change: 0xffffffff };
    expect(decodeIfInfo(encodeIfInfo(ifi))).toEqual(ifi);
    const rt = {
      family: 2,
      dstLen: 24,
      srcLen: 0,
      tos: 0,
      table: 254,
      protocol: 3,
      scope: 253,
      type: 1,
      flags: 4,
    };
    expect(decodeRtMsg(encodeRtMsg(rt))).toEqual(rt);
    const nd = { family: 7, index: 9, state: 0x80, flags: 2, type: 0 };
    expect(decodeNdMsg(encodeNdMsg(nd))).toEqual(nd);
  });

  it('rejects short headers naming the struct', () => {
    expect(() => decodeIfInfo(Buffer.alloc(10))).toThrow(/ifinfomsg needs 16 bytes, got 10/);
    expect(() => decodeRtMsg(Buffer.alloc(3))).toThrow(/rtmsg/);
  });
});

describe('addresses in the codec', () => {
  it('parses and formats IPs, CIDRs and MACs', () => {
    expect(parseIp('x', '10.1.2.3').bytes).toEqual(Buffer.from([10, 1, 2, 3]));
    expect(formatIp(parseIp('x', 'fd00:0:0::1').bytes)).toBe('fd00::1');
    expect(parseCidr('x', '10.1.2.3/24')).toMatchObject({ family: 4, ip: '10.1.2.3', prefix: 24 });
    expect(networkOf(parseCidr('x', '10.1.2.3/20'))).toBe('10.1.0.0/20');
    expect(networkOf(parseCidr('x', 'fd00:1:2:3::9/48'))).toBe('fd00:1:2::/48');
    expect(formatMac(parseMac('m', '02:AB:00:00:00:01'))).toBe('02:ab:00:00:00:01');
  });

  it('names the field on bad input', () => {
    expect(() => parseIp('gateway', '10.1.2')).toThrow(/^gateway: must be/);
    expect(() => parseCidr('dst', '10.1.2.0')).toThrow(/^dst: must be a CIDR/);
    expect(() => parseCidr('dst', '10.1.2.0/33')).toThrow(/^dst: prefix length must be 0–32/);
    expect(() => parseMac('mac', '02:00:00:00:00')).toThrow(/^mac: must be a MAC/);
  });
});

describe('link messages', () => {
  it('decodes what encodeNewLink wrote for a vxlan', () => {
    const body = encodeNewLink({
      name: 'vx0',
      kind: 'vxlan',
      mtu: 1450,
      mac: parseMac('mac', '02:00:00:00:00:09'),
      data: vxlanData({
        vni: 0xabcdef,
        group: parseIp('g', '10.0.0.2').bytes,
        local: parseIp('l', '10.0.0.1').bytes,
        devIndex: 3,
        dstPort: 4789,
        learning: false,
        portRange: [1000, 2000],
        ttl: 64,
      }),
    });
    expect(decodeLink(body)).toEqual({
      index: 0,
      name: 'vx0',
      flags: 0,
      kind: 'vxlan',
      mtu: 1450,
      mac: '02:00:00:00:00:09',
      vxlan: {
        vni: 0xabcdef,
        group: '10.0.0.2',
        local: '10.0.0.1',
        dstPort: 4789,
        devIndex: 3,
        learning: false,
        portRange: [1000, 2000],
        ttl: 64,
      },
    });
  });

  it('encodes a veth peer as ifinfomsg plus attributes inside VETH_INFO_PEER', () => {
    const body = encodeNewLink({ name: 'a', kind: 'veth', data: vethData({ name: 'b', netnsFd: 7 }) });
    const info = attrMap(attrMap(body.subarray(16)).get(IFLA.LINKINFO) as Buffer);
    const peer = attrMap(info.get(IFLA_INFO.DATA) as Buffer).get(VETH_INFO_PEER) as Buffer;
    const peerLink = decodeLink(peer);
    expect(peerLink.name).toBe('b');
    expect(read.u32(attrMap(peer.subarray(16)).get(IFLA.NET_NS_FD) as Buffer)).toBe(7);
  });

  it('decodes bridge vlan filtering and set-link flags', () => {
    const br = decodeLink(
      encodeNewLink({ name: 'br0', kind: 'bridge', data: bridgeData({ vlanFiltering: true }) }),
    );
    expect(br).toMatchObject({ kind: 'bridge', vlanFiltering: true });
    const set = encodeSetLink({ index: 5, up: true, promisc: false, masterIndex: 0, newName: 'x' });
    const h = decodeIfInfo(set);
    expect(h).toMatchObject({ index: 5, flags: 0x1, change: 0x101 });
    const m = attrMap(set.subarray(16));
    expect(read.u32(m.get(IFLA.MASTER) as Buffer)).toBe(0);
    expect(read.str(m.get(IFLA.IFNAME) as Buffer)).toBe('x');
    // Index 0: the kernel finds the link by IFLA_IFNAME.
    const byName = encodeSetLink({ index: 0, name: 'eth0', mtu: 1400 });
    expect(decodeLink(byName)).toMatchObject({ index: 0, name: 'eth0', mtu: 1400 });
  });

  it('encodes bridge port flags as AF_BRIDGE IFLA_PROTINFO and decodes them back', () => {
    const body = encodeBridgePort(4, { hairpin: true, learning: false });
    expect(decodeIfInfo(body).family).toBe(AF_BRIDGE);
    expect(decodeLink(body).port).toEqual({ hairpin: true, learning: false });
    expect(decodeLink(encodeLinkRef({ name: 'eth0' })).name).toBe('eth0');
  });
});

describe('address, route and neighbour messages', () => {
  it('round-trips an IPv4 address with broadcast and flags', () => {
    const body = encodeAddress({
      index: 3,
      family: 4,
      bytes: parseIp('a', '10.0.0.1').bytes,
      prefix: 24,
      scope: SCOPE.universe,
      broadcast: parseIp('b', '10.0.0.255').bytes,
      flags: 0,
    });
    expect(decodeAddress(body)).toEqual({
      index: 3,
      family: 4,
      address: '10.0.0.1/24',
      scope: 'universe',
      broadcast: '10.0.0.255',
      flags: 0,
    });
  });

  it('round-trips an IPv6 route in a table above 255', () => {
    const body = encodeRoute({
      family: 6,
      dst: parseIp('d', 'fd00:1::').bytes,
      dstLen: 64,
      table: 1000,
      type: RTN.unicast,
      scope: SCOPE.universe,
      protocol: RTPROT.static,
      gateway: parseIp('g', 'fe80::1').bytes,
      oif: 2,
      metric: 100,
      onlink: true,
    });
    expect(decodeRtMsg(body).table).toBe(0);
    expect(decodeRoute(body)).toEqual({
      family: 6,
      dst: 'fd00:1::/64',
      table: 1000,
      type: RTN.unicast,
      scope: 0,
      protocol: RTPROT.static,
      gateway: 'fe80::1',
      oif: 2,
      metric: 100,
      onlink: true,
    });
  });

  it('round-trips a VXLAN FDB entry', () => {
    const body = encodeNeigh({
      family: AF_BRIDGE,
      index: 6,
      state: NUD.permanent,
      flags: NTF.SELF,
      mac: parseMac('m', '00:00:00:00:00:00'),
      dst: parseIp('d', '192.168.1.2').bytes,
      vni: 77,
    });
    expect(decodeNeigh(body)).toEqual({
      family: AF_BRIDGE,
      index: 6,
      state: NUD.permanent,
      flags: NTF.SELF,
      dst: '192.168.1.2',
      mac: '00:00:00:00:00:00',
      vni: 77,
    });
  });

  it('names scopes and neighbour states', () => {
    expect(scopeName(253)).toBe('link');
    expect(scopeName(0)).toBe('universe');
    expect(neighStateName(NUD.permanent)).toBe('permanent');
    expect(neighStateName(NUD.stale)).toBe('stale');
    expect(neighStateName(0)).toBe('none');
  });
});
