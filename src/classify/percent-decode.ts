// URL percent-decoding for rule matching (RFC 3986 §2.1), applied up to three times so that double encodings
// used for evasion ("%252e" → "%2e" → ".", "%%32%65" → "%2e" → ".") normalise too. Invalid escapes stay as
// they are. Works on latin1 text: each %XX becomes one character 0..255. Linear per pass.

const MAX_PASSES = 3;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function onePass(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  let last = 0;
  for (let i = s.indexOf('%'); i >= 0; i = s.indexOf('%', i + 1)) {
    if (i + 2 >= s.length) break;
    const h = hexVal(s.charCodeAt(i + 1));
    const l = hexVal(s.charCodeAt(i + 2));
    if (h < 0 || l < 0) continue;
    out += s.slice(last, i) + String.fromCharCode(h * 16 + l);
    last = i + 3;
    i += 2;
  }
  return last === 0 ? s : out + s.slice(last);
}

export function percentDecode(s: string): string {
  let cur = s;
  for (let n = 0; n < MAX_PASSES; n++) {
    const next = onePass(cur);
    if (next === cur) break;
    cur = next;
  }
  return cur;
}
