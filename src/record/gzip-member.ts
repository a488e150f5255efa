// Gzip members (RFC 1952 §2.2: "a gzip file consists of a series of members"): the archive writer flushes one
// complete member per block, so gunzip, zcat, DuckDB, Athena/Trino and Spark read a file as one stream, while a
// torn write (SIGKILL mid-write, power loss) can only damage the last member; every earlier one carries its own
// CRC-32 and length. The writer (sinks/archive) makes members with these; crash recovery, the spool's record
// count and the report's salvage pass read them back through gzip-walk.ts.

import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzipAsync = promisify(zlib.gzip);
const MEMBER_LEVEL = 6;

/** One gzip member holding `raw` (compressed in the libuv thread pool: never blocks the event loop). */
export function compressMember(raw: Buffer): Promise<Buffer> {
  return gzipAsync(raw, { level: MEMBER_LEVEL });
}

export function compressMemberSync(raw: Buffer): Buffer {
  return zlib.gzipSync(raw, { level: MEMBER_LEVEL });
}

const FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16, FRESERVED = 0xe0;

/** gzipHeaderEnd(): the header is cut off by the end of the buffer. */
export const HEADER_TRUNCATED = -2;

/**
 * Offset (absolute, in `data`) of the deflate data of the member whose header starts at `pos`; -1 if there is no
 * valid header there (magic, method 8, no reserved flag bits); HEADER_TRUNCATED if the buffer ends inside one.
 */
export function gzipHeaderEnd(data: Buffer, pos: number): number {
  const magic = [0x1f, 0x8b, 8];
  for (let k = 0; k < 3; k++) {
    if (pos + k >= data.length) return HEADER_TRUNCATED;
    if (data[pos + k] !== magic[k]) return -1;
  }
  if (pos + 10 > data.length) return HEADER_TRUNCATED;
  const flags = data[pos + 3]!;
  if (flags & FRESERVED) return -1;
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

export type RawInflate =
  /** The deflate stream ended: `consumed` bytes of input made `out`; the 8-byte trailer follows. */
  | { readonly kind: 'complete'; readonly out: Buffer; readonly consumed: number }
  /** The input ended before the deflate stream did. */
  | { readonly kind: 'cut' }
  /** Invalid deflate data. */
  | { readonly kind: 'bad'; readonly reason: string };

export function inflateRaw(deflate: Buffer, maxOutput: number): RawInflate {
  try {
    const r = zlib.inflateRawSync(deflate, { info: true, maxOutputLength: maxOutput }) as unknown as {
      buffer: Buffer; engine: { bytesWritten: number };
    };
    return { kind: 'complete', out: r.buffer, consumed: r.engine.bytesWritten };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') return { kind: 'cut' };
    return { kind: 'bad', reason: (err as Error).message };
  }
}

/**
 * What the longest prefix of `deflate` that inflates without error decodes to (deflate output is prefix-stable,
 * so bisection finds it), and `at`: the length of the shortest prefix that does not inflate (where the damage is).
 */
export function readablePrefix(deflate: Buffer, maxOutput: number): { readonly out: Buffer; readonly at: number } {
  const attempt = (n: number): Buffer | undefined => {
    try {
      return zlib.inflateRawSync(deflate.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxOutput });
    } catch {
      return undefined;
    }
  };
  const whole = attempt(deflate.length);
  if (whole) return { out: whole, at: deflate.length };
  let lo = 0, hi = deflate.length; // lo inflates, hi does not
  let best: Buffer = Buffer.alloc(0);
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    const out = attempt(mid);
    if (out) {
      lo = mid;
      best = out;
    } else {
      hi = mid;
    }
  }
  return { out: best, at: hi };
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

/** CRC-32 of RFC 1952 (zlib.crc32 where Node has it: 20.15+, 22.2+; a table-driven fallback otherwise). */
export function crc32(buf: Buffer): number {
  const native = (zlib as { crc32?: (b: Buffer) => number }).crc32;
  if (native) return native(buf) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** True when the 8-byte trailer at `trailer` matches `out` (CRC-32 and length mod 2^32). */
export function trailerMatches(data: Buffer, trailer: number, out: Buffer): boolean {
  return data.readUInt32LE(trailer) === crc32(out) && data.readUInt32LE(trailer + 4) === out.length % 2 ** 32;
}
