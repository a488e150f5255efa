// DNS query (RFC 1035 §4.1): 12-byte header, then QNAME (length-prefixed labels, or a compression pointer),
// QTYPE, QCLASS. Over TCP every message has a 2-byte length prefix (§4.2.2). EDNS(0) (RFC 6891) puts an OPT RR
// (type 41) in the additional section whose CLASS field is the requestor's UDP payload size.

import { u16be, u8 } from './bytes.ts';

export interface DnsQuery {
  readonly id: number;
  readonly qname: string;
  readonly qtype: string;
  readonly qtypeCode: number;
  /** EDNS(0) advertised UDP payload size, when an OPT record follows the question. */
  readonly ednsUdpSize?: number;
  readonly qdcount: number;
  readonly opcode: number;
}

const QTYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV',
  35: 'NAPTR', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 52: 'TLSA', 64: 'SVCB', 65: 'HTTPS', 99: 'SPF',
  252: 'AXFR', 251: 'IXFR', 255: 'ANY', 257: 'CAA',
};

/** Reads a name at off; returns the name and the offset after it in the message (pointers followed, bounded). */
function readName(b: Uint8Array, base: number, end: number, off: number): { name: string; next: number } | null {
  const labels: string[] = [];
  let next = -1;
  let p = off;
  for (let hops = 0; hops < 16; ) {
    const len = u8(b, p, end);
    if (len < 0) return null;
    if (len === 0) {
      if (next < 0) next = p + 1;
      const name = labels.join('.');
      return { name: name === '' ? '.' : name, next };
    }
    if ((len & 0xc0) === 0xc0) {
      const ptr = u16be(b, p, end);
      if (ptr < 0) return null;
      if (next < 0) next = p + 2;
      p = base + (ptr & 0x3fff);
      hops++;
      continue;
    }
    if (len > 63 || p + 1 + len > end) return null;
    let l = '';
    for (let i = p + 1; i < p + 1 + len; i++) {
      const c = b[i]!;
      l += c > 0x20 && c < 0x7f && c !== 0x2e ? String.fromCharCode(c) : `\\${c.toString().padStart(3, '0')}`;
    }
    labels.push(l);
    if (labels.length > 127) return null;
    p += 1 + len;
  }
  return null;
}

/** Parses a DNS query; tcp=true expects the 2-byte length prefix. */
export function parseDnsQuery(b: Uint8Array, tcp: boolean): DnsQuery | null {
  let base = 0;
  let end = b.length;
  if (tcp) {
    const len = u16be(b, 0);
    if (len < 12) return null;
    base = 2;
    end = Math.min(b.length, 2 + len);
  }
  if (end - base < 17) return null;
  const id = u16be(b, base, end);
  const flags = u16be(b, base + 2, end);
  if (flags & 0x8000) return null; // a response, not a query
  const opcode = (flags >> 11) & 0xf;
  const qdcount = u16be(b, base + 4, end);
  const ancount = u16be(b, base + 6, end);
  const nscount = u16be(b, base + 8, end);
  const arcount = u16be(b, base + 10, end);
  if (qdcount < 1 || qdcount > 8 || ancount > 16 || nscount > 16 || arcount > 16 || opcode > 6) return null;
  const q = readName(b, base, end, base + 12);
  if (!q) return null;
  const qtypeCode = u16be(b, q.next, end);
  const qclass = u16be(b, q.next + 2, end);
  if (qtypeCode < 0 || qclass < 0) return null;
  let ednsUdpSize: number | undefined;
  if (qdcount === 1 && ancount === 0 && nscount === 0 && arcount >= 1) {
    // The OPT record has the root name (one zero byte), TYPE 41, CLASS = UDP payload size.
    const p = q.next + 4;
    if (u8(b, p, end) === 0 && u16be(b, p + 1, end) === 41) ednsUdpSize = u16be(b, p + 3, end);
  }
  return {
    id, qname: q.name, qtypeCode, qtype: QTYPES[qtypeCode] ?? `TYPE${qtypeCode}`, qdcount, opcode,
    ...(ednsUdpSize !== undefined && ednsUdpSize >= 0 && { ednsUdpSize }),
  };
}
