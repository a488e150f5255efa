// SMB negotiate requests behind NetBIOS session service framing (RFC 1002 §4.3.1: type 0x00, 24-bit length;
// also used "direct" on 445 per MS-SMB2 §2.1).
//   SMB1 (MS-CIFS §2.2.4.52): "\xffSMB", command 0x72 at +4, 32-byte header, WordCount, ByteCount u16le, then
//     dialect strings, each 0x02 + NUL-terminated name ("NT LM 0.12", "SMB 2.002", "SMB 2.???").
//   SMB2/3 (MS-SMB2 §2.2.3): "\xfeSMB", 64-byte header, Command u16le at +12 (0 = NEGOTIATE); the request
//     body has StructureSize 36, DialectCount u16le at +2, dialects (u16le each) from +36.

import { latin1, printable, u16le, u24be, u8 } from './bytes.ts';

export interface SmbNegotiate {
  readonly version: 1 | 2;
  /** SMB1 dialect strings as sent; SMB2/3 revisions as "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1" or "0xNNNN". */
  readonly dialects: readonly string[];
  /** SMB1 header: Process ID High (MS-CIFS 2.2.3.1), used by the CVE-2009-3103 trigger. */
  readonly pidHigh?: number;
  /** SMB2 negotiate: DialectCount as sent (may disagree with what fits in the message). */
  readonly dialectCount?: number;
  /**
   * Length or count fields that disagree with the message: SMB1 ByteCount past the message end, a dialect
   * without its 0x02 buffer format or a non-zero WordCount (MS-CIFS 2.2.4.52.1 requires 0); SMB2 header
   * StructureSize other than 64 (MS-SMB2 2.2.1), DialectCount 0 or more dialects than the message holds.
   */
  readonly malformed: boolean;
}

const SMB2_DIALECTS: Record<number, string> = {
  0x0202: '2.0.2', 0x0210: '2.1', 0x0222: '2.2.2', 0x0224: '2.2.4', 0x0300: '3.0', 0x0302: '3.0.2', 0x0310: '3.1.0',
  0x0311: '3.1.1', 0x02ff: '2.???',
};

/** Offset of the SMB header after optional NetBIOS framing, with the end of that message. */
function smbStart(b: Uint8Array): { off: number; end: number } | null {
  if (u8(b, 0) === 0x00) {
    const len = u24be(b, 1);
    if (len < 0) return null;
    return { off: 4, end: Math.min(b.length, 4 + len) };
  }
  return { off: 0, end: b.length };
}

export function parseSmbNegotiate(b: Uint8Array): SmbNegotiate | null {
  const s = smbStart(b);
  if (!s) return null;
  const { off, end } = s;
  const m0 = u8(b, off, end);
  if ((m0 !== 0xff && m0 !== 0xfe) || u8(b, off + 1, end) !== 0x53 || u8(b, off + 2, end) !== 0x4d || u8(b, off + 3, end) !== 0x42) {
    return null;
  }
  if (m0 === 0xff) {
    if (u8(b, off + 4, end) !== 0x72) return null;
    const pidHigh = u16le(b, off + 12, end);
    const wc = u8(b, off + 32, end);
    if (wc < 0) return { version: 1, dialects: [], malformed: true, ...(pidHigh >= 0 && { pidHigh }) };
    const bcOff = off + 33 + wc * 2;
    const bc = u16le(b, bcOff, end);
    const dialects: string[] = [];
    let p = bcOff + 2;
    let malformed = bc < 0 || p + bc > end || wc !== 0;
    const stop = Math.min(end, bc < 0 ? end : p + bc);
    while (p < stop && dialects.length < 64) {
      if (b[p] !== 0x02) {
        malformed = true;
        break;
      }
      let q = p + 1;
      while (q < stop && b[q] !== 0) q++;
      dialects.push(printable(latin1(b, p + 1, q - p - 1), 64));
      p = q + 1;
    }
    return { version: 1, dialects, pidHigh, malformed };
  }
  if (u16le(b, off + 12, end) !== 0) return null; // not NEGOTIATE
  const headerOk = u16le(b, off + 4, end) === 64;
  const body = off + 64;
  if (u16le(b, body, end) !== 36) return { version: 2, dialects: [], malformed: true };
  const count = u16le(b, body + 2, end);
  const dialects: string[] = [];
  for (let i = 0; i < count && i < 64; i++) {
    const d = u16le(b, body + 36 + i * 2, end);
    if (d < 0) break;
    dialects.push(SMB2_DIALECTS[d] ?? `0x${d.toString(16).padStart(4, '0')}`);
  }
  return { version: 2, dialects, dialectCount: count, malformed: !headerOk || count <= 0 || dialects.length < count };
}
