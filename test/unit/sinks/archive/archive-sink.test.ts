// The archive writer against the real file system: flushed gzip members, rotation, naming, crash recovery (a
// real SIGKILL of a writing process, and torn files at every cut of the last block), pcap beside the JSON archive,
// disk full, and the memory cap.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ArchiveError, exitCodeOf } from '../../../../src/errors.ts';
import { ArchiveSink, type ArchiveSinkOptions } from '../../../../src/sinks/archive/archive-sink.ts';
import { parseArchiveName, parseSpoolName } from '../../../../src/record/archive-name.ts';
import { recordToLine } from '../../../../src/record/ndjson.ts';
import { parsePcap } from '../../../helpers/pcap-file.ts';
import { LogRecorder, makeRecord, openFiles, readyFiles, readyRecords, recordsOf, tempDir, waitFor } from './fixtures.ts';

const REPO = fileURLToPath(new URL('../../../..', import.meta.url));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function options(dir: string, log: LogRecorder, over: Partial<ArchiveSinkOptions> = {}): ArchiveSinkOptions {
  return {
    dir, sensor: 'sensor1', rotateIntervalMs: 3_600_000, rotateSize: 64 * 1024 * 1024, pcap: false,
    spoolMaxBytes: 1 << 30, log, flushIntervalMs: 50, ...over,
  };
}

test('records are appended as gzip members a reader can decode before rotation; close rotates into ready/', async (t) => {
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(options(dir, log));
  const records = Array.from({ length: 300 }, (_, i) => makeRecord(i));
  for (const r of records.slice(0, 100)) sink.write(r);
  await sink.flush();
  for (const r of records.slice(100)) sink.write(r);
  await sink.flush();
  const [open] = await openFiles(dir);
  assert.ok(open, 'one open file');
  const gz = await readFile(join(dir, 'open', open));
  assert.deepEqual(recordsOf(gz), records, 'an open file already decodes to every flushed record, in order');
  assert.ok(gz.indexOf(Buffer.from([0x1f, 0x8b, 8]), 10) > 0, 'more than one gzip member');

  await sink.close();
  assert.deepEqual(await openFiles(dir), []);
  const ready = await readyFiles(dir);
  assert.deepEqual(ready, [open]);
  const name = parseSpoolName(ready[0]!)!;
  assert.equal(name.sensor, 'sensor1');
  assert.match(ready[0]!, /^sensor1-\d{8}T\d{6}Z-\d{3}[0-9a-f]{6}\.jsonl\.gz$/);
  const report = parseArchiveName(ready[0]!);
  assert.ok(report, 'the report parses the name');
  assert.equal(report.sensor, 'sensor1');
  assert.ok(Math.abs(report.startMs - Date.now()) < 60_000);
  assert.deepEqual(await readyRecords(dir), records);
  const rotated = log.events('ArchiveRotated');
  assert.equal(rotated.length, 1);
  assert.equal(rotated[0]!.reason, 'shutdown');
  assert.equal(rotated[0]!.records, 300);
  assert.equal(sink.spool.get(ready[0]!)?.count, 300);
  // closed: later writes are counted, not lost silently
  sink.write(makeRecord(999));
  assert.equal(sink.counters.dropped.archive_closed, 1);
});

test('rotation by size and by age; every file has a distinct name and together they hold every record once', async (t) => {
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(options(dir, log, { rotateSize: 4096, blockBytes: 1024 }));
  const records = Array.from({ length: 2000 }, (_, i) => makeRecord(i));
  for (let i = 0; i < records.length; i += 100) {
    for (const r of records.slice(i, i + 100)) sink.write(r);
    await sink.flush();
  }
  await sink.close();
  const ready = await readyFiles(dir);
  assert.ok(ready.length > 3, `rotated by size into ${ready.length} files`);
  assert.equal(new Set(ready).size, ready.length);
  assert.ok(log.events('ArchiveRotated').some((e) => e.reason === 'size'));
  // files started within the same second have no defined order: compare the set, and that each appears once
  const ids = (await readyRecords(dir)).map((r) => r.flow_id);
  assert.equal(ids.length, records.length);
  assert.deepEqual(ids.sort(), records.map((r) => r.flow_id).sort());
  for (const f of ready) assert.ok((await stat(join(dir, 'ready', f))).size < 4096 + 64 * 1024);

  // age: a 1 s interval aligned to whole seconds rotates without any new record
  const dir2 = await tempDir(t);
  const log2 = new LogRecorder();
  const aged = await ArchiveSink.open(options(dir2, log2, { rotateIntervalMs: 1000 }));
  t.after(() => aged.close());
  aged.write(makeRecord(1));
  await aged.flush();
  const rotated = await waitFor(() => log2.events('ArchiveRotated')[0], 'age rotation', 4000);
  assert.equal(rotated.reason, 'age');
  assert.equal((await readyFiles(dir2)).length, 1);
  assert.deepEqual(await openFiles(dir2), []);
});

