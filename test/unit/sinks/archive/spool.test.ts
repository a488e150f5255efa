// The spool cap (--spool-max-bytes): the oldest ready files go first, each deletion is logged as RecordsDropped
// with the number of records (or pcap frames) it held, files being uploaded are never deleted, and files an earlier
// run left behind are counted by reading them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ArchiveSink, type ArchiveSinkOptions } from '../../../../src/sinks/archive/archive-sink.ts';
import { compareSpoolNames, parseSpoolName } from '../../../../src/record/archive-name.ts';
import { LogRecorder, makeRecord, readyFiles, recordsOf, tempDir, waitFor } from './fixtures.ts';

function options(dir: string, log: LogRecorder, over: Partial<ArchiveSinkOptions> = {}): ArchiveSinkOptions {
  return {
    dir, sensor: 'sensor1', rotateIntervalMs: 3_600_000, rotateSize: 64 * 1024 * 1024, pcap: false,
    spoolMaxBytes: 1 << 30, log, flushIntervalMs: 50, ...over,
  };
}

/** Incompressible payloads, so file sizes are predictable. */
const noise = randomBytes(1 << 20);
function bulky(i: number) {
  const off = (i * 2003) % (noise.length - 2000);
  const bytes = noise.subarray(off, off + 2000);
  return makeRecord(i, { payload: bytes.toString('base64'), payload_len: bytes.length });
}

test('the cap deletes the oldest ready files first and reports each with its record count', async (t) => {
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(options(dir, log, { spoolMaxBytes: 1 << 30 }));
  // ten files of 20 records each
  const made: { file: string; ids: string[] }[] = [];
  let i = 0;
  for (let f = 0; f < 10; f++) {
    const ids: string[] = [];
    for (let k = 0; k < 20; k++, i++) {
      sink.write(bulky(i));
      ids.push(bulky(i).flow_id);
    }
    await sink.rotate();
    const file = log.events('ArchiveRotated').at(-1)!.file as string;
    made.push({ file, ids });
  }
  const ordered = made.map((m) => m.file).sort((a, b) => compareSpoolNames(parseSpoolName(a)!, parseSpoolName(b)!));
  const sizes = await Promise.all(ordered.map(async (f) => (await stat(join(dir, 'ready', f))).size));
  const total = sizes.reduce((a, b) => a + b, 0);

  await sink.close();

  // the next run starts with a cap that fits about half of them; the counts are unknown to it (read from the files)
  const cap = Math.floor(total / 2);
  const log2 = new LogRecorder();
  const sink2 = await ArchiveSink.open(options(dir, log2, { spoolMaxBytes: cap, flushIntervalMs: 60_000 }));
  t.after(() => sink2.close());
  const taken = sink2.spool.take(ordered[0]!);
  assert.ok(taken, 'the oldest file is taken (as by the uploader)');
  await sink2.spool.enforce();
  const left = await readyFiles(dir);
  assert.ok(left.includes(ordered[0]!), 'the file in upload is kept');
  // deleted: the oldest files after the busy one, in order, until the rest fits
  const deleted = log2.events('RecordsDropped').filter((e) => e.reason === 'spool_full');
  assert.ok(deleted.length >= 4, `deleted ${deleted.length}`);
  assert.deepEqual(deleted.map((e) => e.file), ordered.slice(1, 1 + deleted.length), 'oldest first');
  for (const e of deleted) {
    assert.equal(e.count, 20, 'records counted (read from the file: it was rotated by an earlier run)');
    assert.equal(e.level, 'warn');
    assert.ok((e.bytes as number) > 0);
  }
  let remaining = 0;
  for (const f of left) remaining += (await stat(join(dir, 'ready', f))).size;
  assert.ok(remaining <= cap, `${remaining} <= ${cap}`);
  // and the survivors are intact, the newest ones
  assert.deepEqual(left.sort(), [ordered[0]!, ...ordered.slice(1 + deleted.length)].sort());
  for (const f of left) assert.equal(recordsOf(await readFile(join(dir, 'ready', f))).length, 20);
  const metric = sink2.samples().find((s) => s.name === 'synbait_records_dropped_total' && s.labels?.reason === 'spool_full')!;
  assert.equal(metric.value, 20 * deleted.length);
});

test('the cap applies while writing: new files push the oldest out, with known counts and no silent loss', async (t) => {
  const dir = await tempDir(t);
  const log = new LogRecorder();
  // ~40 KiB per file (20 incompressible records), cap 150 KiB with the open file counted
  const sink = await ArchiveSink.open(options(dir, log, { spoolMaxBytes: 150 * 1024, rotateSize: 40 * 1024, blockBytes: 8 * 1024 }));
  const n = 400;
  for (let i = 0; i < n; i++) {
    sink.write(bulky(i));
    if (i % 20 === 19) await sink.flush();
  }
  await sink.close();
  await waitFor(async () => {
    await sink.spool.enforce();
    return sink.spool.readyBytes <= 150 * 1024 ? true : undefined;
  }, 'the cap', 5000);
  const dropped = log.events('RecordsDropped').filter((e) => e.reason === 'spool_full');
  assert.ok(dropped.length > 0);
  const lostRecords = dropped.reduce((a, e) => a + (e.count as number), 0);
  let kept = 0;
  for (const f of await readyFiles(dir)) kept += recordsOf(await readFile(join(dir, 'ready', f))).length;
  assert.equal(kept + lostRecords, n, 'every record is either in the spool or reported lost');
  // what is left is the newest data
  const keptIds = new Set<string>();
  for (const f of await readyFiles(dir)) for (const r of recordsOf(await readFile(join(dir, 'ready', f)))) keptIds.add(r.flow_id);
  assert.ok(keptIds.has(bulky(n - 1).flow_id));
  assert.ok(!keptIds.has(bulky(0).flow_id));
});

test('the pcap of a file goes before its JSON archive; frames lost are reported as frames', async (t) => {
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(options(dir, log, { pcap: true }));
  const frame = Buffer.alloc(1500, 7);
  for (let f = 0; f < 3; f++) {
    for (let k = 0; k < 10; k++) sink.write(bulky(f * 10 + k), { frames: [{ tsMs: Date.now(), data: frame }, { tsMs: Date.now(), data: frame }] });
    await sink.rotate();
  }
  await sink.close();
  const files = (await readyFiles(dir)).sort((a, b) => compareSpoolNames(parseSpoolName(a)!, parseSpoolName(b)!));
  assert.equal(files.length, 6);
  assert.ok(files[0]!.endsWith('.pcap') && files[1]!.endsWith('.jsonl.gz'), 'pcap first within one base');
  const log2 = new LogRecorder();
  const one = (await stat(join(dir, 'ready', files[0]!))).size;
  const all = (await Promise.all(files.map(async (f) => (await stat(join(dir, 'ready', f))).size))).reduce((a, b) => a + b, 0);
  const sink2 = await ArchiveSink.open(options(dir, log2, { spoolMaxBytes: Math.max(all - one, 1), flushIntervalMs: 60_000 }));
  await sink2.spool.enforce();
  await sink2.close();
  const d = log2.events('RecordsDropped');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.file, files[0]);
  assert.equal(d[0]!.frames, 20);
  assert.equal(d[0]!.count, undefined);
});
