// Local inputs: files (read whatever their name) and folders (walked recursively for *.jsonl.gz and *.jsonl;
// other files such as .pcap are ignored). dt=YYYY-MM-DD folders and named files outside --since/--until are skipped.

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isJsonlArchiveName, parseArchiveName, partitionDayMs } from '../../record/archive-name.ts';
import { type TimeRange, fileMayOverlap, partitionMayOverlap } from '../time-range.ts';
import type { ArchiveRef, Listing, ListProblem } from './archive-ref.ts';

/** Big reads: fewer, larger chunks for gunzip. */
const READ_CHUNK = 1024 * 1024;

/** The archive writer's spool keeps the files it is writing in <archive-dir>/open/ (closed ones in ready/). */
const LIVE_FOLDER = 'open';

export function localArchive(path: string, size: number | undefined): ArchiveRef {
  return {
    name: path,
    size,
    gzip: path.endsWith('.gz'),
    live: basename(dirname(path)) === LIVE_FOLDER,
    localPath: path,
    open: () => {
      const s = createReadStream(path, { highWaterMark: READ_CHUNK });
      // Surface open errors (ENOENT, EACCES) as a rejected open() rather than a later stream error.
      return new Promise((resolve, reject) => {
        s.once('open', () => resolve(s));
        s.once('error', reject);
      });
    },
  };
}

/** Lists the archives under one local path (already known to exist). */
export async function listLocal(path: string, range: TimeRange): Promise<Listing> {
  const archives: ArchiveRef[] = [];
  const problems: ListProblem[] = [];
  let skippedByRange = 0;
  const seenDirs = new Set<string>();

  const walk = async (dir: string): Promise<void> => {
    let st;
    try {
      st = await stat(dir);
    } catch (e) {
      problems.push({ name: dir, message: errorText(e) });
      return;
    }
    const id = `${st.dev}:${st.ino}`;
    if (seenDirs.has(id)) return; // a symlink loop or the same folder twice
    seenDirs.add(id);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({ name: dir, message: errorText(e) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      let size: number | undefined;
      if (e.isSymbolicLink()) {
        try {
          const t = await stat(p);
          isDir = t.isDirectory();
          isFile = t.isFile();
          size = t.size;
        } catch {
          continue; // dangling link
        }
      }
      if (isDir) {
        const day = partitionDayMs(e.name);
        if (day !== undefined && !partitionMayOverlap(range, day)) {
          skippedByRange++;
          continue;
        }
        await walk(p);
      } else if (isFile && isJsonlArchiveName(e.name)) {
        const n = parseArchiveName(e.name);
        if (n && !fileMayOverlap(range, n.startMs)) {
          skippedByRange++;
          continue;
        }
        if (size === undefined) {
          try {
            size = (await stat(p)).size;
          } catch (err) {
            problems.push({ name: p, message: errorText(err) });
            continue;
          }
        }
        archives.push(localArchive(p, size));
      }
    }
  };

  const st = await stat(path);
  if (st.isDirectory()) await walk(path);
  else archives.push(localArchive(path, st.size));
  return { archives, problems, skippedByRange };
}

export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