/** Writes `blocks` flushed blocks with a sink, returns the open file's bytes, the member offsets, and the records. */
async function writtenFile(t: Parameters<typeof tempDir>[0], blocks: number[]): Promise<{ gz: Buffer; name: string; records: ReturnType<typeof makeRecord>[][]; ends: number[] }> {
  const dir = await tempDir(t);
  const sink = await ArchiveSink.open(options(dir, new LogRecorder()));
  const records: ReturnType<typeof makeRecord>[][] = [];
  const ends: number[] = [];
  let i = 0;
  let name = '';
  for (const n of blocks) {
    const block = Array.from({ length: n }, () => makeRecord(i++));
    for (const r of block) sink.write(r);
    await sink.flush();
    records.push(block);
    name = (await openFiles(dir))[0]!;
    ends.push((await stat(join(dir, 'open', name))).size);
  }
  const gz = await readFile(join(dir, 'open', name));
  await sink.close();
  return { gz, name, records, ends };
}

async function recoverFrom(t: Parameters<typeof tempDir>[0], name: string, bytes: Buffer): Promise<{ dir: string; log: LogRecorder; sink: ArchiveSink }> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'open'), { recursive: true });
  await writeFile(join(dir, 'open', name), bytes);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(options(dir, log));
  await sink.recovered;
  t.after(() => sink.close());
  return { dir, log, sink };
}

test('recovery after a torn write keeps every record of the complete blocks, at every cut of the last block', async (t) => {
  const { gz, name, records, ends } = await writtenFile(t, [40, 25, 30]);
  const complete = records[0]!.concat(records[1]!);
  const last = records[2]!;
  const start = ends[1]!;
  // every cut inside the last member (sampled densely), plus the intact file
  const cuts = new Set<number>([start, start + 1, start + 9, start + 10, start + 11, ends[2]! - 8, ends[2]! - 1, ends[2]!]);
  for (let c = start; c < ends[2]!; c += 7) cuts.add(c);
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    const { dir, log } = await recoverFrom(t, name, gz.subarray(0, cut));
    const got = await readyRecords(dir);
    // never a record that was not written, never a duplicate, in order; the complete blocks always
    assert.deepEqual(got.slice(0, complete.length), complete, `cut ${cut}: the complete blocks are kept`);
    const rest = got.slice(complete.length);
    assert.deepEqual(rest, last.slice(0, rest.length), `cut ${cut}: what is read from the torn block is a prefix of it`);
    if (cut === start || cut === ends[2]) {
      assert.equal(rest.length, cut === start ? 0 : last.length);
      assert.equal(log.events('ArchiveRecovered')[0]!.outcome, 'moved');
      assert.equal(log.events('RecordsDropped').length, 0);
    } else {
      assert.equal(log.events('ArchiveRecovered')[0]!.outcome, 'repaired');
      const dropped = log.events('RecordsDropped');
      assert.equal(dropped.length, 1, `cut ${cut}: the loss is reported`);
      assert.equal(dropped[0]!.reason, 'torn_write');
      assert.ok((dropped[0]!.bytes as number) > 0);
    }
    assert.deepEqual(await openFiles(dir), [], 'nothing left in the open area');
  }
  // most cuts of a 30-record block still give back many of its complete lines (the readable prefix is salvaged)
  const { dir } = await recoverFrom(t, name, gz.subarray(0, ends[2]! - 9));
  assert.ok((await readyRecords(dir)).length >= complete.length + last.length - 1);
});

