// http.uri: the request target normalised as Suricata's HTTP parser does with its default server personality
// (IDS, as suricata.yaml configures it: lower-casing and +-to-space turned off). Path: %XX and %uXXXX decoded
// (invalid escapes kept), %2F and backslashes become "/", runs of "/" compress to one, UTF-8 sequences are
// replaced by one best-fit byte ("?" for what has none, and for invalid UTF-8), then dot segments are removed
// (RFC 3986 §5.2.4). Query and fragment: %XX and %uXXXX decoded. Scheme and authority are not part of it.
// Linear in the target's length.

const hexVal = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;

/** A code point above 0xff to one byte: full-width ASCII to ASCII, anything else "?". */
function bestFit(cp: number): number {
  if (cp < 0x100) return cp;
  if (cp >= 0xff01 && cp <= 0xff5e) return cp - 0xfee0;
  return 0x3f;
}

/** Percent- and %u-decodes s into byte codes. */
function percentDecode(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if ((s[i + 1] === 'u' || s[i + 1] === 'U') && i + 5 < s.length) {
        const h = [2, 3, 4, 5].map((k) => hexVal(s.charCodeAt(i + k)));
        if (h.every((x) => x >= 0)) {
          out.push(bestFit((h[0]! << 12) | (h[1]! << 8) | (h[2]! << 4) | h[3]!));
          i += 5;
          continue;
        }
      }
      const a = hexVal(s.charCodeAt(i + 1));
      const b = hexVal(s.charCodeAt(i + 2));
      if (a >= 0 && b >= 0) {
        out.push(a * 16 + b);
        i += 2;
        continue;
      }
    }
    out.push(c & 0xff);
  }
  return out;
}

/** Valid UTF-8 sequences → one best-fit byte; bytes of invalid sequences → "?". */
function utf8BestFit(bytes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out.push(b);
      i++;
      continue;
    }
    const n = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    let cp = n === 4 ? b & 0x07 : n === 3 ? b & 0x0f : b & 0x1f;
    let k = 1;
    for (; n > 0 && k < n && i + k < bytes.length && (bytes[i + k]! & 0xc0) === 0x80; k++) cp = (cp << 6) | (bytes[i + k]! & 0x3f);
    if (n === 0 || k < n) {
      out.push(0x3f);
      i += Math.max(1, k);
      continue;
    }
    out.push(bestFit(cp));
    i += n;
  }
  return out;
}

/** RFC 3986 §5.2.4 remove_dot_segments over a path string. */
export function removeDotSegments(path: string): string {
  let input = path;
  const out: string[] = [];
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../') || input === '/..') {
      input = input === '/..' ? '/' : input.slice(3);
      out.pop();
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', input.startsWith('/') ? 1 : 0);
      const seg = next < 0 ? input : input.slice(0, next);
      out.push(seg);
      input = next < 0 ? '' : input.slice(next);
    }
  }
  return out.join('');
}

function bytesToText(bytes: readonly number[]): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.slice(i, i + 4096));
  return s;
}

function normalizePath(path: string): string {
  const decoded = percentDecode(path);
  const sep: number[] = [];
  for (const b of decoded) {
    const c = b === 0x5c ? 0x2f : b;
    if (c === 0x2f && sep.length > 0 && sep[sep.length - 1] === 0x2f) continue;
    sep.push(c);
  }
  return removeDotSegments(bytesToText(utf8BestFit(sep)));
}

/** The normalised http.uri of an origin-form request target (path[?query][#fragment]). */
export function normalizeUri(target: string): string {
  const q = target.indexOf('?');
  const h = target.indexOf('#');
  const pathEnd = Math.min(q < 0 ? target.length : q, h < 0 ? target.length : h);
  let out = normalizePath(target.slice(0, pathEnd));
  if (q >= 0 && (h < 0 || q < h)) out += `?${bytesToText(percentDecode(target.slice(q + 1, h < 0 ? target.length : h)))}`;
  if (h >= 0) out += `#${bytesToText(percentDecode(target.slice(h + 1)))}`;
  return out;
}
