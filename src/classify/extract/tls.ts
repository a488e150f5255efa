// TLS ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) behind TLS records (type 22 handshake), and the JA4 TLS
// client fingerprint computed from it, implemented from FoxIO's public specification
// (github.com/FoxIO-LLC/ja4, technical_details/JA4.md; JA4 itself is BSD-3-Clause — only JA4, none of JA4+).
//
//   record:    type(1)=0x16 version(2) length(2) fragment
//   handshake: type(1)=0x01 length(3) body
//   body:      legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2> compression<1..2^8-1>
//              extensions<0..2^16-1>: type(2) length(2) data
// The handshake message may span several records; they are joined (within the inspection limit).

import { createHash } from 'node:crypto';
import { latin1, printable, u16be, u24be, u8 } from './bytes.ts';

export interface ClientHello {
  readonly legacyVersion: number;
  readonly ciphers: readonly number[];
  /** Extension types in the order sent (GREASE included). */
  readonly extensions: readonly number[];
  readonly sni?: string;
  readonly alpn: readonly string[];
  readonly signatureAlgorithms: readonly number[];
  readonly supportedVersions: readonly number[];
  /** supported_groups (elliptic curves), in order, GREASE included. */
  readonly supportedGroups: readonly number[];
  /** ec_point_formats, in order. */
  readonly ecPointFormats: readonly number[];
}

/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a ... 0xfafa. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

/** Joins the handshake fragments of consecutive handshake records. */
function handshakeBytes(b: Uint8Array): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let off = 0;
  let total = 0;
  let need = -1;
  while (off + 5 <= b.length && parts.length < 32) {
    if (u8(b, off) !== 0x16 || u8(b, off + 1) !== 0x03) break;
    const len = u16be(b, off + 3);
    if (len <= 0) break;
    const frag = b.subarray(off + 5, Math.min(b.length, off + 5 + len));
    parts.push(frag);
    total += frag.length;
    if (need < 0 && total >= 4) {
      const first = parts.length === 1 ? parts[0]! : concat(parts, total);
      need = 4 + u24be(first, 1);
    }
    if (need >= 0 && total >= need) break;
    off += 5 + len;
  }
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : concat(parts, total);
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let p = 0;
  for (const x of parts) {
    out.set(x, p);
    p += x.length;
  }
  return out;
}

/** True if b starts like a TLS handshake record carrying a ClientHello. */
export function looksLikeTls(b: Uint8Array): boolean {
  return u8(b, 0) === 0x16 && u8(b, 1) === 0x03 && u8(b, 2) >= 0 && u8(b, 2) <= 0x04 && u8(b, 5) === 0x01;
}

export function parseClientHello(b: Uint8Array): ClientHello | null {
  if (!looksLikeTls(b)) return null;
  const h = handshakeBytes(b);
  if (!h || u8(h, 0) !== 0x01) return null;
  const hlen = u24be(h, 1);
  if (hlen < 0) return null;
  const end = 4 + hlen;
  if (end > h.length) return null; // truncated: no partial fingerprints
  let p = 4;
  const legacyVersion = u16be(h, p, end);
  if (legacyVersion < 0) return null;
  p += 2 + 32;
  const sid = u8(h, p, end);
  if (sid < 0 || sid > 32) return null;
  p += 1 + sid;
  const csLen = u16be(h, p, end);
  if (csLen < 0 || csLen % 2 !== 0 || p + 2 + csLen > end) return null;
  const ciphers: number[] = [];
  for (let i = 0; i < csLen; i += 2) ciphers.push(u16be(h, p + 2 + i, end));
  p += 2 + csLen;
  const comp = u8(h, p, end);
  if (comp < 0 || p + 1 + comp > end) return null;
  p += 1 + comp;
  const extensions: number[] = [];
  const alpn: string[] = [];
  const signatureAlgorithms: number[] = [];
  const supportedVersions: number[] = [];
  const supportedGroups: number[] = [];
  const ecPointFormats: number[] = [];
  let sni: string | undefined;
  const extTotal = u16be(h, p, end);
  if (extTotal >= 0) {
    const extEnd = Math.min(end, p + 2 + extTotal);
    p += 2;
    while (p + 4 <= extEnd) {
      const type = u16be(h, p, extEnd);
      const len = u16be(h, p + 2, extEnd);
      const d = p + 4;
      if (len < 0 || d + len > extEnd) return null;
      extensions.push(type);
      const dEnd = d + len;
      if (type === 0x0000) {
        // server_name_list<2>: name_type(1)=0 host_name<2>
        if (u8(h, d + 2, dEnd) === 0) {
          const n = u16be(h, d + 3, dEnd);
          if (n > 0 && d + 5 + n <= dEnd) sni = printable(latin1(h, d + 5, n), 255);
        }
      } else if (type === 0x0010) {
        const listEnd = Math.min(dEnd, d + 2 + Math.max(0, u16be(h, d, dEnd)));
        for (let q = d + 2; q < listEnd && alpn.length < 16; ) {
          const n = u8(h, q, listEnd);
          if (n <= 0 || q + 1 + n > listEnd) break;
          alpn.push(latin1(h, q + 1, n));
          q += 1 + n;
        }
      } else if (type === 0x000d) {
        const listEnd = Math.min(dEnd, d + 2 + Math.max(0, u16be(h, d, dEnd)));
        for (let q = d + 2; q + 2 <= listEnd; q += 2) signatureAlgorithms.push(u16be(h, q, listEnd));
      } else if (type === 0x000a) {
        const listEnd = Math.min(dEnd, d + 2 + Math.max(0, u16be(h, d, dEnd)));
        for (let q = d + 2; q + 2 <= listEnd; q += 2) supportedGroups.push(u16be(h, q, listEnd));
      } else if (type === 0x000b) {
        const listEnd = Math.min(dEnd, d + 1 + Math.max(0, u8(h, d, dEnd)));
        for (let q = d + 1; q < listEnd; q++) ecPointFormats.push(u8(h, q, listEnd));
      } else if (type === 0x002b) {
        const listEnd = Math.min(dEnd, d + 1 + Math.max(0, u8(h, d, dEnd)));
        for (let q = d + 1; q + 2 <= listEnd; q += 2) supportedVersions.push(u16be(h, q, listEnd));
      }
      p = dEnd;
    }
  }
  return {
    legacyVersion, ciphers, extensions, ...(sni !== undefined && { sni }), alpn, signatureAlgorithms, supportedVersions,
    supportedGroups, ecPointFormats,
  };
}

