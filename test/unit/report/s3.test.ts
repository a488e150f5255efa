// The report against a real S3 protocol server (s3rver on 127.0.0.1): listing, hive partitions skipped by the
// range, streaming objects, a damaged object, a missing bucket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runReport } from '../../../src/report/cli.ts';
import { listS3, partitionOf } from '../../../src/report/sources/s3.ts';
import { parseS3Url } from '../../../src/report/sources/s3-url.ts';
import { startS3rver } from '../../helpers/s3rver.ts';
import { LABEL_SIP, LABEL_SSH, gzipMembers, io, record } from './records.ts';

interface JsonReport {
  records: number;
  threats: { name: string; count: number }[];
  days: { day: string; count: number }[];
  files: { ok: number; damaged: number; failed: number; skipped_by_range: number };
}

test('parseS3Url', () => {
  assert.deepEqual(parseS3Url('s3://bucket'), { bucket: 'bucket', prefix: '', single: false });
  assert.deepEqual(parseS3Url('s3://bucket/'), { bucket: 'bucket', prefix: '', single: false });
  assert.deepEqual(parseS3Url('s3://bucket/synbait'), { bucket: 'bucket', prefix: 'synbait/', single: false });
  assert.deepEqual(parseS3Url('s3://bucket/a/b/'), { bucket: 'bucket', prefix: 'a/b/', single: false });
  assert.deepEqual(parseS3Url('s3://bucket/a/x.jsonl.gz'), { bucket: 'bucket', prefix: 'a/x.jsonl.gz', single: true });
  assert.equal(parseS3Url('s3:///x'), undefined);
});

test('report on s3://bucket/prefix from a real S3 server', async (t) => {
  const s3 = await startS3rver({ buckets: ['bucket'] });
  const client = new S3Client(s3.clientConfig);
  t.after(async () => {
    client.destroy();
    await s3.stop();
  });

  const objects: [string, Buffer][] = [
    ['synbait/sensor=sensor1/dt=2026-11-24/sensor1-20261124T000000Z-aaaaaa.jsonl.gz',
      gzipMembers([record({ ts: '2026-11-24T05:00:00.000Z', labels: [LABEL_SSH] }), record({ ts: '2026-11-24T06:00:00.000Z' })], 1)],
    ['synbait/sensor=sensor1/dt=2026-11-25/sensor1-20261125T000000Z-bbbbbb.jsonl.gz',
      gzipMembers(Array.from({ length: 50 }, (_, i) => record({ ts: `2026-11-25T01:${String(i).padStart(2, '0')}:00.000Z`, labels: i % 2 ? [LABEL_SIP] : [] })), 7)],
    ['synbait/sensor=sensor2/dt=2026-11-25/sensor2-20261125T000000Z-cccccc.jsonl.gz',
      gzipMembers([record({ ts: '2026-11-25T02:00:00.000Z', sensor: 'sensor2', labels: [LABEL_SIP] })])],
    ['synbait/sensor=sensor2/dt=2026-11-25/sensor2-20261125T000000Z-cccccc.pcap', Buffer.from('pcap, ignored')],
    // damaged: never a reason to stop
    ['synbait/sensor=sensor2/dt=2026-11-25/sensor2-20261125T010000Z-dddddd.jsonl.gz', Buffer.from('this is not gzip')],
    // far outside the range below: must not even be listed
    ['synbait/sensor=sensor1/dt=2026-10-01/sensor1-20261001T000000Z-eeeeee.jsonl.gz', Buffer.from('corrupt too')],
    // another prefix: not part of the report
    ['other/sensor1-20261125T000000Z-ffffff.jsonl.gz', gzipMembers([record()])],
  ];
  for (const [key, body] of objects) {
    await client.send(new PutObjectCommand({ Bucket: 'bucket', Key: key, Body: body }));
    // s3rver stores what it receives: make sure that is our bytes, not an aws-chunked body
    const got = await client.send(new GetObjectCommand({ Bucket: 'bucket', Key: key }));
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body, key);
  }

  const s3flags = ['--s3-endpoint', s3.endpoint, '--s3-force-path-style'];
  const whole = io(s3.env);
  const code = await runReport(['s3://bucket/synbait', ...s3flags, '--format', 'json'], whole);
  assert.equal(code, 1, 'one object is not gzip');
  const r = JSON.parse(whole.stdout.text) as JsonReport;
  assert.equal(r.records, 2 + 50 + 1);
  assert.deepEqual(r.threats.map((x) => [x.name, x.count]), [['SIPVicious Scanner Detection', 26], ['SSH User Authentication Brute Force Attempt', 1]]);
  assert.match(whole.stderr.text, /s3:\/\/bucket\/synbait\/sensor=sensor2\/dt=2026-11-25\/sensor2-20261125T010000Z-dddddd\.jsonl\.gz: unreadable, skipped: not a gzip file/);
  assert.match(whole.stderr.text, /dt=2026-10-01.*not a gzip file/);
  assert.deepEqual(r.files, { ...r.files, ok: 3, failed: 2 });

  // With a range, partitions far outside it are not listed nor read (the corrupt one there goes unnoticed).
  const ranged = io(s3.env);
  const code2 = await runReport(['s3://bucket/synbait/', ...s3flags, '--format', 'json', '--since', '2026-11-24', '--until', '2026-11-25'], ranged);
  const r2 = JSON.parse(ranged.stdout.text) as JsonReport;
  assert.equal(code2, 1, ranged.stderr.text + ranged.stdout.text);
  assert.ok(!ranged.stderr.text.includes('dt=2026-10-01'), ranged.stderr.text);
  assert.equal(r2.files.skipped_by_range, 1);
  assert.equal(r2.records, 53);
  assert.deepEqual(r2.days, [{ day: '2026-11-24', count: 2 }, { day: '2026-11-25', count: 51 }]);

  // One object by its key.
  const one = io(s3.env);
  assert.equal(await runReport(['s3://bucket/synbait/sensor=sensor1/dt=2026-11-24/sensor1-20261124T000000Z-aaaaaa.jsonl.gz', ...s3flags, '--format', 'json'], one), 0, one.stderr.text);
  assert.equal((JSON.parse(one.stdout.text) as JsonReport).records, 2);

  // The endpoint and path style can also come from the sensor's variables.
  const viaEnv = io({ ...s3.env, SYNBAIT_S3_ENDPOINT: s3.endpoint, SYNBAIT_S3_FORCE_PATH_STYLE: 'true' });
  await runReport(['s3://bucket/synbait/sensor=sensor2/', '--format', 'json'], viaEnv);
  assert.equal((JSON.parse(viaEnv.stdout.text) as JsonReport).records, 1);

  // A key that does not exist.
  const gone = io(s3.env);
  assert.equal(await runReport(['s3://bucket/synbait/nope-20261125T000000Z-x.jsonl.gz', ...s3flags, '--format', 'json'], gone), 1);
  assert.match(gone.stderr.text, /nope-20261125T000000Z-x\.jsonl\.gz: unreadable, skipped: .*NoSuchKey/);

  // A bucket that does not exist: reported, exit 1, still a (empty) report.
  const missing = io(s3.env);
  assert.equal(await runReport(['s3://no-such-bucket/x', ...s3flags, '--format', 'json'], missing), 1);
  assert.match(missing.stderr.text, /s3:\/\/no-such-bucket\/x\/: cannot list: .*NoSuchBucket|bucket does not exist/i);
  assert.equal((JSON.parse(missing.stdout.text) as JsonReport).records, 0);
});

