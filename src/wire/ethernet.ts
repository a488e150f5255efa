// Ethernet II with at most one IEEE 802.1Q tag.
//
//  0                   1                   2                   3
//  +-------------------------------+-------------------------------+
//  |            Destination MAC (6 octets)                         |
//  |            Source MAC (6 octets)                              |
//  +-------------------------------+-------------------------------+
//  | [TPID 0x8100 | PCP DEI VID ]  |   EtherType                   |
//  +-------------------------------+-------------------------------+
//
// A tagged frame carries TPID 0x8100 where the EtherType would be, then the 16-bit TCI, then the EtherType.
// Frames with a second tag (QinQ, 0x88a8 or 0x8100 again) are not supported ('vlan.nested').

import { type Decoded, fail, ok } from './decode-result.ts';
import { copyBytes } from './bytes.ts';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;

export interface EthernetHeader {
  readonly dst: Uint8Array; // 6 bytes
  readonly src: Uint8Array; // 6 bytes
  /** 802.1Q tag control information (PCP, DEI, VID), or undefined when untagged. */
  readonly vlanTci?: number;
  readonly etherType: number;
}

export function ethernetLength(h: EthernetHeader): number {
  return h.vlanTci === undefined ? 14 : 18;
}

/** Decodes the header in buf[off, end). Returns the header and the payload offset. */
export function decodeEthernet(buf: Uint8Array, off: number, end: number): Decoded<{ header: EthernetHeader; payloadOffset: number }> {
  if (end - off < 14) return fail('eth.truncated');
  let type = (buf[off + 12]! << 8) | buf[off + 13]!;
  let vlanTci: number | undefined;
  let p = off + 14;
  if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) {
    if (type === ETHERTYPE_QINQ || end - off < 18) return fail(type === ETHERTYPE_QINQ ? 'vlan.nested' : 'vlan.truncated');
    vlanTci = (buf[off + 14]! << 8) | buf[off + 15]!;
    type = (buf[off + 16]! << 8) | buf[off + 17]!;
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) return fail('vlan.nested');
    p = off + 18;
  }
  const header: EthernetHeader = {
    dst: copyBytes(buf, off, off + 6),
    src: copyBytes(buf, off + 6, off + 12),
    ...(vlanTci === undefined ? {} : { vlanTci }),
    etherType: type,
  };
  return ok({ header, payloadOffset: p });
}

/** Writes the header at buf[off]; returns the number of bytes written. */
export function encodeEthernet(h: EthernetHeader, buf: Uint8Array, off: number): number {
  buf.set(h.dst.subarray(0, 6), off);
  buf.set(h.src.subarray(0, 6), off + 6);
  let p = off + 12;
  if (h.vlanTci !== undefined) {
    buf[p] = ETHERTYPE_VLAN >> 8;
    buf[p + 1] = ETHERTYPE_VLAN & 0xff;
    buf[p + 2] = (h.vlanTci >> 8) & 0xff;
    buf[p + 3] = h.vlanTci & 0xff;
    p += 4;
  }
  buf[p] = (h.etherType >> 8) & 0xff;
  buf[p + 1] = h.etherType & 0xff;
  return p + 2 - off;
}

export function formatMac(mac: Uint8Array, off = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(mac[off + i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}

export function parseMac(text: string): Uint8Array | null {
  const m = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/.exec(text);
  if (!m) return null;
  return Uint8Array.from(m.slice(1).map((h) => parseInt(h, 16)));
}
