// Careful gzip decoding for damaged archives, member by member (RFC 1952). Node's streaming gunzip drops the
// output of the zlib call that hits bad data, which can hold whole good members written before the damage.
// Here each member is inflated on its own; a damaged one yields everything before the bad bytes (largest
// prefix that inflates, found by bisection), and decoding resumes at the next member header after it. Only used
// on files the streaming pass could not decode, so whole-file buffers and repeated inflates are acceptable.

import { crc32, gzipHeaderEnd, HEADER_TRUNCATED, inflateRaw, readablePrefix, trailerMatches } from '../record/gzip-member.ts';

export interface Damage {
  /** Byte offset in the compressed file. */
  readonly offset: number;
  readonly reason: string;
  /** The file just ends early (what a crash, or a file still being written, leaves): nothing after is lost. */
  readonly truncation: boolean;
}

type Inflated =
  | { readonly kind: 'complete'; readonly out: Buffer; readonly consumed: number }
  | { readonly kind: 'truncated'; readonly out: Buffer }
  | { readonly kind: 'bad'; readonly out: Buffer; readonly at: number; readonly reason: string };

function inflateMember(deflate: Buffer, maxOutput: number): Inflated {
  const r = inflateRaw(deflate, maxOutput);
  if (r.kind === 'complete') return r;
  const prefix = readablePrefix(deflate, maxOutput);
  if (r.kind === 'cut') return { kind: 'truncated', out: prefix.out };
  return { kind: 'bad', out: prefix.out, at: prefix.at, reason: r.reason };
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
      if (!trailerMatches(data, trailer, r.out)) {
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
