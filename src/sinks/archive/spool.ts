// The spool's "ready" area: closed archive files waiting for upload. The writer adds files, the uploader takes
// them (and removes them once S3 confirmed), and the cap (--spool-max-bytes over ready + open files) deletes the
// oldest ready files first, each deletion logged as RecordsDropped with the records (or pcap frames) it held.
// A file being uploaded is never deleted by the cap, nor taken twice.

import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError } from '../../errors.ts';
import { counter, gauge, type MetricSample } from '../../metrics/metric-sample.ts';
import { type ArchiveName, compareSpoolNames, parseSpoolName } from '../../record/archive-name.ts';
import { countItems } from './count-file.ts';
import { errCode, errText } from './file-io.ts';
import type { Logger } from '../../logger.ts';

export interface SpoolFile {
  readonly file: string;
  readonly path: string;
  readonly name: ArchiveName;
  readonly size: number;
  /** Records (JSON Lines) or frames (pcap) in it; undefined until counted. */
  count: number | undefined;
  /** Taken by the uploader or being deleted. */
  busy: boolean;
}

export interface SpoolOptions {
  readonly readyDir: string;
  readonly maxBytes: number;
  /** Bytes of the files still being written (they count against the cap but cannot be deleted). */
  readonly openBytes: () => number;
  readonly log: Logger;
}

export class Spool {
  readonly #o: SpoolOptions;
  readonly #files = new Map<string, SpoolFile>();
  #enforcing: Promise<void> | undefined;
  #enforceAgain = false;
  dropped = { files: 0, records: 0, frames: 0, bytes: 0 };

  constructor(o: SpoolOptions) {
    this.#o = o;
  }

  get readyDir(): string {
    return this.#o.readyDir;
  }

  /** Registers what an earlier run left in the ready area; removes temporary leftovers of an interrupted repair. */
  async scan(): Promise<void> {
    const entries = await readdir(this.#o.readyDir, { withFileTypes: true });
    const foreign: string[] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const path = join(this.#o.readyDir, e.name);
      if (e.name.endsWith('.tmp')) {
        // a repair copy that did not finish: its source is still in the open area and is recovered again
        await unlink(path).catch(() => {});
        continue;
      }
      const name = parseSpoolName(e.name);
      if (!name) {
        foreign.push(e.name);
        continue;
      }
      try {
        const st = await stat(path);
        this.add(e.name, st.size, undefined);
      } catch (err) {
        if (errCode(err) !== 'ENOENT') throw err;
      }
    }
    if (foreign.length > 0) {
      this.#o.log.warn({ event: 'SpoolForeignFiles', dir: this.#o.readyDir, files: foreign.slice(0, 20), count: foreign.length },
        'files outside the naming scheme in the spool are left alone (not uploaded, not counted)');
    }
  }

  add(file: string, size: number, count: number | undefined): void {
    const name = parseSpoolName(file);
    if (!name) throw new InternalError(`not a spool file name: ${file}`);
    this.#files.set(file, { file, path: join(this.#o.readyDir, file), name, size, count, busy: false });
  }

  /** Ready files, oldest first (a snapshot). */
  list(): SpoolFile[] {
    return [...this.#files.values()].sort((a, b) => compareSpoolNames(a.name, b.name));
  }

  get(file: string): SpoolFile | undefined {
    return this.#files.get(file);
  }

  /** Marks a file taken (by the uploader); false if it is gone or already taken. */
  take(file: string): SpoolFile | undefined {
    const f = this.#files.get(file);
    if (!f || f.busy) return undefined;
    f.busy = true;
    return f;
  }

  release(file: string): void {
    const f = this.#files.get(file);
    if (f) f.busy = false;
  }

  /** Deletes a file the uploader delivered. */
  async remove(file: string): Promise<void> {
    const f = this.#files.get(file);
    this.#files.delete(file);
    if (!f) return;
    try {
      await unlink(f.path);
    } catch (err) {
      if (errCode(err) !== 'ENOENT') {
        // it is uploaded: keep it out of the index, but say why it is still on disk
        this.#o.log.error({ event: 'SpoolDeleteFailed', file, error: errText(err) }, 'could not delete an uploaded file');
      }
    }
  }

  get readyBytes(): number {
    let n = 0;
    for (const f of this.#files.values()) n += f.size;
    return n;
  }

  get readyFiles(): number {
    return this.#files.size;
  }

  /** Runs the cap now (serialised; a request while it runs runs it once more afterwards). */
  enforce(): Promise<void> {
    if (this.#enforcing) {
      this.#enforceAgain = true;
      return this.#enforcing;
    }
    this.#enforcing = (async () => {
      try {
        do {
          this.#enforceAgain = false;
          await this.#enforceOnce();
        } while (this.#enforceAgain);
      } finally {
        this.#enforcing = undefined;
      }
    })();
    return this.#enforcing;
  }

  async #enforceOnce(): Promise<void> {
    for (;;) {
      const total = this.readyBytes + this.#o.openBytes();
      if (total <= this.#o.maxBytes) return;
      const victim = this.list().find((f) => !f.busy);
      if (!victim) return; // only files in upload or still open: the next run deals with it
      victim.busy = true;
      let count = victim.count;
      if (count === undefined) {
        try {
          count = await countItems(victim.path, victim.name.kind);
        } catch (err) {
          if (errCode(err) === 'ENOENT') {
            this.#files.delete(victim.file);
            continue;
          }
          count = undefined;
        }
      }
      try {
        await unlink(victim.path);
      } catch (err) {
        if (errCode(err) !== 'ENOENT') {
          victim.busy = false;
          this.#o.log.error({ event: 'SpoolDeleteFailed', file: victim.file, error: errText(err) }, 'could not delete a file to keep the spool under its cap');
          return;
        }
      }
      this.#files.delete(victim.file);
      const frames = victim.name.kind === 'pcap';
      this.dropped.files++;
      this.dropped.bytes += victim.size;
      if (count !== undefined) {
        if (frames) this.dropped.frames += count;
        else this.dropped.records += count;
      }
      this.#o.log.warn({
        event: 'RecordsDropped',
        reason: 'spool_full',
        file: victim.file,
        ...(frames ? { frames: count ?? null } : { count: count ?? null }),
        bytes: victim.size,
        spool_bytes: total,
        spool_max_bytes: this.#o.maxBytes,
      }, frames ? 'spool full: deleted the oldest pcap file unsent' : 'spool full: deleted the oldest archive file unsent');
    }
  }

  samples(): MetricSample[] {
    return [
      gauge('synbait_spool_bytes', 'Bytes in the archive spool (ready and open files)', this.readyBytes + this.#o.openBytes()),
      gauge('synbait_spool_files', 'Closed archive files waiting for upload', this.readyFiles),
      counter('synbait_records_dropped_total', 'Connection attempts not recorded', this.dropped.records, { reason: 'spool_full' }),
      counter('synbait_pcap_frames_dropped_total', 'Frames not archived in pcap files', this.dropped.frames, { reason: 'spool_full' }),
      counter('synbait_spool_files_deleted_total', 'Archive files deleted unsent because the spool was full', this.dropped.files),
    ];
  }
}
