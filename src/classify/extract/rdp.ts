// RDP connection request (MS-RDPBCGR §2.2.1.1): TPKT header (RFC 1006: 03 00 length16) + X.224 Connection
// Request TPDU (length indicator, code 0xE0, dst-ref, src-ref, class) + optional routingToken or
// "Cookie: mstshash=IDENTIFIER\r\n" + optional RDP_NEG_REQ. The cookie is the user name (truncated) that
// mstsc and most brute-forcers put there.

import { latin1, printable, u16be, u8 } from './bytes.ts';

export interface RdpRequest {
  readonly cookie?: string;
  /** requestedProtocols of RDP_NEG_REQ (0 standard RDP, 1 TLS, 2 CredSSP, 8 RDSTLS...), when present. */
  readonly requestedProtocols?: number;
}

export function parseRdpConnectionRequest(b: Uint8Array): RdpRequest | null {
  if (u8(b, 0) !== 3 || u8(b, 1) !== 0) return null;
  const tpktLen = u16be(b, 2);
  if (tpktLen < 11 || tpktLen > b.length) return null;
  const li = u8(b, 4, tpktLen);
  if (li < 6 || 5 + li > tpktLen) return null;
  if ((u8(b, 5, tpktLen) & 0xf0) !== 0xe0) return null; // CR TPDU
  const end = 5 + li;
  let off = 11;
  let cookie: string | undefined;
  const text = latin1(b, off, end - off);
  const nl = text.indexOf('\r\n');
  if (text.startsWith('Cookie: ') && nl > 0) {
    const v = text.slice(8, nl);
    cookie = printable(v.startsWith('mstshash=') ? v.slice(9) : v, 128);
    off += nl + 2;
  }
  let requestedProtocols: number | undefined;
  if (u8(b, off, end) === 1 && u16be(b, off + 2, end) !== -1) {
    // RDP_NEG_REQ: type 1, flags, length 8 (LE), requestedProtocols u32 LE
    const len = u8(b, off + 2, end) | (u8(b, off + 3, end) << 8);
    if (len === 8 && off + 8 <= end) {
      requestedProtocols = (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 0;
    }
  }
  return { ...(cookie !== undefined && { cookie }), ...(requestedProtocols !== undefined && { requestedProtocols }) };
}
