// UDP header (RFC 768).
//
//  0      7 8     15 16    23 24    31
// +--------+--------+--------+--------+
// |     Source      |   Destination   |
// |      Port       |      Port       |
// +--------+--------+--------+--------+
// |     Length      |    Checksum     |
// +--------+--------+--------+--------+

import { type Decoded, fail, ok } from './decode-result.ts';

export const UDP_HEADER_LENGTH = 8;

export interface UdpHeader {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Header plus data, in bytes. */
  readonly length: number;
  readonly checksum: number;
}

/** Decodes buf[off, end) where `end` is the end of the IP payload: 8 <= length <= end - off. */
export function decodeUdp(buf: Uint8Array, off: number, end: number): Decoded<{ header: UdpHeader; payloadOffset: number; payloadEnd: number }> {
  if (end - off < UDP_HEADER_LENGTH) return fail('udp.truncated');
  const length = (buf[off + 4]! << 8) | buf[off + 5]!;
  if (length < UDP_HEADER_LENGTH || off + length > end) return fail('udp.bad_length');
  const header: UdpHeader = {
    srcPort: (buf[off]! << 8) | buf[off + 1]!,
    dstPort: (buf[off + 2]! << 8) | buf[off + 3]!,
    length,
    checksum: (buf[off + 6]! << 8) | buf[off + 7]!,
  };
  return ok({ header, payloadOffset: off + UDP_HEADER_LENGTH, payloadEnd: off + length });
}

export function encodeUdp(h: UdpHeader, buf: Uint8Array, off: number): number {
  buf[off] = h.srcPort >> 8;
  buf[off + 1] = h.srcPort & 0xff;
  buf[off + 2] = h.dstPort >> 8;
  buf[off + 3] = h.dstPort & 0xff;
  buf[off + 4] = h.length >> 8;
  buf[off + 5] = h.length & 0xff;
  buf[off + 6] = h.checksum >> 8;
  buf[off + 7] = h.checksum & 0xff;
  return UDP_HEADER_LENGTH;
}
