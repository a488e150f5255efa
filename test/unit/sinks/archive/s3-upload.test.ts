// Uploads against a real S3 protocol server (s3rver on 127.0.0.1): byte-identical objects under the documented keys,
// verification that catches a store changing the bytes, an outage that loses nothing, retries, no overlapping runs,
// the start-up check, the shutdown upload, and DuckDB reading the bucket layout as is.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UploadJob } from '../../../../src/jobs/upload-job.ts';
import { ArchiveSink, type ArchiveSinkOptions } from '../../../../src/sinks/archive/archive-sink.ts';
import { parseSpoolName, utcDay } from '../../../../src/record/archive-name.ts';
import { objectKey, S3Uploader, type S3UploaderOptions } from '../../../../src/sinks/archive/s3-uploader.ts';
import { ConfigError } from '../../../../src/errors.ts';
import { parsePcap } from '../../../helpers/pcap-file.ts';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../../../helpers/s3rver.ts';
import { LogRecorder, makeRecord, readyFiles, recordsOf, tempDir, waitFor } from './fixtures.ts';

// the uploader takes credentials from the SDK's default chain, as in production
process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;

const BUCKET = 'synbait-archive';

function sinkOptions(dir: string, log: LogRecorder, over: Partial<ArchiveSinkOptions> = {}): ArchiveSinkOptions {
  return {
    dir, sensor: 'sensor1', rotateIntervalMs: 3_600_000, rotateSize: 64 * 1024 * 1024, pcap: false,
    spoolMaxBytes: 1 << 30, log, flushIntervalMs: 50, ...over,
  };
}

function uploader(s3: RunningS3rver, sink: ArchiveSink, log: LogRecorder, over: Partial<S3UploaderOptions> = {}): S3Uploader {
  return new S3Uploader({
    bucket: BUCKET, prefix: 'synbait', region: undefined, endpoint: s3.endpoint, forcePathStyle: true,
    spool: sink.spool, log, backoffMs: 100, maxBackoffMs: 400, ...over,
  });
}

async function server(t: { after(fn: () => Promise<void>): void }): Promise<RunningS3rver> {
  const s3 = await startS3rver({ buckets: [BUCKET] });
  t.after(() => s3.stop());
  return s3;
}

/** Every record in the bucket's JSON archives. */
async function bucketRecords(s3: RunningS3rver): Promise<ReturnType<typeof recordsOf>> {
  const out: ReturnType<typeof recordsOf> = [];
  for (const o of await s3.listObjects(BUCKET)) {
    if (o.key.endsWith('.jsonl.gz')) out.push(...recordsOf(await s3.getObject(BUCKET, o.key)));
  }
  return out;
}

test('object keys: PREFIX/sensor=ID/dt=YYYY-MM-DD/FILE, pcap under PREFIX/pcap/, no empty prefix segment', () => {
  const json = parseSpoolName('sensor-a.1-20261125T235959Z-999abcdef.jsonl.gz')!;
  assert.equal(objectKey('synbait', json, 'sensor-a.1-20261125T235959Z-999abcdef.jsonl.gz'),
    'synbait/sensor=sensor-a.1/dt=2026-11-25/sensor-a.1-20261125T235959Z-999abcdef.jsonl.gz');
  assert.equal(objectKey('', json, 'f.jsonl.gz'), 'sensor=sensor-a.1/dt=2026-11-25/f.jsonl.gz');
  assert.equal(objectKey('a/b', json, 'f.jsonl.gz'), 'a/b/sensor=sensor-a.1/dt=2026-11-25/f.jsonl.gz');
  const pcap = parseSpoolName('s1-20261126T000000Z-000abcdef.pcap')!;
  assert.equal(objectKey('synbait', pcap, 'x.pcap'), 'synbait/pcap/sensor=s1/dt=2026-11-26/x.pcap');
});

