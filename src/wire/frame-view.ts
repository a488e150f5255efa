// The hot-path decoder: one pass over an Ethernet frame into a reusable mutable view, no allocation. It applies
// the same checks as the object codecs (ethernet.ts, ipv4.ts, ipv6.ts, tcp.ts, udp.ts; a property test keeps them
// in agreement) plus the sensor's policy: IPv4 options, fragments, IPv6 extension headers and nonsense source
// addresses are refused, because a honeypot never needs them and a reply to them could be abused.

import * as decodeResult from './decode-result.ts';
import * as ethernet from './ethernet.ts';
import * as ipv4 from './ipv4.ts';
import * as tcp from './tcp.ts';

// Imports used per packet are bound to module constants once: under tsx's CommonJS hooks (the launcher's choice
// on Node 20) every use of an imported binding is a getter call, which on the SYN path costs more than the work.
const R = decodeResult.REASON_INDEX;
const { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_VLAN } = ethernet;
const { IPPROTO_TCP, IPPROTO_UDP } = ipv4;
const { TCP_FIN, TCP_RST, TCP_SYN } = tcp;


export interface FrameView {
  /** Length of the link-layer header: 14, or 18 with an 802.1Q tag. */
  linkLen: number;
  /** 802.1Q TCI, or -1 when untagged. */
  vlanTci: number;
  ipVersion: 4 | 6;
  ipOff: number;
  /** Offsets of the source and destination addresses (4 or 16 bytes long: addrLen). */
  srcOff: number;
  dstOff: number;
  addrLen: 4 | 16;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 identification, -1 for IPv6. */
  ipId: number;
  protocol: number;
  /** End of the IP packet (its total length; link-layer padding after it is ignored). */
  ipEnd: number;
  l4Off: number;
  srcPort: number;
  dstPort: number;
  // TCP only
  seq: number;
  ack: number;
  flags: number;
  window: number;
  optOff: number;
  optEnd: number;
  // payload of the TCP segment or UDP datagram
  payloadOff: number;
  payloadLen: number;
}

export function createFrameView(): FrameView {
  return {
    linkLen: 0, vlanTci: -1, ipVersion: 4, ipOff: 0, srcOff: 0, dstOff: 0, addrLen: 4, ttl: 0, ipId: -1,
    protocol: 0, ipEnd: 0, l4Off: 0, srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, optOff: 0, optEnd: 0,
    payloadOff: 0, payloadLen: 0,
  };
}

// IPv6 extension header numbers (RFC 8200 section 4, IANA "IPv6 Extension Header Types").
const V6_EXTENSIONS = new Set([0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254]);

/**
 * Decodes buf[0, len) into `v`. Returns 0 when the frame is a well-formed TCP or UDP packet the responder may act
 * on, else the index of a reason in DECODE_REASONS (1-based, see REASON_INDEX). The parts below are small module
 * functions that V8 inlines into this one. `fromCapture`: for captures someone else made (synbait label), accept
 * what the sensor never answers but captures are full of: loopback, multicast and unspecified sources (traffic on
 * lo), and IPv4 header checksums left to the NIC (a capture on the sending host sees them unset).
 */
export function parseFrame(buf: Uint8Array, len: number, v: FrameView, fromCapture = false): number {
  if (len < 14) return R['eth.truncated'];
  let type = (buf[12]! << 8) | buf[13]!;
  let p = 14;
  v.vlanTci = -1;
  if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) {
    if (type === ETHERTYPE_QINQ) return R['vlan.nested'];
    if (len < 18) return R['vlan.truncated'];
    v.vlanTci = (buf[14]! << 8) | buf[15]!;
    type = (buf[16]! << 8) | buf[17]!;
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) return R['vlan.nested'];
    p = 18;
  }
  v.linkLen = p;
  v.ipOff = p;
  const ip = type === ETHERTYPE_IPV4 ? parseIpv4(buf, len, p, v, fromCapture) : type === ETHERTYPE_IPV6 ? parseIpv6(buf, len, p, v, fromCapture) : R['eth.unsupported_ethertype'];
  if (ip !== 0) return ip;
  if (v.protocol === IPPROTO_TCP) return parseTcp(buf, v.l4Off, v.ipEnd, v);
  if (v.protocol === IPPROTO_UDP) return parseUdp(buf, v.l4Off, v.ipEnd, v);
  return R['ip.unsupported_protocol'];
}

