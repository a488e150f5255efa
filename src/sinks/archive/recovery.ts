// Crash recovery: files left in the open area by a run that did not rotate them (SIGKILL, OOM kill, power loss)
// become ready files holding every complete record. JSON Lines archives keep their CRC-verified gzip members
// verbatim; the readable part of a torn or damaged member is inflated, split into lines, and only complete lines
// that parse as records are kept (re-compressed into a new member). pcap files are cut after their last complete
// record. What could not be kept is reported in bytes and lines.

import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { GZIP_CAUSE_TEXT, walkGzip } from '../../record/gzip-walk.ts';
import { compressMemberSync } from '../../record/gzip-member.ts';
import { parseRecordLine } from '../../record/ndjson.ts';
import type { ArchiveKind } from '../../record/archive-name.ts';
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

async function recoverJsonl(openDir: string, readyDir: string, file: string): Promise<RecoveryResult> {
  const src = join(openDir, file);
  const dst = join(readyDir, file);
  const fh = await open(src, 'r+');
  let closed = false;
  try {
    const size = (await fh.stat()).size;
    const win = new FileWindow(fh, size);
    const plan: Plan[] = [];
    const reasons: string[] = [];
    let kept = 0, salvaged = 0, lostBytes = 0, partialLines = 0, invalidLines = 0;

    /** Valid record lines of `text`; the part after the last newline is a partial line when `mayBePartial`. */
    const goodLines = (data: Buffer, mayBePartial: boolean): { lines: string[]; bad: number; partial: boolean } => {
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
    };

    await walkGzip(win, async (p) => {
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

    const base = { file, kind: 'jsonl' as const, kept, salvaged, lostBytes, partialLines, invalidLines, reasons };
    if (kept === 0) {
      await fh.close();
      closed = true;
      await unlink(src);
      return { ...base, outcome: 'discarded', size: 0 };
    }
    // intact: rename as is
    const intact = plan.every((x, i) => x.copy && x.offset === (i === 0 ? 0 : endOf(plan[i - 1]!)))
      && endOf(plan[plan.length - 1]!) === size;
    if (intact) {
      await fh.datasync();
      await fh.close();
      closed = true;
      await rename(src, dst);
      await fsyncDir(readyDir);
      return { ...base, outcome: 'moved', size };
    }
    // the usual tear: a verified prefix, then new members; cut and append in place
    const firstNew = plan.findIndex((x) => !x.copy);
    const prefixOk = plan.slice(0, firstNew === -1 ? plan.length : firstNew)
      .every((x, i, a) => x.copy && x.offset === (i === 0 ? 0 : endOf(a[i - 1]!)));
    const tailNew = firstNew === -1 || plan.slice(firstNew).every((x) => !x.copy);
    let outSize: number;
    if (prefixOk && tailNew) {
      let pos = firstNew === 0 ? 0 : endOf(plan[(firstNew === -1 ? plan.length : firstNew) - 1]!);
      await fh.truncate(pos);
      for (const x of plan) {
        if (x.copy) continue;
        await writeFully(fh, x.data, pos);
        pos += x.data.length;
      }
      await fh.datasync();
      await fh.close();
      closed = true;
      outSize = pos;
      await rename(src, dst);
    } else {
      // damage in the middle: write a clean copy beside the destination, then swap it in
      const tmp = `${dst}.tmp`;
      const out = await open(tmp, 'w');
      let pos = 0;
      try {
        for (const x of plan) {
          let data: Buffer;
          if (x.copy) {
            data = Buffer.allocUnsafe(x.length);
            const { bytesRead } = await fh.read(data, 0, x.length, x.offset);
            if (bytesRead !== x.length) throw new Error(`short read at ${x.offset}`);
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
      outSize = pos;
      await rename(tmp, dst);
      await fh.close();
      closed = true;
      await unlink(src);
    }
    await fsyncDir(readyDir);
    await fsyncDir(openDir);
    return { ...base, outcome: 'repaired', size: outSize };
  } finally {
    if (!closed) await fh.close().catch(() => {});
  }
}

function endOf(x: Plan): number {
  if (!x.copy) throw new Error('not a copy');
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
