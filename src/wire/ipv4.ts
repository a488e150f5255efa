// IPv4 header (RFC 791 section 3.1).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version|  IHL  |Type of Service|          Total Length         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Identification        |Flags|      Fragment Offset    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Time to Live |    Protocol   |         Header Checksum       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       Source Address                          |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Destination Address                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Options                    |    Padding    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import { checksum } from './checksum.ts';
import { type Decoded, fail, ok } from './decode-result.ts';
import { copyBytes } from './bytes.ts';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMP = 1;

export interface Ipv4Header {
  readonly tos: number;
  readonly totalLength: number;
  readonly id: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** In 8-octet units. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: Uint8Array; // 4 bytes
  readonly dst: Uint8Array; // 4 bytes
  /** Raw option bytes (IHL > 5), a multiple of 4 long. */
  readonly options: Uint8Array;
}

export function ipv4Length(h: Pick<Ipv4Header, 'options'>): number {
  return 20 + h.options.length;
}

/**
 * Decodes buf[off, end). Checks, per RFC 791 section 3.1 and RFC 1122 section 3.2.1: version 4, IHL >= 5
 * and within the buffer, total length >= IHL*4 and within the buffer (trailing Ethernet padding is allowed),
 * and the header checksum.
 */
export function decodeIpv4(buf: Uint8Array, off: number, end: number): Decoded<{ header: Ipv4Header; payloadOffset: number; payloadEnd: number }> {
  if (end - off < 20) return fail('ipv4.truncated');
  const vihl = buf[off]!;
  if (vihl >> 4 !== 4) return fail('ipv4.bad_version');
  const hlen = (vihl & 0x0f) * 4;
  if (hlen < 20) return fail('ipv4.bad_ihl');
  if (off + hlen > end) return fail('ipv4.truncated');
  const totalLength = (buf[off + 2]! << 8) | buf[off + 3]!;
  if (totalLength < hlen || off + totalLength > end) return fail('ipv4.bad_total_length');
  if (checksum(buf, off, hlen) !== 0) return fail('ipv4.bad_checksum');
  const frag = (buf[off + 6]! << 8) | buf[off + 7]!;
  const header: Ipv4Header = {
    tos: buf[off + 1]!,
    totalLength,
    id: (buf[off + 4]! << 8) | buf[off + 5]!,
    dontFragment: (frag & 0x4000) !== 0,
    moreFragments: (frag & 0x2000) !== 0,
    fragmentOffset: frag & 0x1fff,
    ttl: buf[off + 8]!,
    protocol: buf[off + 9]!,
    checksum: (buf[off + 10]! << 8) | buf[off + 11]!,
    src: copyBytes(buf, off + 12, off + 16),
    dst: copyBytes(buf, off + 16, off + 20),
    options: copyBytes(buf, off + 20, off + hlen),
  };
  return ok({ header, payloadOffset: off + hlen, payloadEnd: off + totalLength });
}

/**
 * Writes the header at buf[off] with a freshly computed checksum (the `checksum` field is ignored).
 * Returns the header length. `totalLength` must already include the payload.
 */
export function encodeIpv4(h: Omit<Ipv4Header, 'checksum'>, buf: Uint8Array, off: number): number {
  if (h.options.length % 4 !== 0 || h.options.length > 40) throw new RangeError('IPv4 options must be a multiple of 4, at most 40 bytes');
  const hlen = 20 + h.options.length;
  buf[off] = 0x40 | (hlen >> 2);
  buf[off + 1] = h.tos;
  buf[off + 2] = h.totalLength >> 8;
  buf[off + 3] = h.totalLength & 0xff;
  buf[off + 4] = h.id >> 8;
  buf[off + 5] = h.id & 0xff;
  const frag = (h.dontFragment ? 0x4000 : 0) | (h.moreFragments ? 0x2000 : 0) | (h.fragmentOffset & 0x1fff);
  buf[off + 6] = frag >> 8;
  buf[off + 7] = frag & 0xff;
  buf[off + 8] = h.ttl;
  buf[off + 9] = h.protocol;
  buf[off + 10] = 0;
  buf[off + 11] = 0;
  buf.set(h.src.subarray(0, 4), off + 12);
  buf.set(h.dst.subarray(0, 4), off + 16);
  buf.set(h.options, off + 20);
  const c = checksum(buf, off, hlen);
  buf[off + 10] = c >> 8;
  buf[off + 11] = c & 0xff;
  return hlen;
}
