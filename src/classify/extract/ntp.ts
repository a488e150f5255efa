// NTP (RFC 5905 §7.3): first byte LI(2) VN(3) Mode(3). Mode 3 client / 4 server packets are 48 bytes or more.
// Mode 6 control messages (RFC 1305 appendix B, RFC 9327) have a 12-byte header: byte 1 = R E M Opcode(5)
// (opcode 1 READSTAT, 2 READVAR, 3 WRITEVAR...), sequence, status, association id, offset, count (u16be each).
// Mode 7 is ntpd's private "ntpdc" protocol (the monlist amplifier), at least 8 bytes.

import { latin1, u16be, u8 } from './bytes.ts';

export interface NtpPacket {
  readonly version: number;
  readonly mode: number;
  /** Mode 6: the opcode; mode 7: the request code. */
  readonly opcode?: number;
  /** Mode 6: the count field (length of data after the header). */
  readonly count?: number;
  /** Mode 6: the data as latin1 (the variable list of READVAR/WRITEVAR), at most `count` bytes of what was sent. */
  readonly data?: string;
}

/** RFC 9327 §2: a mode 6 message carries at most 468 data bytes. */
const MODE6_DATA_MAX = 468;

export function parseNtp(b: Uint8Array): NtpPacket | null {
  const first = u8(b, 0);
  if (first < 0) return null;
  const version = (first >> 3) & 7;
  const mode = first & 7;
  if (version < 1 || version > 4) return null;
  if (mode === 6) {
    if (b.length < 12) return null;
    const count = u16be(b, 10);
    return { version, mode, opcode: u8(b, 1) & 0x1f, count, data: latin1(b, 12, Math.min(count, MODE6_DATA_MAX)) };
  }
  if (mode === 7) {
    if (b.length < 8) return null;
    return { version, mode, opcode: u8(b, 3) };
  }
  if (mode === 0) return null;
  if (b.length < 48) return null;
  return { version, mode };
}