test('recovery: a zero-filled tail (power loss) and damage in the middle keep every intact block', async (t) => {
  const { gz, name, records, ends } = await writtenFile(t, [10, 10, 10, 10]);
  const all = records.flat();

  // zero-filled tail after the third block, as after a power loss with delayed allocation
  const zeroTail = Buffer.concat([gz.subarray(0, ends[2]!), Buffer.alloc(5000)]);
  const z = await recoverFrom(t, name, zeroTail);
  assert.deepEqual(await readyRecords(z.dir), all.slice(0, 30));
  assert.equal(z.log.events('RecordsDropped')[0]!.bytes, 5000);

  // garbage over the second block: blocks 1, 3, 4 survive (the repair copies them verbatim)
  const damaged = Buffer.from(gz);
  damaged.fill(0x41, ends[0]! + 20, ends[0]! + 60);
  const d = await recoverFrom(t, name, damaged);
  const got = await readyRecords(d.dir);
  assert.deepEqual(got.slice(0, 10), records[0]);
  assert.deepEqual(got.slice(-20), records[2]!.concat(records[3]!));
  for (const r of got.slice(10, -20)) assert.ok(records[1]!.some((x) => x.flow_id === r.flow_id), 'only real records from the damaged block');
  assert.equal(d.log.events('ArchiveRecovered')[0]!.outcome, 'repaired');

  // a file with nothing readable is discarded and reported
  const g = await recoverFrom(t, name, Buffer.from('not gzip at all\n'));
  assert.deepEqual(await readyFiles(g.dir), []);
  assert.equal(g.log.events('ArchiveRecovered')[0]!.outcome, 'discarded');
  assert.equal(g.log.events('RecordsDropped')[0]!.bytes, 16);

  // a complete block holding an invalid line: the valid lines are kept, the bad one is counted
  const bad = Buffer.concat([gzipSync(recordToLine(all[0]!) + '{"event":"flow"}\n' + recordToLine(all[1]!)), gzipSync(recordToLine(all[2]!))]);
  const b = await recoverFrom(t, name, bad);
  assert.deepEqual(await readyRecords(b.dir), all.slice(0, 3));
  assert.equal(b.log.events('ArchiveRecovered')[0]!.invalid_lines, 1);
  assert.equal(b.log.events('RecordsDropped')[0]!.count, 1);
});

test('SIGKILL of a process mid-write: the next start recovers every record flushed before the kill', async (t) => {
  for (const pcap of [false, true]) {
    const dir = await tempDir(t);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/unit/sinks/archive/writer-child.ts', dir, pcap ? '1' : '0'], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    t.after(() => { child.kill('SIGKILL'); });
    let flushed = 0;
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(/flushed (\d+)\n/g)) flushed = Math.max(flushed, Number(m[1]));
    });
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor(() => (flushed >= 20_000 ? true : undefined), 'the child to write', 30_000);
    child.kill('SIGKILL');
    await exited;
    const atKill = flushed;
    const open = await openFiles(dir);
    assert.ok(open.length >= 1, 'the killed writer left its files open');

    const log = new LogRecorder();
    const sink = await ArchiveSink.open(options(dir, log, { pcap }));
    await sink.recovered;
    await sink.close();
    const got = await readyRecords(dir);
    assert.ok(got.length >= atKill, `recovered ${got.length} records, ${atKill} were flushed before the kill`);
    got.forEach((r, i) => assert.equal(r.flow_id, makeRecord(i).flow_id, `record ${i} in order, no gap, no duplicate`));
    const recovered = log.events('ArchiveRecovered');
    assert.ok(recovered.length >= 1);
    if (pcap) {
      const pcapFile = (await readyFiles(dir)).find((f) => f.endsWith('.pcap'))!;
      const p = parsePcap(await readFile(join(dir, 'ready', pcapFile)));
      assert.ok(p.records.length >= 2 * atKill, `pcap kept ${p.records.length} frames for ${atKill} flushed records`);
      assert.ok(p.records.every((r) => r.data.length === 60 && r.data[0] === 0xab));
    }
  }
});

test('--pcap: frames go to a .pcap beside the archive, rotated with it; a torn pcap is cut at its last whole record', async (t) => {
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(options(dir, log, { pcap: true }));
  const f1 = Buffer.alloc(74, 1), f2 = Buffer.alloc(66, 2);
  sink.write(makeRecord(1), { frames: [{ tsMs: 1764065700123.456, data: f1 }, { tsMs: 1764065700124, data: f2 }] });
  sink.write(makeRecord(2)); // no frames kept for this one
  sink.write(makeRecord(3), { frames: [{ tsMs: 1764065701000, data: f2 }] });
  await sink.flush();
  const open = await openFiles(dir);
  assert.equal(open.length, 2);
  const [jsonName, pcapName] = [open.find((f) => f.endsWith('.jsonl.gz'))!, open.find((f) => f.endsWith('.pcap'))!];
  assert.equal(jsonName.replace('.jsonl.gz', ''), pcapName.replace('.pcap', ''), 'same base name');
  // torn copy for recovery: cut 5 bytes into the last record
  const bytes = await readFile(join(dir, 'open', pcapName));
  await sink.close();
  const ready = await readyFiles(dir);
  assert.deepEqual(ready.sort(), [jsonName, pcapName].sort());
  const p = parsePcap(await readFile(join(dir, 'ready', pcapName)));
  assert.equal(p.linkType, 1);
  assert.equal(p.records.length, 3);
  assert.ok(p.records[0]!.data.equals(f1));
  assert.equal(Math.round(p.records[0]!.tsMs * 1000), 1764065700123456);
  assert.ok(p.records[2]!.data.equals(f2));
  const rot = log.events('ArchiveRotated')[0]!;
  assert.equal(rot.frames, 3);
  assert.equal(rot.pcap_file, pcapName);

  const torn = await recoverFrom(t, pcapName, bytes.subarray(0, bytes.length - 5));
  const q = parsePcap(await readFile(join(torn.dir, 'ready', pcapName)));
  assert.equal(q.records.length, 2);
  assert.equal((await stat(join(torn.dir, 'ready', pcapName))).size, bytes.length - 16 - 66);
  assert.equal(torn.log.events('ArchiveRecovered')[0]!.frames, 2);
  // zero tail: rejected as implausible records, cut
  const zeros = await recoverFrom(t, pcapName, Buffer.concat([bytes, Buffer.alloc(100)]));
  assert.equal(parsePcap(await readFile(join(zeros.dir, 'ready', pcapName))).records.length, 3);
});

