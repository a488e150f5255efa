// The archive sink: records as gzip JSON Lines (and, with --pcap, their frames as pcap) in a local spool, rotated
// by age, size and at shutdown into the ready area the uploader drains.
//
//   <archive-dir>/open/   files being written (one .jsonl.gz, and its .pcap with --pcap)
//   <archive-dir>/ready/  closed files, renamed here atomically, waiting for upload
//   <archive-dir>/lock    held (flock) by the one sensor using this spool (spool-lock.ts)
//
// write() is synchronous and cheap: it appends the line to a bounded in-memory buffer. A single writer loop turns
// the buffer into one gzip member per block (compressed in the thread pool), appends it, and fdatasyncs, at least
// every `flushIntervalMs`. A record is safe on disk once its block is written; a SIGKILL or power loss costs at most
// the block being written, and the next start recovers every complete record (recovery.ts). When the disk cannot
// keep up or fails, the buffer holds what it can; beyond its cap records are dropped, counted and reported.

import { constants } from 'node:fs';
import { access, open, readdir, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ArchiveError } from '../../errors.ts';
import { counter, gauge, type MetricSample } from '../../metrics/metric-sample.ts';
import type { FlowRecord } from '../../record/flow-record.ts';
import { recordToLine } from '../../record/ndjson.ts';
import type { RecordExtras, Sink } from '../../pipeline/sink.ts';
import { type ArchiveKind, fileName, newBase, parseSpoolName } from '../../record/archive-name.ts';
import { ensureDir, errCode, errText, fsyncDir, writeFully } from './file-io.ts';
import { compressMember } from '../../record/gzip-member.ts';
import type { Logger } from '../../logger.ts';
import { encodeFrames, pcapGlobalHeader } from './pcap-format.ts';
import { recoverFile, type RecoveryResult } from './recovery.ts';
import { Spool } from './spool.ts';
import { SpoolLock } from './spool-lock.ts';

export interface ArchiveSinkOptions {
  readonly dir: string;
  readonly sensor: string;
  readonly rotateIntervalMs: number;
  readonly rotateSize: number;
  readonly pcap: boolean;
  readonly spoolMaxBytes: number;
  readonly log: Logger;
  /** Longest time a record waits in memory before its block is written (default 1 s). */
  readonly flushIntervalMs?: number;
  /** A block is written as soon as this much is buffered (default 256 KiB). */
  readonly blockBytes?: number;
  /** Memory held for records not yet written; beyond it records are dropped and counted (default 64 MiB). */
  readonly maxBufferedBytes?: number;
  /** fdatasync after every block (default true): records survive power loss, not only a crash of the process. */
  readonly sync?: boolean;
  readonly now?: () => number;
}

/** At most this much goes into one gzip member (a single larger record still makes its own member). */
const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
const DROP_REPORT_MS = 10_000;
const DROP_MESSAGES: Record<DropReason, string> = {
  archive_backlog_full: 'archive buffer full (the disk cannot keep up or fails): records dropped',
  archive_write_failed: 'archive writes kept failing at shutdown: records in memory dropped',
  archive_closed: 'records arrived after the archive closed',
};
const ERROR_LOG_MS = 30_000;

interface OpenFile {
  readonly file: string;
  readonly fh: FileHandle;
  size: number;
  /** Records (JSON) or frames (pcap) written. */
  count: number;
}

interface Current {
  readonly base: string;
  readonly startMs: number;
  readonly deadlineMs: number;
  readonly json: OpenFile;
  pcap: OpenFile | undefined;
}

export type DropReason = 'archive_backlog_full' | 'archive_write_failed' | 'archive_closed';

export class ArchiveSink implements Sink {
  readonly name = 'archive';
  readonly spool: Spool;
  /** Settles when what the previous run left in the open area is in the ready area. */
  readonly recovered: Promise<readonly RecoveryResult[]>;
  readonly #o: Required<Omit<ArchiveSinkOptions, 'now'>> & { now: () => number };
  readonly #openDir: string;
  readonly #readyDir: string;
  readonly #lock: SpoolLock;