test('files arrive byte-identical under the documented keys, and the local copy goes only after that', async (t) => {
  const s3 = await server(t);
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(sinkOptions(dir, log, { pcap: true }));
  t.after(() => sink.close());
  const frame = Buffer.from('0200000000010200000000020800450000280001000040060000c0000201c6336400', 'hex');
  for (let f = 0; f < 2; f++) {
    for (let i = 0; i < 50; i++) sink.write(makeRecord(f * 50 + i), { frames: [{ tsMs: Date.now(), data: frame }] });
    await sink.rotate();
  }
  const local = new Map<string, Buffer>();
  for (const f of await readyFiles(dir)) local.set(f, await readFile(join(dir, 'ready', f)));
  assert.equal(local.size, 4);

  const up = uploader(s3, sink, log);
  const summary = await up.run(AbortSignal.timeout(20_000));
  assert.equal(summary.uploaded, 4);
  assert.equal(summary.failed, 0);
  assert.deepEqual(await readyFiles(dir), [], 'uploaded files are gone from the spool');

  const objects = await s3.listObjects(BUCKET);
  assert.deepEqual(objects.map((o) => o.key).sort(), [...local.keys()].map((f) => {
    const n = parseSpoolName(f)!;
    return `synbait/${n.kind === 'pcap' ? 'pcap/' : ''}sensor=sensor1/dt=${utcDay(n.startMs)}/${f}`;
  }).sort());
  for (const o of objects) {
    const file = o.key.slice(o.key.lastIndexOf('/') + 1);
    assert.ok((await s3.getObject(BUCKET, o.key)).equals(local.get(file)!), `${o.key} is byte-identical`);
  }
  const uploaded = log.events('ArchiveUploaded');
  assert.equal(uploaded.length, 4);
  assert.deepEqual(uploaded.filter((e) => e.records !== undefined).map((e) => e.records), [50, 50]);
  assert.deepEqual(uploaded.filter((e) => e.frames !== undefined).map((e) => e.frames), [50, 50]);
  assert.equal((await bucketRecords(s3)).length, 100);
  const pcapKey = objects.find((o) => o.key.endsWith('.pcap'))!.key;
  assert.equal(parsePcap(await s3.getObject(BUCKET, pcapKey)).records.length, 50);
  const m = up.samples();
  assert.equal(m.find((s) => s.name === 'synbait_archive_files_uploaded_total' && s.labels?.kind === 'jsonl')!.value, 2);
  assert.equal(m.find((s) => s.name === 'synbait_archive_uploaded_bytes_total')!.value, [...local.values()].reduce((a, b) => a + b.length, 0));
});

test('a store that changes the bytes is caught: the file stays in the spool', async (t) => {
  const s3 = await server(t);
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(sinkOptions(dir, log));
  t.after(() => sink.close());
  for (let i = 0; i < 20; i++) sink.write(makeRecord(i));
  await sink.rotate();
  const [file] = await readyFiles(dir);
  // the SDK's default flexible checksums send an aws-chunked body with a CRC32 trailer; s3rver keeps the framing
  // as object bytes (a real-world way for an S3-compatible store to store something else than what was sent)
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS, maxAttempts: 1, requestChecksumCalculation: 'WHEN_SUPPORTED' });
  t.after(() => client.destroy());
  const summary = await uploader(s3, sink, log, { client, attempts: 2 }).run(AbortSignal.timeout(20_000));
  assert.equal(summary.uploaded, 0);
  assert.equal(summary.failed, 1);
  assert.deepEqual(await readyFiles(dir), [file], 'the file is kept');
  const failed = log.events('UploadFailed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.code, 'VerifyFailed');
  const stored = (await s3.listObjects(BUCKET))[0]!;
  assert.notEqual(stored.size, (await readFile(join(dir, 'ready', file!))).length, 'the store did keep other bytes');
  // and the uploader's own client (WHEN_REQUIRED) gets it right on the next run
  const ok = await uploader(s3, sink, log).run(AbortSignal.timeout(20_000));
  assert.equal(ok.uploaded, 1);
  assert.deepEqual(await readyFiles(dir), []);
});

