// Crash recovery: files left in the open area by a run that did not rotate them (SIGKILL, OOM kill, power loss)
// become ready files holding every complete record. JSON Lines archives keep their CRC-verified gzip members
// verbatim; the readable part of a torn or damaged member is inflated, split into lines, and only complete lines
// that parse as records are kept (re-compressed into a new member). pcap files are cut after their last complete
// record. What could not be kept is reported in bytes and lines.

import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ArchiveError, InternalError } from '../../errors.ts';
import type { ArchiveKind } from '../../record/archive-name.ts';
import { compressMemberSync } from '../../record/gzip-member.ts';
import { GZIP_CAUSE_TEXT, walkGzip } from '../../record/gzip-walk.ts';
import { parseRecordLine } from '../../record/ndjson.ts';
import { FileWindow } from './file-window.ts';
import { fsyncDir, writeFully } from './file-io.ts';
import { scanPcap } from './pcap-format.ts';

export interface RecoveryResult {
  readonly file: string;
  readonly kind: ArchiveKind;
  /** moved: intact, renamed as is; repaired: torn or damaged parts dropped; discarded: nothing to keep. */
  readonly outcome: 'moved' | 'repaired' | 'discarded';
  /** Records (JSON Lines) or frames (pcap) now in the ready file. */
  readonly kept: number;
  /** Of `kept`, records read from a torn or damaged gzip member (complete lines that parse as records). */
  readonly salvaged: number;
  /** Compressed bytes that yielded nothing usable. */
  readonly lostBytes: number;
  /** Lines cut short by the tear. */
  readonly partialLines: number;
  /** Complete lines that were not valid records. */
  readonly invalidLines: number;
  /** Size of the ready file (0 when discarded). */
  readonly size: number;
  readonly reasons: readonly string[];
}

type Plan = { readonly copy: true; readonly offset: number; readonly length: number } | { readonly copy: false; readonly data: Buffer };

/** Recovers `<openDir>/<file>` into `<readyDir>/<file>`; the open copy is gone afterwards. */
export async function recoverFile(openDir: string, readyDir: string, file: string, kind: ArchiveKind): Promise<RecoveryResult> {
  return kind === 'pcap' ? recoverPcap(openDir, readyDir, file) : recoverJsonl(openDir, readyDir, file);
}

type Tally = Omit<RecoveryResult, 'outcome' | 'size'>;

async function recoverJsonl(openDir: string, readyDir: string, file: string): Promise<RecoveryResult> {
  const src = join(openDir, file);
  const dst = join(readyDir, file);
  const fh = await open(src, 'r+');
  let closed = false;
  const closeOnce = async () => {
    closed = true;
    await fh.close();
  };
  try {
    const size = (await fh.stat()).size;
    const { plan, tally } = await planJsonl(fh, size, file);
    if (tally.kept === 0) {
      await closeOnce();
      await unlink(src);
      return { ...tally, outcome: 'discarded', size: 0 };
    }
    if (isIntact(plan, size)) {
      await fh.datasync();
      await closeOnce();
      await rename(src, dst);
      await fsyncDir(readyDir);
      return { ...tally, outcome: 'moved', size };
    }
    const outSize = tornAtEnd(plan)
      ? await repairInPlace(fh, plan, closeOnce, src, dst)
      : await rewriteCopy(fh, plan, closeOnce, src, dst);
    await fsyncDir(readyDir);
    await fsyncDir(openDir);
    return { ...tally, outcome: 'repaired', size: outSize };
  } finally {
    if (!closed) await fh.close().catch(() => {});
  }
}

/** Reads every gzip member of the file and decides, member by member, what to keep. */
async function planJsonl(fh: FileHandle, size: number, file: string): Promise<{ plan: Plan[]; tally: Tally }> {
  const plan: Plan[] = [];
  const reasons: string[] = [];
  let kept = 0, salvaged = 0, lostBytes = 0, partialLines = 0, invalidLines = 0;
  await walkGzip(new FileWindow(fh, size), async (p) => {
    // a member whose checksum does not match may hold lines that parse but were never written: keep none
    if (p.kind === 'damage' || (p.kind === 'salvage' && p.cause === 'checksum')) {
      lostBytes += p.length;
      reasons.push(`${GZIP_CAUSE_TEXT[p.cause]} at byte ${p.offset} (${p.length} bytes)`);
      return;
    }
    const g = goodLines(p.data, p.kind === 'salvage');
    invalidLines += g.bad;
    if (g.partial) partialLines++;
    if (p.kind === 'member' && g.bad === 0) {
      plan.push({ copy: true, offset: p.offset, length: p.length });
    } else {
      if (p.kind === 'salvage') {
        lostBytes += p.length;
        salvaged += g.lines.length;
        reasons.push(`${GZIP_CAUSE_TEXT[p.cause]} at byte ${p.offset}; ${g.lines.length} complete records read from it`);
      } else {
        reasons.push(`${g.bad} invalid lines in the gzip member at byte ${p.offset}`);
      }
      if (g.lines.length > 0) plan.push({ copy: false, data: compressMemberSync(Buffer.from(g.lines.join(''))) });
    }
    kept += g.lines.length;
    await yieldToLoop(); // recovery runs beside capture: let it breathe between members
  });
  return { plan, tally: { file, kind: 'jsonl', kept, salvaged, lostBytes, partialLines, invalidLines, reasons } };
}

