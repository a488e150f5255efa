// Walks a gzip file member by member (RFC 1952 §2.2) and says what every byte is: a verified member, what could
// be inflated from a member that is not intact, or bytes that yield nothing. It decides nothing: crash recovery
// (sinks/archive) keeps verified members verbatim and re-validates the rest line by line; the spool counts lines;
// the report's salvage pass (report/gzip-salvage.ts) reads on past damage. Over a ByteWindow, so a file larger
// than memory should hold is read forward in windows (sinks/archive/file-window.ts) and a buffer just as well.

import { gzipHeaderEnd, HEADER_TRUNCATED, inflateRaw, readablePrefix, trailerMatches } from './gzip-member.ts';

/** A forward-only view of the bytes of a file; `size` may shrink if the file turns out shorter. */
export interface ByteWindow {
  readonly size: number;
  /** Makes [.., end) available as far as the data goes; resolves with the end offset of what is available. */
  ensure(end: number): Promise<number>;
  /** Bytes [from, end) of what is available; valid until the next ensure/discard. */
  view(from: number, end?: number): Buffer;
  /** Nothing before `offset` will be viewed again. */
  discard(offset: number): void;
}

/** A whole file already in memory. */
export class BufferWindow implements ByteWindow {
  readonly #data: Buffer;
  constructor(data: Buffer) {
    this.#data = data;
  }
  get size(): number {
    return this.#data.length;
  }
  ensure(end: number): Promise<number> {
    return Promise.resolve(Math.min(end, this.#data.length));
  }
  view(from: number, end = this.#data.length): Buffer {
    return this.#data.subarray(from, Math.max(from, end));
  }
  discard(): void {}
}

/** Why bytes are not a verified member: a closed set, for callers to decide on. */
export type GzipCause =
  | 'zeros' // a run of zero bytes (pre-allocated blocks that were never written, or padding)
  | 'not_gzip' // no member header here (resynchronised at the next member that verifies)
  | 'cut_header' // a member header cut off by the end of the file
  | 'checksum' // a complete member whose CRC-32 or length does not match its output
  | 'bad_deflate' // invalid deflate data
  | 'cut_member' // the file ends inside the deflate data
  | 'cut_trailer' // the file ends inside the 8-byte trailer
  | 'too_large'; // a member larger than any the writer makes

export const GZIP_CAUSE_TEXT: Readonly<Record<GzipCause, string>> = {
  zeros: 'zero bytes',
  not_gzip: 'not a gzip member header',
  cut_header: 'gzip member header cut off by the end of the file',
  checksum: 'gzip member checksum mismatch',
  bad_deflate: 'bad deflate data',
  cut_member: 'gzip member cut off by the end of the file',
  cut_trailer: 'gzip trailer cut off by the end of the file',
  too_large: 'gzip member larger than any the writer makes',
};

export type GzipPiece =
  /** A member whose CRC-32 and length matched: `data` is exactly what was written. */
  | { readonly kind: 'member'; readonly offset: number; readonly length: number; readonly data: Buffer }
  /**
   * Output of a member that is not intact (unverified: callers must validate what they keep), and the whole span
   * it occupied. `damageAt`: where the damage starts (the bad deflate byte, the trailer, the end of the file).
   */
  | {
    readonly kind: 'salvage'; readonly offset: number; readonly length: number; readonly data: Buffer;
    readonly cause: GzipCause; readonly detail: string; readonly damageAt: number;
  }
  /** Bytes that yield nothing. */
  | { readonly kind: 'damage'; readonly offset: number; readonly length: number; readonly cause: GzipCause };

/** A member larger than this (compressed) is treated as damage: the writer's blocks are far smaller. */
const MAX_MEMBER_BYTES = 256 * 1024 * 1024;
const MAX_MEMBER_OUTPUT = 512 * 1024 * 1024;
const READ_STEP = 64 * 1024;
const SCAN_STEP = 4 * 1024 * 1024;
const MAGIC = Buffer.from([0x1f, 0x8b, 8]);

type MemberAt =
  | { readonly kind: 'member'; readonly length: number; readonly data: Buffer }
  | {
    readonly kind: 'salvage'; readonly length: number; readonly data: Buffer; readonly cause: GzipCause;
    readonly detail: string; readonly damageAt: number;
  }
  | { readonly kind: 'none'; readonly cause: GzipCause };

/** Reads the member starting at `pos`, growing the window as needed. Offsets in the result are relative to `pos`. */
async function memberAt(win: ByteWindow, pos: number): Promise<MemberAt> {
  let end = await win.ensure(pos + READ_STEP);
  for (;;) {
    const view = win.view(pos, end);
    const h = gzipHeaderEnd(view, 0);
    if (h === -1) return { kind: 'none', cause: 'not_gzip' };
    if (h === HEADER_TRUNCATED) {
      if (end >= win.size) return { kind: 'none', cause: 'cut_header' };
      end = await win.ensure(end + READ_STEP);
      continue;
    }
    const r = inflateRaw(view.subarray(h), MAX_MEMBER_OUTPUT);
    if (r.kind === 'complete') {
      const trailer = h + r.consumed;
      if (trailer + 8 > view.length) {
        if (end < win.size) {
          end = await win.ensure(pos + trailer + 8);
          continue;
        }
        return { kind: 'salvage', length: view.length, data: r.out, cause: 'cut_trailer', detail: '', damageAt: trailer };
      }
      if (!trailerMatches(view, trailer, r.out)) {
        return { kind: 'salvage', length: trailer + 8, data: r.out, cause: 'checksum', detail: '', damageAt: trailer };
      }
      return { kind: 'member', length: trailer + 8, data: r.out };
    }
    if (r.kind === 'cut' && end < win.size && end - pos < MAX_MEMBER_BYTES) {
      end = await win.ensure(pos + Math.max(2 * (end - pos), SCAN_STEP));
      continue;
    }
    const prefix = readablePrefix(view.subarray(h), MAX_MEMBER_OUTPUT);
    if (r.kind === 'bad') {
      return { kind: 'salvage', length: view.length, data: prefix.out, cause: 'bad_deflate', detail: r.reason, damageAt: h + prefix.at };
    }
    const cause = end < win.size ? 'too_large' : 'cut_member';
    return { kind: 'salvage', length: view.length, data: prefix.out, cause, detail: '', damageAt: view.length };
  }
}

/**
 * The next offset after `from` where a verified member starts (or a cut one that yields data ends the file), else
 * the file size. Random bytes can look like a header and even inflate a little: that is not enough.
 */
async function resync(win: ByteWindow, from: number): Promise<number> {
  let pos = from;
  for (;;) {
    const end = await win.ensure(pos + SCAN_STEP);
    if (pos >= end) return win.size;
    const i = win.view(pos, end).indexOf(MAGIC);
    if (i === -1) {
      // keep the last two bytes: a header may straddle the window's end
      pos = Math.max(pos + 1, end - 2);
      if (end >= win.size) return win.size;
      win.discard(pos);
      continue;
    }
    const candidate = pos + i;
    const m = await memberAt(win, candidate);
    if (m.kind === 'member') return candidate;
    if (m.kind === 'salvage' && (m.cause === 'cut_member' || m.cause === 'cut_trailer') && m.data.length > 0) return candidate;
    pos = candidate + 1;
    win.discard(pos);
  }
}

async function skipZeros(win: ByteWindow, from: number): Promise<number> {
  let pos = from;
  for (;;) {
    const end = await win.ensure(pos + SCAN_STEP);
    if (pos >= end) return end;
    const view = win.view(pos, end);
    let i = 0;
    while (i < view.length && view[i] === 0) i++;
    pos += i;
    if (i < view.length || end >= win.size) return pos;
    win.discard(pos);
  }
}

/** Walks the whole file in order; every byte belongs to exactly one piece. */
export async function walkGzip(win: ByteWindow, visit: (p: GzipPiece) => void | Promise<void>): Promise<void> {
  let pos = 0;
  while (pos < win.size) {
    win.discard(pos);
    await win.ensure(pos + 1);
    if (win.view(pos, pos + 1)[0] === 0) {
      const next = await skipZeros(win, pos);
      await visit({ kind: 'damage', offset: pos, length: next - pos, cause: 'zeros' });
      pos = next;
      continue;
    }
    const m = await memberAt(win, pos);
    if (m.kind === 'member') {
      await visit({ kind: 'member', offset: pos, length: m.length, data: m.data });
      pos += m.length;
      continue;
    }
    // Damage can make a member's deflate data run on into the next member: resume at the next one that verifies.
    const next = await resync(win, pos + 1);
    if (m.kind === 'salvage' && m.data.length > 0) {
      await visit({ kind: 'salvage', offset: pos, length: next - pos, data: m.data, cause: m.cause, detail: m.detail, damageAt: pos + m.damageAt });
    } else {
      await visit({ kind: 'damage', offset: pos, length: next - pos, cause: m.cause });
    }
    pos = next;
  }
}