const VERSION_CODES: Record<number, string> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0200: 's2', 0x0100: 's1' };
const VERSION_NAMES: Record<number, string> = { 0x0304: 'TLS 1.3', 0x0303: 'TLS 1.2', 0x0302: 'TLS 1.1', 0x0301: 'TLS 1.0', 0x0300: 'SSL 3.0' };

/** Highest offered version: supported_versions (GREASE ignored) if present, else legacy_version. */
export function helloVersion(h: ClientHello): number {
  const sv = h.supportedVersions.filter((v) => !isGrease(v));
  return sv.length > 0 ? Math.max(...sv) : h.legacyVersion;
}

export function tlsVersionName(v: number): string {
  return VERSION_NAMES[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
}

const hex4 = (v: number) => v.toString(16).padStart(4, '0');
const two = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** sha256 of s, first 12 hex characters; "000000000000" for an empty list (spec). */
export function ja4Hash(s: string): string {
  if (s === '') return '000000000000';
  return createHash('sha256').update(s, 'latin1').digest('hex').slice(0, 12);
}

/** The ALPN part: first and last characters of the first value; hex of first/last byte if not alphanumeric. */
function alpnCode(alpn: readonly string[]): string {
  const v = alpn[0];
  if (v === undefined || v.length === 0) return '00';
  const f = v.charCodeAt(0);
  const l = v.charCodeAt(v.length - 1);
  if (isAlnum(f) && isAlnum(l)) return v[0]! + v[v.length - 1]!;
  return f.toString(16).padStart(2, '0')[0]! + l.toString(16).padStart(2, '0')[1]!;
}

/** The JA4 raw ("JA4_r") pieces: the a part, the sorted cipher list and the extension/signature string. */
export function ja4Raw(h: ClientHello, transport: 't' | 'q' | 'd' = 't'): { a: string; ciphers: string; exts: string } {
  const ciphers = h.ciphers.filter((c) => !isGrease(c));
  const exts = h.extensions.filter((e) => !isGrease(e));
  const version = VERSION_CODES[helloVersion(h)] ?? '00';
  const a = `${transport}${version}${h.sni !== undefined || exts.includes(0) ? 'd' : 'i'}${two(ciphers.length)}${two(exts.length)}${alpnCode(h.alpn)}`;
  const cipherList = ciphers.map(hex4).sort().join(',');
  const extList = exts.filter((e) => e !== 0x0000 && e !== 0x0010).map(hex4).sort().join(',');
  const sigs = h.signatureAlgorithms.filter((s) => !isGrease(s)).map(hex4).join(',');
  return { a, ciphers: cipherList, exts: sigs === '' ? extList : `${extList}_${sigs}` };
}

/** JA4 = a_b_c, e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1". */
export function ja4(h: ClientHello, transport: 't' | 'q' | 'd' = 't'): string {
  const r = ja4Raw(h, transport);
  const extOnly = r.exts.split('_')[0]!;
  return `${r.a}_${ja4Hash(r.ciphers)}_${extOnly === '' ? '000000000000' : ja4Hash(r.exts)}`;
}