test('listing jumps over out-of-range partitions instead of paging through them', async (t) => {
  const s3 = await startS3rver({ buckets: ['b'] });
  const client = new S3Client(s3.clientConfig);
  t.after(async () => {
    client.destroy();
    await s3.stop();
  });
  const keys: string[] = [];
  for (const sensor of ['s1', 's2']) {
    for (let d = 1; d <= 20; d++) {
      const day = `2026-11-${String(d).padStart(2, '0')}`;
      for (let h = 0; h < 3; h++) keys.push(`p/sensor=${sensor}/dt=${day}/${sensor}-${day.replace(/-/g, '')}T0${h}0000Z-${h}.jsonl.gz`);
    }
  }
  keys.push('p/loose/s9-20261110T000000Z-x.jsonl.gz'); // no partition: kept when its start may be in range
  for (const k of keys) await client.send(new PutObjectCommand({ Bucket: 'b', Key: k, Body: 'x' }));

  let lists = 0;
  client.middlewareStack.add((next, ctx) => async (args) => {
    if (ctx.commandName === 'ListObjectsV2Command') lists++;
    return next(args);
  }, { step: 'initialize' });

  const since = Date.UTC(2026, 10, 10), until = Date.UTC(2026, 10, 12);
  const l = await listS3(client, parseS3Url('s3://b/p')!, { sinceMs: since, untilMs: until });
  assert.deepEqual(l.problems, []);
  const days = new Set(l.archives.map((a) => /dt=(\d{4}-\d{2}-\d{2})/.exec(a.name)?.[1] ?? 'loose'));
  // partitions within a day of [Nov 10, Nov 12)
  assert.deepEqual([...days].sort(), ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', 'loose']);
  assert.equal(l.archives.length, 2 * 4 * 3 + 1);
  assert.ok(lists <= 6, `${lists} list requests`);
  assert.ok(l.skippedByRange >= 2);

  lists = 0;
  const all = await listS3(client, parseS3Url('s3://b/p/')!, { sinceMs: undefined, untilMs: undefined });
  assert.equal(all.archives.length, keys.length);
  assert.equal(lists, 1);
});

test('partitionOf', () => {
  assert.deepEqual(partitionOf('p/sensor=a/dt=2026-11-25/f.jsonl.gz'), { dayMs: Date.UTC(2026, 10, 25), prefix: 'p/sensor=a/dt=2026-11-25/', parent: 'p/sensor=a/' });
  assert.deepEqual(partitionOf('dt=2026-11-25/f'), { dayMs: Date.UTC(2026, 10, 25), prefix: 'dt=2026-11-25/', parent: '' });
  assert.equal(partitionOf('p/xdt=2026-11-25/f'), undefined);
  assert.equal(partitionOf('p/dt=2026-13-25/f'), undefined);
  assert.equal(partitionOf('p/f.jsonl.gz'), undefined);
});
