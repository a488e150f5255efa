// Reads a tar archive (POSIX ustar, with GNU long names and pax `path` records, as ET's emerging.rules.tar.gz
// is written) from a Buffer: 512-byte headers, name at 0 (100 bytes) with the ustar prefix at 345 (155), size
// in octal at 124 (12), type flag at 156, the checksum at 148 over the header with that field as spaces; the
// data follows, padded to 512. Only regular files are returned; a truncated or corrupt archive is an error value.

export interface TarEntry {
  readonly path: string;
  readonly data: Buffer;
}

export type TarResult = { readonly ok: true; readonly entries: TarEntry[] } | { readonly ok: false; readonly reason: string };

const BLOCK = 512;

function field(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('latin1', off, end < 0 || end > off + len ? off + len : end);
}

function octal(b: Buffer, off: number, len: number): number {
  const t = field(b, off, len).trim();
  return /^[0-7]+$/.test(t) ? parseInt(t, 8) : -1;
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === octal(h, 148, 8);
}

/** pax extended header records "len key=value\n": the path, if any. */
function paxPath(data: Buffer): string | undefined {
  const text = data.toString('utf8');
  for (const m of text.matchAll(/(\d+) ([^=]+)=([^\n]*)\n/g)) if (m[2] === 'path') return m[3];
  return undefined;
}

export function readTar(buf: Buffer, limits: { maxEntries: number; maxBytes: number }): TarResult {
  const entries: TarEntry[] = [];
  let total = 0;
  let longName: string | undefined;
  for (let off = 0; ; ) {
    if (off + BLOCK > buf.length) return { ok: false, reason: 'truncated archive (no end marker)' };
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((x) => x === 0)) return { ok: true, entries };
    if (!checksumOk(h)) return { ok: false, reason: `bad header checksum at byte ${off}` };
    const size = octal(h, 124, 12);
    if (size < 0) return { ok: false, reason: `bad size field at byte ${off}` };
    const dataStart = off + BLOCK;
    if (dataStart + size > buf.length) return { ok: false, reason: 'truncated archive (file data cut short)' };
    const data = buf.subarray(dataStart, dataStart + size);
    const type = String.fromCharCode(h[156]!);
    const prefix = h.toString('latin1', 257, 263) === 'ustar\0' || h.toString('latin1', 257, 262) === 'ustar' ? field(h, 345, 155) : '';
    const name = longName ?? (prefix !== '' ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    if (type === 'L') longName = field(data, 0, data.length);
    else if (type === 'x') longName = paxPath(data);
    else if (type === '0' || type === '\0' || type === '7') {
      total += size;
      if (entries.length >= limits.maxEntries || total > limits.maxBytes) return { ok: false, reason: 'archive larger than allowed' };
      entries.push({ path: name, data });
    }
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** A tar archive of the given files (for tests and local sets): ustar headers, two zero blocks at the end. */
export function writeTar(files: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const h = Buffer.alloc(BLOCK);
    h.write(f.path, 0, 100, 'latin1');
    h.write('0000644\0', 100, 'latin1');
    h.write('0000000\0', 108, 'latin1');
    h.write('0000000\0', 116, 'latin1');
    h.write(`${f.data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    h.write('00000000000\0', 136, 'latin1');
    h.write('        ', 148, 'latin1');
    h[156] = 0x30;
    h.write('ustar\0' + '00', 257, 'latin1');
    let sum = 0;
    for (const x of h) sum += x;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    parts.push(h, f.data, Buffer.alloc((BLOCK - (f.data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
