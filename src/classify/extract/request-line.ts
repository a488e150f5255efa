// Text request parser shared by HTTP/1.x, RTSP/1.0 and SIP/2.0 (same shape, RFC 9112 §3, RFC 2326 §6,
// RFC 3261 §7.1):
//   request-line = method SP request-target SP protocol CRLF
//   *( field-name ":" OWS field-value CRLF ) CRLF [ body ]
// Works on the latin1 text of the inspected bytes (decoded once per record). Bare LF line ends are accepted
// (scanners send them). Returns null when the first line is not a request line. Never throws.

import { HEADER_MAX_LINES } from '../limits.ts';

export interface TextRequest {
  readonly method: string;
  /** The request-target as sent (not decoded). */
  readonly uri: string;
  /** "HTTP/1.1", "RTSP/1.0", "SIP/2.0"...; "HTTP/0.9" for a bare "GET /path" line. */
  readonly protocol: string;
  readonly line: string;
  /** Header fields in order; names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  /** The header block as sent (request line excluded). */
  readonly headerBlock: string;
  /** Bytes after the blank line ("" if none were captured). */
  readonly body: string;
}

const REQUEST_LINE = /^([A-Za-z][A-Za-z0-9_-]{0,23}) +([^ \r\n]{1,8000}) +((?:HTTP|RTSP|SIP)\/\d\.\d)\r?$/;
const SIMPLE_LINE = /^(GET) +(\/[^ \r\n]{0,8000})\r?$/;

export function parseTextRequest(text: string): TextRequest | null {
  const eol = text.indexOf('\n');
  const first = eol < 0 ? text : text.slice(0, eol);
  if (first.length > 8100) return null;
  const m = REQUEST_LINE.exec(first);
  const simple = m ? null : SIMPLE_LINE.exec(first);
  if (!m && !simple) return null;
  const method = (m ?? simple)![1]!;
  const uri = (m ?? simple)![2]!;
  const protocol = m ? m[3]!.toUpperCase() : 'HTTP/0.9';
  const line = first.endsWith('\r') ? first.slice(0, -1) : first;
  const headers: [string, string][] = [];
  let pos = eol < 0 ? text.length : eol + 1;
  const blockStart = pos;
  let blockEnd = pos;
  let body = '';
  for (let n = 0; pos < text.length && n < HEADER_MAX_LINES; n++) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    let l = text.slice(pos, nl);
    if (l.endsWith('\r')) l = l.slice(0, -1);
    pos = nl + 1;
    if (l === '') {
      blockEnd = nl + 1;
      body = text.slice(Math.min(pos, text.length));
      break;
    }
    blockEnd = Math.min(pos, text.length);
    const colon = l.indexOf(':');
    if (colon <= 0) continue; // obsolete folding or garbage: skip the line, keep going
    headers.push([l.slice(0, colon).trim(), l.slice(colon + 1).trim()]);
  }
  return { method, uri, protocol, line, headers, headerBlock: text.slice(blockStart, blockEnd), body };
}

/** First value of a header, by case-insensitive name. */
export function headerValue(req: TextRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of req.headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}
