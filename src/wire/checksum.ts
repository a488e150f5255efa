// The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words.

/** Adds the 16-bit big-endian words of buf[off, off+len) to `sum` (an odd last byte is padded with zero). */
export function sumWords(buf: Uint8Array, off: number, len: number, sum = 0): number {
  const end = off + len;
  let i = off;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

/** Folds a running sum to 16 bits and complements it. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function checksum(buf: Uint8Array, off: number, len: number): number {
  return finishChecksum(sumWords(buf, off, len));
}

/** TCP/UDP pseudo-header sum for IPv4 (RFC 793 section 3.1): src, dst, zero, protocol, length. */
export function pseudoSumV4(buf: Uint8Array, srcOff: number, dstOff: number, protocol: number, length: number): number {
  return sumWords(buf, srcOff, 4, sumWords(buf, dstOff, 4, protocol + length));
}

/** TCP/UDP pseudo-header sum for IPv6 (RFC 8200 section 8.1): src, dst, upper-layer length, next header. */
export function pseudoSumV6(buf: Uint8Array, srcOff: number, dstOff: number, nextHeader: number, length: number): number {
  return sumWords(buf, srcOff, 16, sumWords(buf, dstOff, 16, nextHeader + (length >>> 16) + (length & 0xffff)));
}
