// Careful gzip decoding for damaged archives, member by member (RFC 1952). Node's streaming gunzip drops the
// output of the zlib call that hits bad data, which can hold whole good members written before the damage.
// Here each member is inflated on its own; a damaged one yields everything before the bad bytes (largest
// prefix that inflates, found by bisection), and decoding resumes at the next member header after it. Only used
// on files the streaming pass could not decode, so whole-file buffers and repeated inflates are acceptable.

import zlib from 'node:zlib';

export interface Damage {
  /** Byte offset in the compressed file. */
  readonly offset: number;
  readonly reason: string;
  /** The file just ends early (what a crash, or a file still being written, leaves): nothing after is lost. */
  readonly truncation: boolean;
}

const FTEXT = 1, FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

/** gzipHeaderEnd(): the header is cut off by the end of the file. */
export const HEADER_TRUNCATED = -2;

/**
 * Offset of the deflate data of the member whose header starts at pos; -1 if there is no valid header there,
 * HEADER_TRUNCATED if what is there is the start of one that the file cuts off.
 */
export function gzipHeaderEnd(data: Buffer, pos: number): number {
  const magic = [0x1f, 0x8b, 8];
  for (let k = 0; k < 3; k++) {
    if (pos + k >= data.length) return HEADER_TRUNCATED;
    if (data[pos + k] !== magic[k]) return -1;
  }
  if (pos + 10 > data.length) return HEADER_TRUNCATED;
  const flags = data[pos + 3]!;
  if (flags & ~(FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT)) return -1; // reserved bits set
  let i = pos + 10;
  if (flags & FEXTRA) {
    if (i + 2 > data.length) return HEADER_TRUNCATED;
    i += 2 + data.readUInt16LE(i);
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (flags & f) {
      const z = data.indexOf(0, i);
      if (z === -1) return HEADER_TRUNCATED;
      i = z + 1;
    }
  }
  if (flags & FHCRC) i += 2;
  return i <= data.length ? i : HEADER_TRUNCATED;
}

type Inflated =
  | { readonly kind: 'complete'; readonly out: Buffer; readonly consumed: number }
  | { readonly kind: 'truncated'; readonly out: Buffer }
  | { readonly kind: 'bad'; readonly out: Buffer; readonly at: number; readonly reason: string };

function inflateMember(deflate: Buffer, maxOutput: number): Inflated {
  try {
    const r = zlib.inflateRawSync(deflate, { info: true, maxOutputLength: maxOutput }) as unknown as {
      buffer: Buffer; engine: { bytesWritten: number };
    };
    return { kind: 'complete', out: r.buffer, consumed: r.engine.bytesWritten };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') {
      return { kind: 'truncated', out: inflatePrefix(deflate, deflate.length, maxOutput) ?? Buffer.alloc(0) };
    }
    if (code !== 'Z_DATA_ERROR') throw e;
    // Largest prefix that inflates without a data error (a prefix of good data only ever "ends early").
    let lo = 0, hi = deflate.length; // lo inflates, hi does not
    let best: Buffer = Buffer.alloc(0);
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      const out = inflatePrefix(deflate, mid, maxOutput);
      if (out) {
        lo = mid;
        best = out;
      } else {
        hi = mid;
      }
    }
    return { kind: 'bad', out: best, at: hi, reason: (e as Error).message };
  }
}

function inflatePrefix(deflate: Buffer, n: number, maxOutput: number): Buffer | undefined {
  try {
    return zlib.inflateRawSync(deflate.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxOutput });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') return undefined;
    throw e;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (zlib.crc32 on Node ≥ 20.15 / 22.2, else a table-driven fallback). */
export function crc32(buf: Buffer): number {
  const native = (zlib as unknown as { crc32?: (b: Buffer) => number }).crc32;
  if (native) return native(buf) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const NEWLINE = Buffer.from('\n');

/** Finds the next position after `from` where a gzip member header starts and inflates to something. */
function resync(data: Buffer, from: number, maxOutput: number): number {
  for (let p = data.indexOf(0x1f, from); p !== -1; p = data.indexOf(0x1f, p + 1)) {
    const h = gzipHeaderEnd(data, p);
    if (h === HEADER_TRUNCATED) return p;
    if (h < 0) continue;
    // Random bytes can look like a header and even inflate a little: demand a verified or file-ending member.
    const r = inflateMember(data.subarray(h), maxOutput);
    if (r.kind === 'truncated' && r.out.length > 0) return p;
    if (r.kind === 'complete' && h + r.consumed + 8 <= data.length && data.readUInt32LE(h + r.consumed) === crc32(r.out)) return p;
  }
  return -1;
}

/**
 * Decodes what can be decoded; `emit` gets the output in order. A damaged member's output is ended with "\n" (the
 * writer flushes members at line ends), so its torn last line does not swallow the next member's first line.
 * Intact members are passed on byte for byte.
 */
export function salvageGzip(data: Buffer, emit: (chunk: Buffer) => void, maxOutput = 1 << 30): Damage[] {
  const damage: Damage[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) {
      // Zeros at the end are padding (a pre-allocated or zero-filled tail), as gunzip tolerates. Zeros with data
      // after them are a hole where blocks never reached the disk.
      let z = pos;
      while (z < data.length && data[z] === 0) z++;
      if (z < data.length) damage.push({ offset: pos, reason: `${z - pos} zero bytes inside the file (data may be missing)`, truncation: false });
      pos = z;
      continue;
    }
    const h = gzipHeaderEnd(data, pos);
    if (h === HEADER_TRUNCATED) {
      damage.push({ offset: pos, reason: 'truncated gzip member header (unexpected end of file)', truncation: true });
      break;
    }
    if (h < 0) {
      const next = resync(data, pos + 1, maxOutput);
      damage.push({ offset: pos, reason: next === -1 ? 'not gzip data up to the end of the file' : `not gzip data up to byte ${next}`, truncation: false });
      if (next === -1) break;
      pos = next;
      continue;
    }
    const r = inflateMember(data.subarray(h), maxOutput);
    if (r.out.length > 0) emit(r.out);
    if (r.kind === 'complete') {
      const trailer = h + r.consumed;
      if (trailer + 8 > data.length) {
        damage.push({ offset: trailer, reason: 'truncated gzip trailer', truncation: true });
        break;
      }
      if (data.readUInt32LE(trailer) !== crc32(r.out) || data.readUInt32LE(trailer + 4) !== r.out.length % 2 ** 32) {
        damage.push({ offset: pos, reason: 'gzip member checksum mismatch (its lines may be corrupt)', truncation: false });
        // Damaged output may have lost its last newline; do not glue the next member's first line to it.
        if (r.out.length > 0 && r.out[r.out.length - 1] !== 0x0a) emit(NEWLINE);
      }
      pos = trailer + 8;
      continue;
    }
    if (r.kind === 'truncated') {
      damage.push({ offset: pos, reason: 'truncated gzip member (unexpected end of file)', truncation: true });
      break;
    }
    if (r.out.length > 0 && r.out[r.out.length - 1] !== 0x0a) emit(NEWLINE);
    const next = resync(data, pos + 1, maxOutput);
    damage.push({
      offset: h + r.at,
      reason: `${r.reason}${next === -1 ? '' : `; resumed at the gzip member at byte ${next}`}`,
      truncation: false,
    });
    if (next === -1) break;
    pos = next;
  }
  return damage;
}
