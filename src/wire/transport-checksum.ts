// TCP and UDP checksums over the pseudo-header of the IP packet that carries them (RFC 9293 3.1, RFC 768,
// RFC 8200 8.1).

import * as checksum from './checksum.ts';

// Imports used per packet are bound to module constants once: under tsx's CommonJS hooks (the launcher's choice
// on Node 20) every use of an imported binding is a getter call, which on the SYN path costs more than the work.
const { finishChecksum, pseudoSumV4, pseudoSumV6, sumWords } = checksum;


/**
 * The checksum of the segment at buf[l4Off, l4Off+l4Len) inside the IP packet at ipOff. Over a segment whose
 * checksum field is zero this is the value to store; over a received segment it is 0 when the checksum is right.
 */
export function transportChecksum(buf: Uint8Array, ipOff: number, ipVersion: 4 | 6, protocol: number, l4Off: number, l4Len: number): number {
  const pseudo = ipVersion === 4
    ? pseudoSumV4(buf, ipOff + 12, ipOff + 16, protocol, l4Len)
    : pseudoSumV6(buf, ipOff + 8, ipOff + 24, protocol, l4Len);
  return finishChecksum(sumWords(buf, l4Off, l4Len, pseudo));
}

/** Zeroes the checksum field at `fieldOff`, computes and stores the checksum (UDP: 0 is sent as 0xffff). */
export function setTransportChecksum(buf: Uint8Array, ipOff: number, ipVersion: 4 | 6, protocol: number, l4Off: number, l4Len: number, fieldOff: number): void {
  buf[fieldOff] = 0;
  buf[fieldOff + 1] = 0;
  let c = transportChecksum(buf, ipOff, ipVersion, protocol, l4Off, l4Len);
  if (c === 0 && protocol === 17) c = 0xffff;
  buf[fieldOff] = c >> 8;
  buf[fieldOff + 1] = c & 0xff;
}
