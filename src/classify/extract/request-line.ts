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

const METHOD = /^([A-Za-z][A-Za-z0-9_-]{0,23}) +/;
const PROTOCOL = /^((?:HTTP|RTSP|SIP)\/\d\.\d)\r?$/;
const SIMPLE_LINE = /^(GET) +(\/[^ \r\n]{0,8000})\r?$/;

/**
 * method SP target SP protocol. The target is everything between the method and the last space: exploit
 * requests often carry raw spaces in it (`/shell?cd /tmp`), which embedded servers accept, so they are kept
 * rather than making the line unparseable. Found with indexOf/lastIndexOf, linear in the line length.
 */
function splitRequestLine(first: string): [string, string, string] | null {
  const m = METHOD.exec(first);
  if (!m) return null;
  const last = first.lastIndexOf(' ');
  if (last < m[0].length) return null;
  const p = PROTOCOL.exec(first.slice(last + 1));
  if (!p) return null;
  let end = last;
  while (end > m[0].length && first.charCodeAt(end - 1) === 0x20) end--;
  const uri = first.slice(m[0].length, end);
  if (uri.length === 0 || uri.length > 8000 || uri.includes('\r')) return null;
  return [m[1]!, uri, p[1]!];
}

export function parseTextRequest(text: string): TextRequest | null {
  const eol = text.indexOf('\n');
  const first = eol < 0 ? text : text.slice(0, eol);
  if (first.length > 8100) return null;
  const m = splitRequestLine(first);
  const simple = m ? null : SIMPLE_LINE.exec(first);
  if (!m && !simple) return null;
  const method = m ? m[0] : simple![1]!;
  const uri = m ? m[1] : simple![2]!;
  const protocol = m ? m[2].toUpperCase() : 'HTTP/0.9';
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