/** Valid record lines of `data`; the part after the last newline is a partial line when `mayBePartial`. */
function goodLines(data: Buffer, mayBePartial: boolean): { lines: string[]; bad: number; partial: boolean } {
  const text = data.toString('utf8');
  const lastNl = text.lastIndexOf('\n');
  const tail = text.slice(lastNl + 1);
  const lines: string[] = [];
  let bad = 0;
  if (lastNl >= 0) {
    for (const line of text.slice(0, lastNl).split('\n')) {
      if (parseRecordLine(line).ok) lines.push(line + '\n');
      else bad++;
    }
  }
  const partial = tail.length > 0;
  if (partial && !mayBePartial) bad++;
  return { lines, bad, partial: partial && mayBePartial };
}

/** Copies of consecutive members from byte 0. */
const contiguous = (plan: readonly Plan[]): boolean => plan.every((x, i) => x.copy && x.offset === (i === 0 ? 0 : endOf(plan[i - 1]!)));

/** Every member verified, nothing missing: the file can be renamed as it is. */
const isIntact = (plan: readonly Plan[], size: number): boolean => contiguous(plan) && endOf(plan[plan.length - 1]!) === size;

/** The usual tear: a verified prefix, then only new members. */
function tornAtEnd(plan: readonly Plan[]): boolean {
  const firstNew = plan.findIndex((x) => !x.copy);
  return firstNew === -1 ? contiguous(plan) : contiguous(plan.slice(0, firstNew)) && plan.slice(firstNew).every((x) => !x.copy);
}

/** Cuts the file after its verified prefix and appends the new members in place; returns the new size. */
async function repairInPlace(fh: FileHandle, plan: readonly Plan[], close: () => Promise<void>, src: string, dst: string): Promise<number> {
  const firstNew = plan.findIndex((x) => !x.copy);
  const prefix = firstNew === -1 ? plan.length : firstNew;
  let pos = prefix === 0 ? 0 : endOf(plan[prefix - 1]!);
  await fh.truncate(pos);
  for (const x of plan) {
    if (x.copy) continue;
    await writeFully(fh, x.data, pos);
    pos += x.data.length;
  }
  await fh.datasync();
  await close();
  await rename(src, dst);
  return pos;
}

/** Damage in the middle: writes a clean copy beside the destination, then swaps it in; returns its size. */
async function rewriteCopy(fh: FileHandle, plan: readonly Plan[], close: () => Promise<void>, src: string, dst: string): Promise<number> {
  const tmp = `${dst}.tmp`;
  const out = await open(tmp, 'w');
  let pos = 0;
  try {
    for (const x of plan) {
      let data: Buffer;
      if (x.copy) {
        data = Buffer.allocUnsafe(x.length);
        const { bytesRead } = await fh.read(data, 0, x.length, x.offset);
        if (bytesRead !== x.length) throw new ArchiveError(`short read at byte ${x.offset} of ${src}`);
      } else {
        data = x.data;
      }
      await writeFully(out, data, pos);
      pos += data.length;
    }
    await out.datasync();
  } finally {
    await out.close();
  }
  await rename(tmp, dst);
  await close();
  await unlink(src);
  return pos;
}

function endOf(x: Plan): number {
  if (!x.copy) throw new InternalError('not a copy');
  return x.offset + x.length;
}

async function recoverPcap(openDir: string, readyDir: string, file: string): Promise<RecoveryResult> {
  const src = join(openDir, file);
  const fh = await open(src, 'r+');
  let closed = false;
  try {
    const size = (await fh.stat()).size;
    const scan = await scanPcap(new FileWindow(fh, size));
    const lostBytes = size - scan.validEnd;
    const base = {
      file, kind: 'pcap' as const, kept: scan.frames, salvaged: 0, lostBytes, partialLines: 0, invalidLines: 0,
      reasons: scan.reason && lostBytes > 0 ? [`${scan.reason} at byte ${scan.validEnd} (${lostBytes} bytes)`] : [],
    };
    if (!scan.headerOk || scan.frames === 0) {
      await fh.close();
      closed = true;
      await unlink(src);
      return { ...base, outcome: 'discarded', size: 0 };
    }
    if (lostBytes > 0) await fh.truncate(scan.validEnd);
    await fh.datasync();
    await fh.close();
    closed = true;
    await rename(src, join(readyDir, file));
    await fsyncDir(readyDir);
    return { ...base, outcome: lostBytes > 0 ? 'repaired' : 'moved', size: scan.validEnd };
  } finally {
    if (!closed) await fh.close().catch(() => {});
  }
}