  // the buffer: lines and their pcap records, in order
  #lines: string[] = [];
  #frames: (Buffer | undefined)[] = [];
  #bufferedBytes = 0;

  #cur: Current | undefined;
  #pumping: Promise<void> | undefined;
  #rotateWanted: 'age' | 'size' | 'shutdown' | 'manual' | undefined;
  #failing: { since: number; lastLog: number; errors: number } | undefined;
  #closed = false;
  readonly #timer: NodeJS.Timeout;
  #lastDropReport = 0;

  readonly counters = {
    recordsWritten: 0,
    framesWritten: 0,
    blocksWritten: 0,
    bytesWritten: 0,
    filesRotated: { jsonl: 0, pcap: 0 },
    writeErrors: 0,
    dropped: { archive_backlog_full: 0, archive_write_failed: 0, archive_closed: 0 } as Record<DropReason, number>,
    framesDropped: { archive_backlog_full: 0 } as Record<string, number>,
    recoveredRecords: 0,
    recoveryLostRecords: 0,
    recoveryLostBytes: 0,
  };
  readonly #reported: Record<DropReason, number> = { archive_backlog_full: 0, archive_write_failed: 0, archive_closed: 0 };

  /**
   * Prepares the spool (fails with ArchiveError if the directory is unusable, SpoolLockedError if another sensor
   * uses it) and starts recovery.
   */
  static async open(o: ArchiveSinkOptions): Promise<ArchiveSink> {
    const openDir = join(o.dir, 'open');
    const readyDir = join(o.dir, 'ready');
    try {
      await ensureDir(openDir);
      await ensureDir(readyDir);
      await access(o.dir, constants.W_OK);
      // prove we can create, write and delete files here before we rely on it
      const probe = join(openDir, `.probe-${process.pid}`);
      await writeFile(probe, 'ok');
      await unlink(probe);
    } catch (err) {
      throw new ArchiveError(`--archive-dir ${o.dir}: cannot use it for the spool: ${errText(err)}`, { cause: err, code: 'SYNBAIT_ERR_ARCHIVE_DIR' });
    }
    // before recovery: what is in open/ may be another live sensor's files
    const lock = await SpoolLock.acquire(o.dir, o.log, o.now);
    try {
      const leftovers = (await readdir(openDir)).filter((f) => !f.startsWith('.probe-'));
      const sink = new ArchiveSink(o, openDir, readyDir, leftovers, lock);
      await sink.spool.scan();
      return sink;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private constructor(o: ArchiveSinkOptions, openDir: string, readyDir: string, leftovers: readonly string[], lock: SpoolLock) {
    this.#o = {
      flushIntervalMs: 1000,
      blockBytes: 256 * 1024,
      maxBufferedBytes: 64 * 1024 * 1024,
      sync: true,
      ...o,
      now: o.now ?? Date.now,
    };
    this.#openDir = openDir;
    this.#readyDir = readyDir;
    this.#lock = lock;
    this.spool = new Spool({ readyDir, maxBytes: o.spoolMaxBytes, openBytes: () => this.openBytes, log: o.log });
    this.recovered = this.#recover(leftovers);
    this.#timer = setInterval(() => this.#tick(), this.#o.flushIntervalMs);
  }

  /** Bytes of the files being written. */
  get openBytes(): number {
    return this.#cur ? this.#cur.json.size + (this.#cur.pcap?.size ?? 0) : 0;
  }

  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  write(record: FlowRecord, extras?: RecordExtras): void {
    if (this.#closed) {
      this.counters.dropped.archive_closed++;
      return;
    }
    const line = recordToLine(record);
    const frames = this.#o.pcap && extras?.frames && extras.frames.length > 0 ? encodeFrames(extras.frames) : undefined;
    const cost = line.length + (frames?.length ?? 0);
    if (this.#bufferedBytes + cost > this.#o.maxBufferedBytes) {
      this.counters.dropped.archive_backlog_full++;
      if (frames) this.counters.framesDropped.archive_backlog_full! += extras!.frames!.length;
      return;
    }
    this.#lines.push(line);
    this.#frames.push(frames);
    this.#bufferedBytes += cost;
    if (this.#bufferedBytes >= this.#o.blockBytes && !this.#failing) void this.#kick();
  }

  /** Resolves when every record buffered before the call is written (and synced); rejects if writes keep failing. */
  async flush(): Promise<void> {
    if (!(await this.#drain(60_000))) {
      throw new ArchiveError(`archive writes are failing; ${this.#lines.length} records are still in memory`);
    }
  }

  /** Closes the current files into the ready area now, with everything buffered. */
  async rotate(): Promise<void> {
    await this.flush();
    this.#rotateWanted ??= 'manual';
    for (let i = 0; this.#rotateWanted !== undefined && i < 3; i++) await this.#kick();
  }

  /**
   * Writes what is buffered, rotates the current files into the ready area, stops. Idempotent. If the disk keeps
   * failing for `closeTimeoutMs`, what is still in memory is dropped, counted and reported.
   */
  async close(closeTimeoutMs = 2000): Promise<void> {
    if (this.#closed) {
      await this.#pumping;
      return;
    }
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      if (!(await this.#drain(closeTimeoutMs))) {
        this.counters.dropped.archive_write_failed += this.#lines.length;
        this.#lines = [];
        this.#frames = [];
        this.#bufferedBytes = 0;
      }
      this.#rotateWanted = 'shutdown';
      for (let i = 0; this.#rotateWanted !== undefined && i < 3; i++) await this.#kick();
    } finally {
      this.#reportDrops(true);
    }
    await Promise.race([this.recovered.catch(() => {}), new Promise((r) => setTimeout(r, closeTimeoutMs).unref())]);
    await this.#lock.release();
  }

  /** Writes until the buffer is empty; false if writes still fail after `ms`. */
  async #drain(ms: number): Promise<boolean> {
    const deadline = this.#o.now() + ms;
    while (this.#lines.length > 0 || this.#pumping) {
      await this.#kick();
      if (this.#failing && this.#lines.length > 0) {
        if (this.#o.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return true;
  }

  #tick(): void {
    if (this.#cur && this.#o.now() >= this.#cur.deadlineMs) this.#rotateWanted ??= 'age';
    if (this.#lines.length > 0 || this.#rotateWanted) void this.#kick();
    if (this.#o.now() - this.#lastDropReport >= DROP_REPORT_MS) this.#reportDrops(false);
    void this.spool.enforce().catch((err: unknown) => {
      this.#o.log.error({ event: 'SpoolCapFailed', error: errText(err) }, 'spool cap check failed');
    });
  }

  #kick(): Promise<void> {
    // never rejects: a failure is logged and retried on the next tick, like a failed write
    this.#pumping ??= this.#pump().catch((err: unknown) => this.#writeFailed(err)).finally(() => {
      this.#pumping = undefined;
    });
    return this.#pumping;
  }

  async #pump(): Promise<void> {
    let ok = true;
    while (ok && this.#lines.length > 0) {
      ok = await this.#writeBlock(); // on failure the next tick retries
      if (this.#cur && (this.#cur.json.size >= this.#o.rotateSize || (this.#cur.pcap?.size ?? 0) >= this.#o.rotateSize)) {
        await this.#finish('size');
      }
    }
    if (this.#cur && this.#o.now() >= this.#cur.deadlineMs) this.#rotateWanted ??= 'age';
    const why = this.#rotateWanted;
    this.#rotateWanted = undefined;
    if (why && this.#cur) await this.#finish(why);
  }

  /** Takes one block off the buffer and appends it; on failure puts it back. Returns false on failure. */
  async #writeBlock(): Promise<boolean> {
    let n = 0, bytes = 0;
    while (n < this.#lines.length && (n === 0 || bytes + this.#lines[n]!.length <= MAX_BLOCK_BYTES)) {
      bytes += this.#lines[n]!.length;
      n++;
    }
    const lines = this.#lines.slice(0, n);
    const frames = this.#frames.slice(0, n);
    let cost = 0;
    for (let i = 0; i < n; i++) cost += lines[i]!.length + (frames[i]?.length ?? 0);
    this.#lines = this.#lines.slice(n);
    this.#frames = this.#frames.slice(n);
    this.#bufferedBytes -= cost;

    let jsonTruncateTo: number | undefined;
    let pcapTruncateTo: number | undefined;
    try {
      const member = await compressMember(Buffer.from(lines.join(''), 'utf8'));
      const pcapParts = frames.filter((f): f is Buffer => f !== undefined);
      const cur = await this.#current();
      jsonTruncateTo = cur.json.size;
      await writeFully(cur.json.fh, member, cur.json.size);
      cur.json.size += member.length;
      let frameCount = 0;
      if (pcapParts.length > 0) {
        cur.pcap ??= await this.#create(cur.base, 'pcap', pcapGlobalHeader());
        pcapTruncateTo = cur.pcap.size;
        const data = Buffer.concat(pcapParts);
        await writeFully(cur.pcap.fh, data, cur.pcap.size);
        cur.pcap.size += data.length;
        for (const p of pcapParts) frameCount += countRecords(p);
      }
      if (this.#o.sync) {
        await cur.json.fh.datasync();
        if (pcapTruncateTo !== undefined) await cur.pcap!.fh.datasync();
      }
      cur.json.count += n;
      if (cur.pcap && pcapTruncateTo !== undefined) cur.pcap.count += frameCount;
      this.counters.recordsWritten += n;
      this.counters.framesWritten += frameCount;
      this.counters.blocksWritten++;
      this.counters.bytesWritten += member.length;
      if (this.#failing) {
        this.#o.log.info({ event: 'ArchiveWriteRecovered', errors: this.#failing.errors, failing_ms: this.#o.now() - this.#failing.since },
          'archive writes work again');
        this.#failing = undefined;
      }
      return true;
    } catch (err) {
      // put the block back in front, and cut off whatever part of it reached the files
      this.#lines = lines.concat(this.#lines);
      this.#frames = frames.concat(this.#frames);
      this.#bufferedBytes += cost;
      await this.#undo(jsonTruncateTo, pcapTruncateTo);
      this.#writeFailed(err);
      return false;
    }
  }

  async #undo(jsonTo: number | undefined, pcapTo: number | undefined): Promise<void> {
    const cur = this.#cur;
    if (!cur) return;
    try {
      if (jsonTo !== undefined) {
        await cur.json.fh.truncate(jsonTo);
        cur.json.size = jsonTo;
      }
      if (pcapTo !== undefined && cur.pcap) {
        await cur.pcap.fh.truncate(pcapTo);
        cur.pcap.size = pcapTo;
      }
    } catch (err) {
      // the files may end in a torn block: stop appending to them, recover them as after a crash
      this.#o.log.error({ event: 'ArchiveWriteFailed', file: cur.json.file, error: errText(err) },
        'could not cut a failed write off the archive file; closing it and recovering it');
      this.#cur = undefined;
      await cur.json.fh.close().catch(() => {});
      await cur.pcap?.fh.close().catch(() => {});
      for (const f of [cur.json, cur.pcap]) {
        if (f) await this.#recoverOne(f.file).catch(() => {});
      }
    }
  }

  #writeFailed(err: unknown): void {
    this.counters.writeErrors++;
    const now = this.#o.now();
    if (!this.#failing) this.#failing = { since: now, lastLog: 0, errors: 0 };
    this.#failing.errors++;
    if (now - this.#failing.lastLog >= ERROR_LOG_MS) {
      this.#failing.lastLog = now;
      this.#o.log.error({
        event: 'ArchiveWriteFailed',
        error: errText(err),
        code: errCode(err),
        errors: this.#failing.errors,
        buffered_records: this.#lines.length,
        buffered_bytes: this.#bufferedBytes,
        max_buffered_bytes: this.#o.maxBufferedBytes,
      }, 'archive write failed; records stay in memory and the write is retried');
    }
  }

  async #current(): Promise<Current> {
    if (this.#cur) return this.#cur;
    const now = this.#o.now();
    for (let attempt = 0; ; attempt++) {
      const base = newBase(this.#o.sensor, now);
      try {
        const json = await this.#create(base, 'jsonl');
        await fsyncDir(this.#openDir);
        // aligned to the interval (hourly files start on the hour), so a file rarely spans two days
        const i = this.#o.rotateIntervalMs;
        this.#cur = { base, startMs: now, deadlineMs: (Math.floor(now / i) + 1) * i, json, pcap: undefined };
        return this.#cur;
      } catch (err) {
        if (errCode(err) !== 'EEXIST' || attempt > 3) throw err;
      }
    }
  }

  async #create(base: string, kind: ArchiveKind, header?: Buffer): Promise<OpenFile> {
    const file = fileName(base, kind);
    const fh = await open(join(this.#openDir, file), 'wx');
    let size = 0;
    try {
      if (header) {
        await writeFully(fh, header, 0);
        size = header.length;
      }
    } catch (err) {
      await fh.close().catch(() => {});
      await unlink(join(this.#openDir, file)).catch(() => {});
      throw err;
    }
    return { file, fh, size, count: 0 };
  }

  /** Closes the current files and moves them into the ready area. */
  async #finish(reason: string): Promise<void> {
    const cur = this.#cur;
    if (!cur) return;
    this.#cur = undefined;
    const started = this.#o.now();
    const moved: { file: string; size: number; count: number; kind: ArchiveKind }[] = [];
    for (const [f, kind] of [[cur.pcap, 'pcap'], [cur.json, 'jsonl']] as const) {
      if (!f) continue;
      try {
        await f.fh.sync();
        await f.fh.close();
        await rename(join(this.#openDir, f.file), join(this.#readyDir, f.file));
        moved.push({ file: f.file, size: f.size, count: f.count, kind });
      } catch (err) {
        await f.fh.close().catch(() => {});
        this.counters.writeErrors++;
        this.#o.log.error({ event: 'ArchiveWriteFailed', file: f.file, error: errText(err) },
          'could not move a rotated file into the ready area; it is recovered at the next start');
      }
    }
    try {
      await fsyncDir(this.#readyDir);
      await fsyncDir(this.#openDir);
    } catch (err) {
      this.#o.log.warn({ event: 'ArchiveWriteFailed', error: errText(err) }, 'could not fsync the spool directories');
    }
    for (const m of moved) {
      this.spool.add(m.file, m.size, m.count);
      this.counters.filesRotated[m.kind]++;
    }
    const json = moved.find((m) => m.kind === 'jsonl');
    const pcap = moved.find((m) => m.kind === 'pcap');
    if (json || pcap) {
      this.#o.log.info({
        event: 'ArchiveRotated',
        reason,
        file: json?.file,
        records: json?.count,
        bytes: json?.size,
        ...(pcap ? { pcap_file: pcap.file, frames: pcap.count, pcap_bytes: pcap.size } : {}),
        start: new Date(cur.startMs).toISOString(),
        ms: this.#o.now() - started,
      }, 'archive rotated');
    }
    void this.spool.enforce().catch(() => {});
  }

  async #recover(files: readonly string[]): Promise<RecoveryResult[]> {
    const out: RecoveryResult[] = [];
    for (const file of files) {
      const r = await this.#recoverOne(file);
      if (r) out.push(r);
    }
    if (files.length > 0) await this.spool.enforce().catch(() => {});
    return out;
  }

  async #recoverOne(file: string): Promise<RecoveryResult | undefined> {
    const name = parseSpoolName(file);
    if (!name) {
      this.#o.log.warn({ event: 'SpoolForeignFiles', dir: this.#openDir, files: [file], count: 1 },
        'a file outside the naming scheme in the open area is left alone');
      return undefined;
    }
    let r: RecoveryResult;
    try {
      r = await recoverFile(this.#openDir, this.#readyDir, file, name.kind);
    } catch (err) {
      this.#o.log.error({ event: 'ArchiveRecoveryFailed', file, error: errText(err) },
        'could not recover an unfinished archive file; it stays in the open area');
      return undefined;
    }
    const lost = r.partialLines + r.invalidLines;
    if (r.kind === 'jsonl') {
      this.counters.recoveredRecords += r.kept;
      this.counters.recoveryLostRecords += lost;
    }
    this.counters.recoveryLostBytes += r.lostBytes;
    if (r.size > 0) this.spool.add(file, r.size, r.kept);
    this.#o.log.info({
      event: 'ArchiveRecovered',
      file,
      outcome: r.outcome,
      [r.kind === 'pcap' ? 'frames' : 'records']: r.kept,
      ...(r.kind === 'jsonl' ? { salvaged_records: r.salvaged, partial_lines: r.partialLines, invalid_lines: r.invalidLines } : {}),
      lost_bytes: r.lostBytes,
      ...(r.reasons.length > 0 ? { damage: r.reasons.slice(0, 5) } : {}),
    }, `recovered an unfinished ${r.kind === 'pcap' ? 'pcap' : 'archive'} file`);
    if (lost > 0 || r.lostBytes > 0) {
      this.#o.log.warn({
        event: 'RecordsDropped',
        reason: 'torn_write',
        file,
        ...(r.kind === 'pcap' ? { frames: null } : { count: lost }),
        bytes: r.lostBytes,
      }, 'the torn end of an unfinished file could not be recovered');
    }
    return r;
  }

  #reportDrops(final: boolean): void {
    this.#lastDropReport = this.#o.now();
    for (const reason of Object.keys(this.counters.dropped) as DropReason[]) {
      const delta = this.counters.dropped[reason] - this.#reported[reason];
      if (delta > 0) {
        this.#o.log.warn({
          event: 'RecordsDropped', reason, count: delta, total: this.counters.dropped[reason],
          ...(reason === 'archive_backlog_full' ? { max_buffered_bytes: this.#o.maxBufferedBytes } : {}),
          ...(final ? { final: true } : {}),
        }, DROP_MESSAGES[reason]);
        this.#reported[reason] = this.counters.dropped[reason];
      }
    }
  }

  samples(): MetricSample[] {
    const c = this.counters;
    return [
      counter('synbait_archive_records_written_total', 'Records written to archive files', c.recordsWritten),
      counter('synbait_archive_frames_written_total', 'Frames written to pcap archive files', c.framesWritten),
      counter('synbait_archive_bytes_written_total', 'Compressed JSON Lines bytes written to archive files', c.bytesWritten),
      counter('synbait_archive_files_rotated_total', 'Archive files closed into the ready area', c.filesRotated.jsonl, { kind: 'jsonl' }),
      counter('synbait_archive_files_rotated_total', 'Archive files closed into the ready area', c.filesRotated.pcap, { kind: 'pcap' }),
      counter('synbait_archive_write_errors_total', 'Failed archive writes (retried while memory allows)', c.writeErrors),
      counter('synbait_archive_recovered_records_total', 'Records recovered from files left open by an earlier run', c.recoveredRecords),
      counter('synbait_records_dropped_total', 'Connection attempts not recorded', c.dropped.archive_backlog_full, { reason: 'archive_backlog_full' }),
      counter('synbait_records_dropped_total', 'Connection attempts not recorded', c.dropped.archive_write_failed, { reason: 'archive_write_failed' }),
      counter('synbait_records_dropped_total', 'Connection attempts not recorded', c.dropped.archive_closed, { reason: 'archive_closed' }),
      counter('synbait_records_dropped_total', 'Connection attempts not recorded', c.recoveryLostRecords, { reason: 'torn_write' }),
      counter('synbait_pcap_frames_dropped_total', 'Frames not archived in pcap files', c.framesDropped.archive_backlog_full!, { reason: 'archive_backlog_full' }),
      gauge('synbait_archive_buffered_bytes', 'Record bytes waiting in memory for the archive writer', this.#bufferedBytes),
      ...this.spool.samples(),
    ];
  }
}

/** Pcap records in a buffer of whole records. */
function countRecords(buf: Buffer): number {
  let n = 0;
  for (let p = 0; p + 16 <= buf.length; p += 16 + buf.readUInt32LE(p + 8)) n++;
  return n;
}
