// SSH identification string (RFC 4253 §4.2): "SSH-protoversion-softwareversion SP comments CR LF", at most 255
// characters; the client sends it first, before any key exchange, so a honeypot that only ACKs still sees it.

import { printable } from './bytes.ts';

export function parseSshBanner(text: string): string | undefined {
  if (!text.startsWith('SSH-')) return undefined;
  let end = text.indexOf('\n');
  if (end < 0) end = Math.min(text.length, 255);
  let line = text.slice(0, Math.min(end, 255));
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (!/^SSH-\d+\.\d+-/.test(line)) return undefined;
  return printable(line, 255);
}
