// Small durable-file helpers: writes that finish or throw, and directory fsync so a rename survives power loss.

import { constants } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ArchiveError } from '../../errors.ts';

/**
 * mkdir -p that always ends: Node's `mkdir(…, { recursive: true })` spins forever on some paths (under /proc, for
 * one), which would hang the start instead of reporting a bad --archive-dir.
 */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(dir); ; p = dirname(p)) {
    try {
      if (!(await stat(p)).isDirectory()) throw new ArchiveError(`${p} is not a directory`);
      break;
    } catch (err) {
      if (errCode(err) !== 'ENOENT' || dirname(p) === p) throw err;
      missing.unshift(p);
    }
  }
  for (const p of missing) {
    try {
      await mkdir(p);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
  }
}

/** Writes all of `buf` at `position` (fs writes may be partial); throws on the first error. */
export async function writeFully(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    if (bytesWritten <= 0) throw new ArchiveError(`write returned 0 bytes at offset ${position + off}`);
    off += bytesWritten;
  }
}

/** Makes renames and creations inside `dir` durable. Best effort where directories cannot be opened for sync. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    await fh?.close().catch(() => {});
  }
}

export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export function errText(err: unknown): string {
  if (err instanceof Error) {
    const code = errCode(err);
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
