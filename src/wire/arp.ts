// ARP for IPv4 over Ethernet (RFC 826), with the RFC 5227 names for its special forms.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-------------------------------+-------------------------------+
// |  Hardware type (ar$hrd) = 1   |  Protocol type (ar$pro) 0x0800|
// +---------------+---------------+-------------------------------+
// | ar$hln = 6    | ar$pln = 4    |  Opcode (ar$op) 1=req, 2=reply|
// +---------------+---------------+-------------------------------+
// |  Sender hardware address (ar$sha, 6 octets)                   |
// +                               +-------------------------------+
// |                               |  Sender protocol address      |
// +-------------------------------+  (ar$spa, 4 octets)           |
// |                               |                               |
// +-------------------------------+                               +
// |  Target hardware address (ar$tha, 6 octets)                   |
// +-------------------------------+-------------------------------+
// |  Target protocol address (ar$tpa, 4 octets)                   |
// +---------------------------------------------------------------+
//
// RFC 5227 section 1.1 / 2.1.1 / 2.3:
//   ARP Probe:        request, sender IP 0.0.0.0, target hardware address zero: "is anybody using tpa?"
//   ARP Announcement: request (or reply), sender IP = target IP: "I am using spa" (gratuitous ARP)
//
// Two shapes, like the rest of wire/: object codecs (`decodeArp`/`encodeArp`) for tests and clarity, and a
// zero-allocation reader over a whole Ethernet frame (`readArpFrame`) for the capture path.

import { ETHERTYPE_ARP, ETHERTYPE_QINQ, ETHERTYPE_VLAN } from './ethernet.ts';

export const ARP_LENGTH = 28;
export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;
const HTYPE_ETHERNET = 1;
const PTYPE_IPV4 = 0x0800;

/** The closed set of reasons an ARP packet is refused (counted by the claimer, like wire/decode-result.ts). */
export const ARP_DECODE_REASONS = [
  'arp.truncated', // fewer than 28 bytes after the link header
  'arp.unsupported_format', // not Ethernet/IPv4 (ar$hrd, ar$pro, ar$hln, ar$pln): RFC 826 "?Do I have the hardware type"
  'arp.bad_operation', // opcode other than request or reply (RARP, InARP...)
  'arp.bad_sender_mac', // multicast/broadcast or zero sender hardware address
] as const;

export type ArpDecodeReason = (typeof ARP_DECODE_REASONS)[number];

export interface ArpPacket {
  readonly op: 1 | 2;
  readonly senderMac: Uint8Array; // 6 bytes
  readonly senderIp: Uint8Array; // 4 bytes
  readonly targetMac: Uint8Array; // 6 bytes
  readonly targetIp: Uint8Array; // 4 bytes
}

export type ArpDecoded = { readonly ok: true; readonly value: ArpPacket } | { readonly ok: false; readonly reason: ArpDecodeReason };

/** Checks the fixed fields of the ARP packet at buf[off, end); returns a reason or undefined. */
function check(buf: Uint8Array, off: number, end: number): ArpDecodeReason | undefined {
  if (end - off < ARP_LENGTH) return 'arp.truncated';
  if (((buf[off]! << 8) | buf[off + 1]!) !== HTYPE_ETHERNET || ((buf[off + 2]! << 8) | buf[off + 3]!) !== PTYPE_IPV4
    || buf[off + 4] !== 6 || buf[off + 5] !== 4) return 'arp.unsupported_format';
  const op = (buf[off + 6]! << 8) | buf[off + 7]!;
  if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) return 'arp.bad_operation';
  // a sender hardware address must be a unicast station address (IEEE 802: group bit clear) and not zero
  const s = off + 8;
  if ((buf[s]! & 1) !== 0) return 'arp.bad_sender_mac';
  if ((buf[s]! | buf[s + 1]! | buf[s + 2]! | buf[s + 3]! | buf[s + 4]! | buf[s + 5]!) === 0) return 'arp.bad_sender_mac';
  return undefined;
}

/** Decodes the ARP packet in buf[off, end) (the Ethernet payload). */
export function decodeArp(buf: Uint8Array, off: number, end: number): ArpDecoded {
  const reason = check(buf, off, end);
  if (reason !== undefined) return { ok: false, reason };
  const copy = (a: number, n: number) => Uint8Array.from(buf.subarray(off + a, off + a + n));
  return {
    ok: true,
    value: {
      op: ((buf[off + 6]! << 8) | buf[off + 7]!) as 1 | 2,
      senderMac: copy(8, 6), senderIp: copy(14, 4), targetMac: copy(18, 6), targetIp: copy(24, 4),
    },
  };
}