/** RFC 791 header at `p`: checksum verified; options, fragments and nonsense sources refused (policy). */
function parseIpv4(buf: Uint8Array, len: number, p: number, v: FrameView, fromCapture: boolean): number {
  if (len - p < 20) return R['ipv4.truncated'];
  const vihl = buf[p]!;
  if (vihl >> 4 !== 4) return R['ipv4.bad_version'];
  const hlen = (vihl & 0x0f) << 2;
  if (hlen < 20) return R['ipv4.bad_ihl'];
  if (p + hlen > len) return R['ipv4.truncated'];
  const total = (buf[p + 2]! << 8) | buf[p + 3]!;
  if (total < hlen || p + total > len) return R['ipv4.bad_total_length'];
  let s = 0;
  for (let i = p; i < p + hlen; i += 2) s += (buf[i]! << 8) | buf[i + 1]!;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  if (s !== 0xffff && !fromCapture) return R['ipv4.bad_checksum'];
  if (hlen !== 20) return R['ipv4.options'];
  if ((((buf[p + 6]! << 8) | buf[p + 7]!) & 0x3fff) !== 0) return R['ipv4.fragment'];
  const s0 = buf[p + 12]!;
  // 0/8 (this network), 127/8 (loopback), 224/4 multicast and 240/4 reserved incl. broadcast
  if (!fromCapture && (s0 === 0 || s0 === 127 || s0 >= 224)) return R['ipv4.bad_address'];
  v.ipVersion = 4;
  v.addrLen = 4;
  v.srcOff = p + 12;
  v.dstOff = p + 16;
  v.ttl = buf[p + 8]!;
  v.ipId = (buf[p + 4]! << 8) | buf[p + 5]!;
  v.protocol = buf[p + 9]!;
  v.ipEnd = p + total;
  v.l4Off = p + 20;
  return 0;
}

/** RFC 8200 fixed header at `p`: extension headers, multicast and unspecified sources refused (policy). */
function parseIpv6(buf: Uint8Array, len: number, p: number, v: FrameView, fromCapture: boolean): number {
  if (len - p < 40) return R['ipv6.truncated'];
  if (buf[p]! >> 4 !== 6) return R['ipv6.bad_version'];
  const plen = (buf[p + 4]! << 8) | buf[p + 5]!;
  if (p + 40 + plen > len) return R['ipv6.bad_payload_length'];
  const nh = buf[p + 6]!;
  if (nh !== IPPROTO_TCP && nh !== IPPROTO_UDP) {
    return V6_EXTENSIONS.has(nh) ? R['ipv6.extension_header'] : R['ip.unsupported_protocol'];
  }
  if (!fromCapture) {
    if (buf[p + 8] === 0xff) return R['ipv6.bad_address'];
    let zero = true;
    for (let i = p + 8; i < p + 24; i++) if (buf[i] !== 0) { zero = false; break; }
    if (zero) return R['ipv6.bad_address'];
  }
  v.ipVersion = 6;
  v.addrLen = 16;
  v.srcOff = p + 8;
  v.dstOff = p + 24;
  v.ttl = buf[p + 7]!;
  v.ipId = -1;
  v.protocol = nh;
  v.ipEnd = p + 40 + plen;
  v.l4Off = p + 40;
  return 0;
}

/** RFC 9293 header in [p, end): data offset within the packet, no zero ports, no nonsense flag sets. */
function parseTcp(buf: Uint8Array, p: number, end: number, v: FrameView): number {
  if (end - p < 20) return R['tcp.truncated'];
  const hlen = (buf[p + 12]! >> 4) << 2;
  if (hlen < 20 || p + hlen > end) return R['tcp.bad_data_offset'];
  v.srcPort = (buf[p]! << 8) | buf[p + 1]!;
  v.dstPort = (buf[p + 2]! << 8) | buf[p + 3]!;
  if (v.srcPort === 0 || v.dstPort === 0) return R['tcp.zero_port'];
  v.seq = ((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0;
  v.ack = ((buf[p + 8]! << 24) | (buf[p + 9]! << 16) | (buf[p + 10]! << 8) | buf[p + 11]!) >>> 0;
  const f = buf[p + 13]!;
  if ((f & (TCP_SYN | TCP_FIN)) === (TCP_SYN | TCP_FIN) || (f & (TCP_SYN | TCP_RST)) === (TCP_SYN | TCP_RST) || (f & 0x3f) === 0) {
    return R['tcp.bad_flags'];
  }
  v.flags = f;
  v.window = (buf[p + 14]! << 8) | buf[p + 15]!;
  v.optOff = p + 20;
  v.optEnd = p + hlen;
  v.payloadOff = p + hlen;
  v.payloadLen = end - (p + hlen);
  return 0;
}

/** RFC 768 header in [p, end): the length within the packet, no zero ports. */
function parseUdp(buf: Uint8Array, p: number, end: number, v: FrameView): number {
  if (end - p < 8) return R['udp.truncated'];
  const ulen = (buf[p + 4]! << 8) | buf[p + 5]!;
  if (ulen < 8 || p + ulen > end) return R['udp.bad_length'];
  v.srcPort = (buf[p]! << 8) | buf[p + 1]!;
  v.dstPort = (buf[p + 2]! << 8) | buf[p + 3]!;
  if (v.srcPort === 0 || v.dstPort === 0) return R['udp.zero_port'];
  v.flags = 0;
  v.payloadOff = p + 8;
  v.payloadLen = ulen - 8;
  return 0;
}
