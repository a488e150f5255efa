// IPv6 fixed header (RFC 8200 section 3).
//
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |Version| Traffic Class |           Flow Label                  |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |         Payload Length        |  Next Header  |   Hop Limit   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      Source Address (128 bits)                |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                   Destination Address (128 bits)              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import { type Decoded, fail, ok } from './decode-result.ts';
import { copyBytes } from './bytes.ts';

export const IPV6_HEADER_LENGTH = 40;

export interface Ipv6Header {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: Uint8Array; // 16 bytes
  readonly dst: Uint8Array; // 16 bytes
}

/**
 * Decodes buf[off, end). Checks version 6 and that the payload length fits the buffer (RFC 8200 section 3;
 * trailing Ethernet padding is allowed). Extension headers are left to the caller: `nextHeader` is returned as is.
 */
export function decodeIpv6(buf: Uint8Array, off: number, end: number): Decoded<{ header: Ipv6Header; payloadOffset: number; payloadEnd: number }> {
  if (end - off < IPV6_HEADER_LENGTH) return fail('ipv6.truncated');
  if (buf[off]! >> 4 !== 6) return fail('ipv6.bad_version');
  const payloadLength = (buf[off + 4]! << 8) | buf[off + 5]!;
  if (off + IPV6_HEADER_LENGTH + payloadLength > end) return fail('ipv6.bad_payload_length');
  const header: Ipv6Header = {
    trafficClass: ((buf[off]! & 0x0f) << 4) | (buf[off + 1]! >> 4),
    flowLabel: ((buf[off + 1]! & 0x0f) << 16) | (buf[off + 2]! << 8) | buf[off + 3]!,
    payloadLength,
    nextHeader: buf[off + 6]!,
    hopLimit: buf[off + 7]!,
    src: copyBytes(buf, off + 8, off + 24),
    dst: copyBytes(buf, off + 24, off + 40),
  };
  return ok({ header, payloadOffset: off + IPV6_HEADER_LENGTH, payloadEnd: off + IPV6_HEADER_LENGTH + payloadLength });
}

export function encodeIpv6(h: Ipv6Header, buf: Uint8Array, off: number): number {
  buf[off] = 0x60 | ((h.trafficClass >> 4) & 0x0f);
  buf[off + 1] = ((h.trafficClass & 0x0f) << 4) | ((h.flowLabel >> 16) & 0x0f);
  buf[off + 2] = (h.flowLabel >> 8) & 0xff;
  buf[off + 3] = h.flowLabel & 0xff;
  buf[off + 4] = h.payloadLength >> 8;
  buf[off + 5] = h.payloadLength & 0xff;
  buf[off + 6] = h.nextHeader;
  buf[off + 7] = h.hopLimit;
  buf.set(h.src.subarray(0, 16), off + 8);
  buf.set(h.dst.subarray(0, 16), off + 24);
  return IPV6_HEADER_LENGTH;
}