test('an unusable --archive-dir is an ArchiveError at start', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'file'), 'x');
  const isArchiveError = (e: unknown) => e instanceof ArchiveError && e.code === 'SYNBAIT_ERR_ARCHIVE_DIR' && exitCodeOf(e) === 2;
  await assert.rejects(ArchiveSink.open(options(join(dir, 'file'), new LogRecorder())), isArchiveError);
  await assert.rejects(ArchiveSink.open(options(join(dir, 'file', 'below'), new LogRecorder())), isArchiveError);
  // Node's recursive mkdir never returns for this one; ours must fail at once
  await assert.rejects(ArchiveSink.open(options('/proc/synbait-no-such-dir/spool', new LogRecorder())), isArchiveError);
});

test('the memory cap: when the writer cannot keep up, records beyond it are dropped, counted and reported', async (t) => {
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(options(dir, log, { maxBufferedBytes: 20_000, flushIntervalMs: 10_000, blockBytes: 1 << 30 }));
  const records = Array.from({ length: 200 }, (_, i) => makeRecord(i));
  for (const r of records) sink.write(r); // all in one turn of the event loop: nothing can be written meanwhile
  const kept = 200 - sink.counters.dropped.archive_backlog_full;
  assert.ok(kept > 10 && kept < 200, `kept ${kept}`);
  await sink.close();
  assert.deepEqual(await readyRecords(dir), records.slice(0, kept));
  const drop = log.events('RecordsDropped').find((e) => e.reason === 'archive_backlog_full')!;
  assert.equal(drop.count, 200 - kept);
  const sample = sink.samples().find((s) => s.name === 'synbait_records_dropped_total' && s.labels?.reason === 'archive_backlog_full')!;
  assert.equal(sample.value, 200 - kept);
});

test('disk full: records wait in memory, nothing torn is left in the file, and all are written when space returns', { skip: isRoot ? false : 'needs root to mount a small tmpfs' }, async (t) => {
  const mnt = await mkdtemp(join(tmpdir(), 'synbait-diskfull-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
  t.after(async () => {
    execFileSync('umount', ['-l', mnt]);
    await rm(mnt, { recursive: true, force: true });
  });
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(options(mnt, log, { blockBytes: 8 * 1024 }));
  // fill the disk with someone else's file
  const filler = join(mnt, 'filler');
  await writeFile(filler, Buffer.alloc(0));
  try {
    for (;;) await appendFile(filler, Buffer.alloc(4096, 0x55));
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  // incompressible payloads: the blocks are large
  const records = Array.from({ length: 300 }, (_, i) => makeRecord(i, { payload: Buffer.from(Array.from({ length: 300 }, (_, k) => (i * 7919 + k * 104729) & 0xff)).toString('base64') }));
  for (const r of records) sink.write(r);
  await waitFor(() => (log.events('ArchiveWriteFailed').length > 0 ? true : undefined), 'a failed write', 5000);
  assert.ok(sink.counters.writeErrors > 0);
  assert.equal(sink.counters.dropped.archive_backlog_full, 0);
  // space returns
  await truncate(filler, 0);
  await sink.flush();
  assert.ok(log.events('ArchiveWriteRecovered').length > 0);
  await sink.close();
  assert.deepEqual(await readyRecords(mnt), records, 'every record, once, in order; no torn block in between');
  // the file itself decodes cleanly (no failed partial writes left inside it)
  for (const f of await readyFiles(mnt)) recordsOf(await readFile(join(mnt, 'ready', f)));
});
