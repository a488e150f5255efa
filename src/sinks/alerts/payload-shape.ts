// The "shape" of a payload: a hash that stays the same when only the parts that vary between targets and runs
// change (addresses, ports, numbers, nonces, Host headers...), so the same exploit from 500 sources is one shape.
// The rules are documented in docs/alerts.md; change them only with a note there (shapes are compared across runs
// only within one process, so a change costs one round of "new shape" alerts after an upgrade, nothing more).

import { createHash } from 'node:crypto';

/** Bytes of the payload the shape looks at: the start of a request is what distinguishes it. */
export const SHAPE_PREFIX_BYTES = 1024;

export interface PayloadShape {
  /** 16 hex digits (the first 64 bits of a SHA-256). */
  readonly hash: string;
  readonly kind: 'text' | 'binary' | 'tls';
}

/** Facts the shape may use (from the record's protocol facts). */
export interface ShapeFacts {
  readonly app?: string;
  readonly tls?: { readonly ja4?: string };
}

// headers whose values differ per target or per attempt, not per tool (HTTP, SIP, RTSP share the syntax)
const VOLATILE_HEADERS = /^(host|cookie|authorization|proxy-authorization|date|referer|origin|content-length|x-forwarded-for|x-real-ip|x-request-id|via|call-id|cseq|branch|from|to|contact|session|if-modified-since|if-none-match)[ \t]*:.*$/gim;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
const IPV6 = /\[?\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b\]?/gi;
// 8+ hex digits with at least one letter (a run of decimal digits is a number, below)
const HEX_RUN = /\b(?:0x)?(?=[0-9]*[a-f])[0-9a-f]{8,}\b/gi;
const TOKEN_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
const DIGITS = /\d+/g;
const BLANKS = /[ \t]+/g;

/** Printable ASCII plus TAB, CR, LF for at least 90% of the prefix: treated as text. */
export function looksLikeText(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  let printable = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
  }
  return printable * 10 >= b.length * 9;
}

/** The normalised text a text payload is hashed as (exported for tests and docs). */
export function normaliseText(prefix: Uint8Array): string {
  return Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength).toString('latin1')
    .toLowerCase()
    .replace(VOLATILE_HEADERS, (line) => `${line.slice(0, line.indexOf(':')).trimEnd()}: *`)
    .replace(IPV4, '<ip>')
    .replace(IPV6, (m) => (/[0-9a-f]/i.test(m) && m.split(':').length >= 3 ? '<ip6>' : m))
    .replace(HEX_RUN, '<hex>')
    .replace(TOKEN_RUN, '<tok>')
    .replace(DIGITS, '0')
    .replace(BLANKS, ' ');
}

/** undefined for an empty payload (a bare SYN has no shape). */
export function payloadShape(payload: Uint8Array, facts?: ShapeFacts): PayloadShape | undefined {
  if (payload.length === 0) return undefined;
  const prefix = payload.subarray(0, SHAPE_PREFIX_BYTES);
  let kind: PayloadShape['kind'];
  let basis: string;
  if (looksLikeText(prefix)) {
    kind = 'text';
    basis = `text|${normaliseText(prefix)}`;
  } else if (facts?.tls?.ja4) {
    // a ClientHello carries 32 random bytes and often a random session id: its JA4 is what stays
    kind = 'tls';
    basis = `tls|${facts.tls.ja4}`;
  } else {
    // binary: the protocol's magic/type bytes and the order of magnitude of the length
    kind = 'binary';
    const head = Buffer.from(prefix.subarray(0, 4)).toString('hex');
    basis = `bin|${facts?.app ?? ''}|${head}|${Math.floor(Math.log2(payload.length))}`;
  }
  return { hash: createHash('sha256').update(basis).digest('hex').slice(0, 16), kind };
}