/** Writes the 28-byte packet at buf[off]; returns ARP_LENGTH. */
export function encodeArp(p: ArpPacket, buf: Uint8Array, off: number): number {
  buf[off] = 0; buf[off + 1] = HTYPE_ETHERNET;
  buf[off + 2] = PTYPE_IPV4 >> 8; buf[off + 3] = PTYPE_IPV4 & 0xff;
  buf[off + 4] = 6; buf[off + 5] = 4;
  buf[off + 6] = 0; buf[off + 7] = p.op;
  buf.set(p.senderMac.subarray(0, 6), off + 8);
  buf.set(p.senderIp.subarray(0, 4), off + 14);
  buf.set(p.targetMac.subarray(0, 6), off + 18);
  buf.set(p.targetIp.subarray(0, 4), off + 24);
  return ARP_LENGTH;
}

/** RFC 5227 2.1.1: a probe has sender IP 0.0.0.0. */
export const isArpProbe = (p: ArpPacket): boolean => p.op === ARP_OP_REQUEST && ipv4ToUint(p.senderIp, 0) === 0;
/** RFC 5227 2.3 / RFC 5944 4.6: an announcement (gratuitous ARP) has sender IP = target IP. */
export const isArpAnnouncement = (p: ArpPacket): boolean =>
  ipv4ToUint(p.senderIp, 0) !== 0 && ipv4ToUint(p.senderIp, 0) === ipv4ToUint(p.targetIp, 0);

export function ipv4ToUint(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

export function uintToIpv4(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

// --- the capture path: one reusable view, no allocation -------------------------------------------------------

/** An ARP frame as read by `readArpFrame`: offsets into the caller's buffer plus the numeric fields. */
export interface ArpFrameView {
  /** 802.1Q TCI, or -1 when untagged. */
  vlanTci: number;
  /** Offset of the Ethernet source MAC (always 6). */
  ethSrcOff: number;
  op: number;
  /** Offsets of ar$sha and ar$tha (6 bytes each). */
  shaOff: number;
  thaOff: number;
  spa: number;
  tpa: number;
}

export function createArpFrameView(): ArpFrameView {
  return { vlanTci: -1, ethSrcOff: 6, op: 0, shaOff: 0, thaOff: 0, spa: 0, tpa: 0 };
}

/**
 * Reads an Ethernet frame buf[0, len). Returns 0 when it is not ARP at all, 1 when it is a well-formed ARP packet
 * (filled into `v`), or -(1 + index into ARP_DECODE_REASONS) when it is a malformed one.
 */
export function readArpFrame(buf: Uint8Array, len: number, v: ArpFrameView): number {
  if (len < 14) return 0;
  let type = (buf[12]! << 8) | buf[13]!;
  let p = 14;
  v.vlanTci = -1;
  if (type === ETHERTYPE_VLAN) {
    if (len < 18) return 0;
    v.vlanTci = (buf[14]! << 8) | buf[15]!;
    type = (buf[16]! << 8) | buf[17]!;
    p = 18;
  } else if (type === ETHERTYPE_QINQ) {
    return 0;
  }
  if (type !== ETHERTYPE_ARP) return 0;
  const reason = check(buf, p, len);
  if (reason !== undefined) return -(1 + ARP_DECODE_REASONS.indexOf(reason));
  v.ethSrcOff = 6;
  v.op = (buf[p + 6]! << 8) | buf[p + 7]!;
  v.shaOff = p + 8;
  v.spa = ipv4ToUint(buf, p + 14);
  v.thaOff = p + 18;
  v.tpa = ipv4ToUint(buf, p + 24);
  return 1;
}

/**
 * Builds an Ethernet + ARP frame into `out` (at least 64 bytes); returns its length, padded to the 60-byte
 * Ethernet minimum (802.3 section 4.2.3.3: short frames are padded; the NIC adds the FCS).
 */
export function buildArpFrame(
  out: Uint8Array, ethDst: Uint8Array, ethSrc: Uint8Array, vlanTci: number, p: ArpPacket,
): number {
  out.set(ethDst.subarray(0, 6), 0);
  out.set(ethSrc.subarray(0, 6), 6);
  let o = 12;
  if (vlanTci >= 0) {
    out[12] = ETHERTYPE_VLAN >> 8; out[13] = ETHERTYPE_VLAN & 0xff;
    out[14] = (vlanTci >> 8) & 0xff; out[15] = vlanTci & 0xff;
    o = 16;
  }
  out[o] = ETHERTYPE_ARP >> 8; out[o + 1] = ETHERTYPE_ARP & 0xff;
  const end = o + 2 + encodeArp(p, out, o + 2);
  const min = vlanTci >= 0 ? 64 : 60;
  if (end < min) out.fill(0, end, min);
  return Math.max(end, min);
}
