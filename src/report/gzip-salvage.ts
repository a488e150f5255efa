// Careful gzip decoding for damaged archives. Node's streaming gunzip drops the output of the zlib call that hits
// bad data, which can hold whole good members written before the damage. Here the file is walked member by member
// (record/gzip-walk.ts): intact members are passed on byte for byte, a damaged one yields everything before the
// bad bytes, and decoding resumes at the next intact member after it. This file only decides what the report
// makes of each piece. Used on files the streaming pass could not decode, so a whole-file buffer is acceptable.

import { BufferWindow, GZIP_CAUSE_TEXT, type GzipPiece, walkGzip } from '../record/gzip-walk.ts';

export interface Damage {
  /** Byte offset in the compressed file. */
  readonly offset: number;
  readonly reason: string;
  /** The file just ends early (what a crash, or a file still being written, leaves): nothing after is lost. */
  readonly truncation: boolean;
}

const NEWLINE = Buffer.from('\n');

/** What the report says about a piece that is not an intact member (undefined: nothing worth saying). */
function damageOf(p: Exclude<GzipPiece, { kind: 'member' }>, size: number): Damage | undefined {
  const next = p.offset + p.length;
  const resumed = next < size ? `; resumed at the gzip member at byte ${next}` : '';
  switch (p.cause) {
    case 'zeros':
      // zeros at the end are padding (a pre-allocated or zero-filled tail), as gunzip tolerates; zeros with data
      // after them are a hole where blocks never reached the disk
      return next < size ? { offset: p.offset, reason: `${p.length} zero bytes inside the file (data may be missing)`, truncation: false } : undefined;
    case 'not_gzip':
      return { offset: p.offset, reason: next < size ? `not gzip data up to byte ${next}` : 'not gzip data up to the end of the file', truncation: false };
    case 'cut_header':
      return { offset: p.offset, reason: 'truncated gzip member header (unexpected end of file)', truncation: true };
    case 'cut_member':
      return { offset: p.offset, reason: 'truncated gzip member (unexpected end of file)', truncation: true };
    case 'cut_trailer':
      return { offset: p.kind === 'salvage' ? p.damageAt : p.offset, reason: 'truncated gzip trailer', truncation: true };
    case 'checksum':
      return { offset: p.offset, reason: 'gzip member checksum mismatch (its lines may be corrupt)', truncation: false };
    case 'bad_deflate':
    case 'too_large': {
      const text = p.kind === 'salvage' && p.detail ? p.detail : GZIP_CAUSE_TEXT[p.cause];
      return { offset: p.kind === 'salvage' ? p.damageAt : p.offset, reason: text + resumed, truncation: false };
    }
  }
}

/**
 * Decodes what can be decoded; `emit` gets the output in order. The output of a member that is not intact is
 * ended with "\n" (the writer flushes members at line ends), so its torn last line does not swallow the next
 * member's first line; a cut-off end is left as it is (the line reader reports it as torn).
 */
export async function salvageGzip(data: Buffer, emit: (chunk: Buffer) => void): Promise<Damage[]> {
  const damage: Damage[] = [];
  await walkGzip(new BufferWindow(data), (p) => {
    if (p.kind === 'member') {
      emit(p.data);
      return;
    }
    const d = damageOf(p, data.length);
    if (d) damage.push(d);
    if (p.kind !== 'salvage') return;
    emit(p.data);
    if (!d?.truncation && p.data[p.data.length - 1] !== 0x0a) emit(NEWLINE);
  });
  return damage;
}
