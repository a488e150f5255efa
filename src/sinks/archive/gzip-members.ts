// Archives are written as a sequence of complete gzip members (RFC 1952 §2.2: "a gzip file consists of a series of
// members"), one per flushed block. gunzip, zcat, DuckDB, Athena/Trino and Spark read them as one stream. A torn
// write (SIGKILL mid-write, power loss) can only damage the last member; every earlier member carries its own CRC-32
// and length, so recovery keeps them verbatim and knows they are intact.
//
// `scanGzip` walks a file member by member: verified members, the readable prefix of a damaged or cut member
// (unverified: callers must validate what they keep), and the byte ranges that yield nothing.

import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { gzipHeaderEnd, HEADER_TRUNCATED, inflateRaw, readablePrefix, trailerMatches } from '../../record/gzip-member.ts';
import type { FileWindow } from './file-window.ts';

const gzipAsync = promisify(zlib.gzip);

/** One gzip member for `raw` (in the libuv thread pool: never blocks the event loop). */
export function compressBlock(raw: Buffer): Promise<Buffer> {
  return gzipAsync(raw, { level: 6 });
}

export function compressBlockSync(raw: Buffer): Buffer {
  return zlib.gzipSync(raw, { level: 6 });
}

export type GzipPiece =
  /** A member whose CRC-32 and length matched: `data` is exactly what was written. */
  | { readonly kind: 'member'; readonly offset: number; readonly length: number; readonly data: Buffer }
  /** What could be inflated from a damaged or cut member (unverified), and the whole span it occupied. */
  | { readonly kind: 'salvage'; readonly offset: number; readonly length: number; readonly data: Buffer; readonly reason: string }
  /** Bytes that yield nothing. */
  | { readonly kind: 'damage'; readonly offset: number; readonly length: number; readonly reason: string };

/** A member larger than this (compressed) is treated as damage: the writer's blocks are far smaller. */
const MAX_MEMBER_BYTES = 256 * 1024 * 1024;
const MAX_MEMBER_OUTPUT = 512 * 1024 * 1024;

/** Offset (relative to `pos`) of the deflate data of a member header at `pos`; -1 if not a header; 0 if cut short. */
function headerEnd(buf: Buffer, pos: number): number {
  const h = gzipHeaderEnd(buf, pos);
  return h === HEADER_TRUNCATED ? 0 : h === -1 ? -1 : h - pos;
}

type MemberAt =
  | { readonly kind: 'member'; readonly length: number; readonly data: Buffer }
  | { readonly kind: 'salvage'; readonly length: number; readonly data: Buffer; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string };

/** Reads the member starting at `pos`, growing the window as needed. */
async function memberAt(win: FileWindow, pos: number): Promise<MemberAt> {
  let end = await win.ensure(pos + 64 * 1024);
  for (;;) {
    const view = win.view(pos, end);
    const h = headerEnd(view, 0);
    if (h === -1) return { kind: 'none', reason: 'not a gzip member header' };
    if (h === 0) {
      if (end >= win.size) return { kind: 'none', reason: 'cut gzip header at the end of the file' };
      end = await win.ensure(end + 64 * 1024);
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
        return { kind: 'salvage', length: view.length, data: r.out, reason: 'cut gzip trailer at the end of the file' };
      }
      if (!trailerMatches(view, trailer, r.out)) {
        return { kind: 'none', reason: 'gzip member checksum mismatch' };
      }
      return { kind: 'member', length: trailer + 8, data: r.out };
    }
    if (r.kind === 'cut' && end < win.size && end - pos < MAX_MEMBER_BYTES) {
      end = await win.ensure(pos + Math.max(2 * (end - pos), 4 * 1024 * 1024));
      continue;
    }
    const reason = r.kind === 'cut'
      ? (end < win.size ? 'gzip member larger than any the writer makes' : 'gzip member cut at the end of the file')
      : `bad deflate data (${r.reason})`;
    return { kind: 'salvage', length: view.length, data: readablePrefix(view.subarray(h), MAX_MEMBER_OUTPUT).out, reason };
  }
}

/** The next offset after `from` where a verified member starts (or a cut one ends the file), else the file size. */
async function resync(win: FileWindow, from: number): Promise<number> {
  let pos = from;
  for (;;) {
    const end = await win.ensure(pos + 4 * 1024 * 1024);
    if (pos >= end) return win.size;
    const view = win.view(pos, end);
    const i = view.indexOf(Buffer.from([0x1f, 0x8b, 8]));
    if (i === -1) {
      // keep the last two bytes: a header may straddle the window's end
      pos = Math.max(pos + 1, end - 2);
      if (end >= win.size) return win.size;
      win.discard(pos);
      continue;
    }
    const candidate = pos + i;
    const m = await memberAt(win, candidate);
    if (m.kind === 'member' || (m.kind === 'salvage' && candidate + m.length >= win.size && m.data.length > 0)) return candidate;
    pos = candidate + 1;
    win.discard(pos);
  }
}

/** Walks the whole file in order; every byte belongs to exactly one piece. */
export async function scanGzip(win: FileWindow, visit: (p: GzipPiece) => void | Promise<void>): Promise<void> {
  let pos = 0;
  while (pos < win.size) {
    win.discard(pos);
    await win.ensure(pos + 1);
    if (win.view(pos, pos + 1)[0] === 0) {
      // a zero-filled tail (blocks allocated but never written before a power loss)
      const next = await skipZeros(win, pos);
      await visit({ kind: 'damage', offset: pos, length: next - pos, reason: 'zero bytes' });
      pos = next;
      continue;
    }
    const m = await memberAt(win, pos);
    if (m.kind === 'member') {
      await visit({ kind: 'member', offset: pos, length: m.length, data: m.data });
      pos += m.length;
      continue;
    }
    const next = await resync(win, pos + 1);
    if (m.kind === 'salvage' && m.data.length > 0) {
      await visit({ kind: 'salvage', offset: pos, length: next - pos, data: m.data, reason: m.reason });
    } else {
      await visit({ kind: 'damage', offset: pos, length: next - pos, reason: m.reason });
    }
    pos = next;
  }
}

async function skipZeros(win: FileWindow, from: number): Promise<number> {
  let pos = from;
  for (;;) {
    const end = await win.ensure(pos + 1024 * 1024);
    if (pos >= end) return end;
    const view = win.view(pos, end);
    let i = 0;
    while (i < view.length && view[i] === 0) i++;
    pos += i;
    if (i < view.length || end >= win.size) return pos;
    win.discard(pos);
  }
}