test('retries with backoff inside a run: S3 back within the retries means the file goes in the same run', async (t) => {
  const s3 = await server(t);
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(sinkOptions(dir, log));
  t.after(() => sink.close());
  for (let i = 0; i < 5; i++) sink.write(makeRecord(i));
  await sink.rotate();
  await s3.pause();
  const run = uploader(s3, sink, log, { attempts: 6, backoffMs: 200, maxBackoffMs: 800 }).run(AbortSignal.timeout(20_000));
  await waitFor(() => log.events('UploadRetry').length >= 2 || undefined, 'two failed attempts', 10_000);
  await s3.resume();
  const summary = await run;
  assert.equal(summary.uploaded, 1);
  const retries = log.events('UploadRetry');
  assert.equal(retries[0]!.code, 'ECONNREFUSED');
  assert.ok((retries[1]!.retry_in_ms as number) >= 100, 'backoff grows');
  assert.ok((log.events('ArchiveUploaded')[0]!.attempts as number) >= 3);
  assert.equal((await bucketRecords(s3)).length, 5);
});

test('an outage while records keep coming loses nothing: records sent = records in the bucket', async (t) => {
  const s3 = await server(t);
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(sinkOptions(dir, log, { rotateIntervalMs: 1000 }));
  const job = new UploadJob({ schedule: '*/1 * * * * *', uploader: uploader(s3, sink, log, { attempts: 2 }), log });
  job.start();
  let stopped = false;
  t.after(async () => {
    stopped = true;
    await sink.close();
    await job.shutdown(0);
  });
  let sent = 0;
  const writer = (async () => {
    while (!stopped) {
      for (let k = 0; k < 20; k++) sink.write(makeRecord(sent++));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await waitFor(() => log.events('ArchiveUploaded').length >= 2 || undefined, 'uploads before the outage', 10_000);
  await s3.pause();
  const outageStart = Date.now();
  await waitFor(() => log.events('UploadFailed').some((e) => (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET')) || undefined, 'a failed run', 10_000);
  await new Promise((r) => setTimeout(r, Math.max(0, 3000 - (Date.now() - outageStart))));
  const spooled = sink.spool.readyFiles;
  assert.ok(spooled >= 2, `files wait in the spool during the outage (${spooled})`);
  await s3.resume();
  const uploadedBefore = log.events('ArchiveUploaded').length;
  await waitFor(() => log.events('ArchiveUploaded').length >= uploadedBefore + spooled || undefined, 'the backlog to drain', 15_000);
  stopped = true;
  await writer;
  // shutdown order as in main: the sink rotates its last file, then one final upload
  await sink.close();
  await job.shutdown(4000);
  assert.deepEqual(await readyFiles(dir), [], 'the spool is empty');
  const got = await bucketRecords(s3);
  assert.equal(got.length, sent, `${sent} records sent, ${got.length} in the bucket`);
  assert.deepEqual(new Set(got.map((r) => r.flow_id)), new Set(Array.from({ length: sent }, (_, i) => makeRecord(i).flow_id)));
});

test('uploads never run twice at once: with a slow store, ticks that find a run going are skipped and logged', async (t) => {
  const s3 = await server(t);
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(sinkOptions(dir, log));
  t.after(() => sink.close());
  for (let f = 0; f < 4; f++) {
    for (let i = 0; i < 10; i++) sink.write(makeRecord(f * 10 + i));
    await sink.rotate();
  }
  s3.setDelay(1200);
  const job = new UploadJob({ schedule: '*/1 * * * * *', uploader: uploader(s3, sink, log), log });
  job.start();
  t.after(() => job.shutdown(0));
  await waitFor(() => (sink.spool.readyFiles === 0 ? true : undefined), 'all files uploaded', 30_000);
  await job.shutdown(0);
  s3.setDelay(0);
  const puts = s3.requests.filter((r) => r.method === 'PUT');
  assert.equal(puts.length, 4);
  const spans = puts.map((r) => [r.startMs, r.endMs!] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    assert.ok(spans[i]![0] >= spans[i - 1]![1], `PUT ${i} started ${spans[i]![0] - spans[i - 1]![1]} ms after the previous one ended`);
  }
  const skipped = log.events('UploadSkipped');
  assert.ok(skipped.length >= 2, `skipped ticks logged (${skipped.length})`);
  assert.equal(skipped[0]!.reason, 'previous run still going');
  assert.ok(job.counters.runs.skipped >= 2);
  assert.equal(job.samples().find((s) => s.name === 'synbait_upload_runs_total' && s.labels?.result === 'skipped')!.value, job.counters.runs.skipped);
  assert.equal((await bucketRecords(s3)).length, 40);
});

test('start-up check: a missing bucket, an unreachable endpoint and bad credentials are explained; archiving goes on', async (t) => {
  const s3 = await server(t);
  const dir = await tempDir(t);
  const log = new LogRecorder();
  const sink = await ArchiveSink.open(sinkOptions(dir, log));
  t.after(() => sink.close());

  const missing = await uploader(s3, sink, log, { bucket: 'no-such-bucket' }).preflight();
  assert.equal(missing.ok, false);
  const ev1 = log.events('UploadFailed').at(-1)!;
  assert.equal(ev1.stage, 'preflight');
  assert.equal(ev1.code, 'NoSuchBucket');
  assert.match(ev1.error as string, /bucket "no-such-bucket" does not exist/);

  const closed = await startS3rver({ buckets: [] });
  const deadEndpoint = closed.endpoint;
  await closed.stop();
  const unreachable = await uploader(s3, sink, log, { endpoint: deadEndpoint }).preflight();
  assert.equal(unreachable.ok, false);
  const ev2 = log.events('UploadFailed').at(-1)!;
  assert.equal(ev2.code, 'ECONNREFUSED');
  assert.match(ev2.error as string, /cannot reach http:\/\/127\.0\.0\.1:\d+/);

  // s3rver checks the access key id (not SigV4 signatures): an unknown key is refused with 403 InvalidAccessKeyId
  const badCreds = new S3Client({ ...s3.clientConfig, credentials: { accessKeyId: 'AKIANOTAKEY', secretAccessKey: 'wrong-secret-value' } });
  t.after(() => badCreds.destroy());
  const denied = await uploader(s3, sink, log, { client: badCreds }).preflight();
  assert.equal(denied.ok, false);
  const ev3 = log.events('UploadFailed').at(-1)!;
  assert.match(ev3.error as string, /access denied to bucket "synbait-archive"/);
  assert.ok(!JSON.stringify(log.entries).includes('wrong-secret-value'), 'no secret in the logs');

  const good = await uploader(s3, sink, log).preflight();
  assert.equal(good.ok, true);
  assert.equal(log.events('UploadPreflightPassed').length, 1);

  // archiving never depended on it
  for (let i = 0; i < 10; i++) sink.write(makeRecord(i));
  await sink.rotate();
  assert.equal((await readyFiles(dir)).length, 1);
});

test('a bad schedule is a ConfigError naming the flag', () => {
  assert.throws(() => new UploadJob({ schedule: '*/5 * * *', uploader: {} as S3Uploader, log: new LogRecorder() }),
    (e: unknown) => e instanceof ConfigError && e.culprit === '--upload-schedule');
  assert.throws(() => new UploadJob({ schedule: '61 * * * *', uploader: {} as S3Uploader, log: new LogRecorder() }), ConfigError);
});

test('shutdown: the last file goes up within the budget; with S3 down the shutdown still ends in time and keeps it', async (t) => {
  const s3 = await server(t);
  for (const down of [false, true]) {
    const dir = await tempDir(t);
    const log = new LogRecorder();
    const sink = await ArchiveSink.open(sinkOptions(dir, log));
    const job = new UploadJob({ schedule: '0 0 1 1 *', uploader: uploader(s3, sink, log, { backoffMs: 300, attempts: 10 }), log });
    job.start();
    for (let i = 0; i < 30; i++) sink.write(makeRecord(down ? 1000 + i : i));
    if (down) await s3.pause();
    await sink.close();
    // with S3 down, ten attempts 300 ms apart would outlast the budget: only the budget's abort ends it
    await job.shutdown(1500);
    if (down) {
      assert.equal((await readyFiles(dir)).length, 1, 'the file waits for the next start');
      assert.ok(log.events('UploadFailed').some((e) => e.code === 'Aborted'), 'the cut-off upload is reported');
      await s3.resume();
    } else {
      assert.deepEqual(await readyFiles(dir), []);
      assert.equal((await bucketRecords(s3)).length, 30);
    }
  }
});

test('DuckDB reads a downloaded copy of the bucket as is: same record count, sensor and dt partitions', async (t) => {
  const s3 = await server(t);
  const dirs = [await tempDir(t), await tempDir(t)];
  let sent = 0;
  for (const [n, sensor] of [[0, 'sensor-a'], [1, 'sensor-b']] as const) {
    const log = new LogRecorder();
    const sink = await ArchiveSink.open(sinkOptions(dirs[n]!, log, { sensor, pcap: true }));
    for (let f = 0; f < 3; f++) {
      for (let i = 0; i < 25 + n; i++) {
        sink.write(makeRecord(sent++, { sensor }), { frames: [{ tsMs: Date.now(), data: Buffer.alloc(60, 1) }] });
      }
      await sink.rotate();
    }
    await sink.close();
    assert.equal((await uploader(s3, sink, log).run(AbortSignal.timeout(20_000))).uploaded, 6);
  }
  const copy = await tempDir(t, 'bucket-copy');
  await s3.download(BUCKET, copy);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  t.after(() => { con.closeSync(); db.closeSync(); });
  const glob = join(copy, 'synbait', '*', '*', '*.jsonl.gz').replaceAll("'", "''");
  const q = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJson();
  const total = await q(`SELECT count(*) AS n FROM read_json('${glob}', hive_partitioning = true, format = 'newline_delimited')`);
  assert.equal(Number(total[0]!.n), sent);
  const bySensor = await q(`SELECT sensor, CAST(dt AS VARCHAR) AS dt, count(*) AS n FROM read_json('${glob}', hive_partitioning = true, format = 'newline_delimited') GROUP BY ALL ORDER BY ALL`);
  const today = utcDay(Date.now());
  assert.deepEqual(bySensor.map((r) => [r.sensor, r.dt, Number(r.n)]), [['sensor-a', today, 75], ['sensor-b', today, 78]]);
  // the whole-bucket glob also works when pcaps sit under pcap/: only *.jsonl.gz are read
  const everything = join(copy, '**', '*.jsonl.gz').replaceAll("'", "''");
  const all = await q(`SELECT count(*) AS n, count(DISTINCT flow_id) AS ids FROM read_json('${everything}', hive_partitioning = true, format = 'newline_delimited')`);
  assert.equal(Number(all[0]!.n), sent);
  assert.equal(Number(all[0]!.ids), sent);
  const payload = await q(`SELECT count(*) AS n FROM read_json('${glob}', hive_partitioning = true, format = 'newline_delimited') WHERE contains(from_base64(payload)::VARCHAR, 'GET /probe-7 ')`);
  assert.equal(Number(payload[0]!.n), 1);
  // pcaps travelled too
  const pcaps = (await s3.listObjects(BUCKET, 'synbait/pcap/')).length;
  assert.equal(pcaps, 6);
});
