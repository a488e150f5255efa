// runReport end to end on real files: counting, damaged inputs, --since/--until, formats, --output, --relabel,
// arguments and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Classifier, ClassifyInput } from '../../../src/classify/types.ts';
import type { Label } from '../../../src/record/flow-record.ts';
import { runReport } from '../../../src/report/cli.ts';
import { LABEL_SIP, LABEL_SSH, LABEL_ZGRAB, gzipMembers, io, lines, put, record, tempDir } from './records.ts';

interface JsonReport {
  records: number;
  threats: { name: string; id: string; count: number }[];
  threats_total: number;
  unlabelled_records: number;
  states: Record<string, number>;
  ports: { proto: string; port: number; count: number }[];
  days: { day: string; count: number }[];
  sensors: { sensor: string; records: number }[];
  sources: { entries: { src_ip: string; count: number }[] };
  files: { ok: number; damaged: number; failed: number; skipped_by_range: number };
  skipped_lines: number;
  out_of_range_records: number;
  labels_from: string;
  http_user_agents: { entries: { user_agent: string; count: number }[] };
}

async function json(args: string[], env: NodeJS.ProcessEnv = {}) {
  const o = io(env);
  const code = await runReport([...args, '--format', 'json'], o);
  return { code, report: code === 2 ? undefined : (JSON.parse(o.stdout.text) as JsonReport), stderr: o.stderr.text };
}

/** A spool: two sensors, hive partitions, a .pcap to ignore, plain and gzip archives. */
async function spool(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t);
  const day1 = [
    record({ ts: '2026-11-24T23:59:59.000Z', labels: [LABEL_SIP], proto: 'udp', state: 'udp', dst_port: 5060, src_ip: '203.0.113.5' }),
    record({ ts: '2026-11-24T10:00:00.000Z', labels: [LABEL_SSH], state: 'acked', dst_port: 22, src_ip: '198.51.100.7' }),
  ];
  const day2 = [
    record({ ts: '2026-11-25T00:00:00.000Z', labels: [LABEL_SIP], proto: 'udp', state: 'udp', dst_port: 5060, src_ip: '203.0.113.5' }),
    record({ ts: '2026-11-25T01:00:00.000Z', state: 'syn', dst_port: 23, src_ip: '203.0.113.5' }),
    record({ ts: '2026-11-25T02:00:00.000Z', labels: [LABEL_ZGRAB, LABEL_SIP], state: 'acked', dst_port: 80, src_ip: '192.0.2.44', facts: { http: { user_agent: 'Mozilla/5.0 zgrab/0.x', path: '/' } } }),
  ];
  const other = [record({ ts: '2026-11-25T03:00:00.000Z', sensor: 'sensor2', dst_port: 445, src_ip: '2001:db8::5' })];
  await put(dir, 'sensor=sensor1/dt=2026-11-24/sensor1-20261124T000000Z-aaaaaa.jsonl.gz', gzipMembers(day1, 1));
  await put(dir, 'sensor=sensor1/dt=2026-11-25/sensor1-20261125T000000Z-bbbbbb.jsonl.gz', gzipMembers(day2, 2));
  await put(dir, 'sensor=sensor1/dt=2026-11-25/sensor1-20261125T000000Z-bbbbbb.pcap', Buffer.from('not an archive'));
  await put(dir, 'sensor=sensor2/dt=2026-11-25/sensor2-20261125T030000Z-cccccc.jsonl', lines(other));
  return dir;
}

test('counts a spool of gzip and plain archives across partitions', async (t) => {
  const dir = await spool(t);
  const { code, report, stderr } = await json([dir]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  const r = report!;
  assert.equal(r.records, 6);
  assert.deepEqual(r.threats.map((x) => [x.name, x.id, x.count]), [
    ['SIPVicious Scanner Detection', 'sb-1001', 3],
    ['SSH User Authentication Brute Force Attempt', 'sb-4001', 1],
    ['ZGrab Application Layer Scanner Detection', 'sb-1002', 1],
  ]);
  assert.equal(r.threats_total, 5);
  assert.equal(r.unlabelled_records, 2);
  assert.deepEqual(r.states, { syn: 2, acked: 2, udp: 2 });
  assert.deepEqual(r.days, [{ day: '2026-11-24', count: 2 }, { day: '2026-11-25', count: 4 }]);
  assert.deepEqual(r.sensors, [{ sensor: 'sensor1', records: 5 }, { sensor: 'sensor2', records: 1 }]);
  assert.deepEqual(r.sources.entries[0], { src_ip: '203.0.113.5', count: 3, error: 0 });
  assert.deepEqual(r.ports[0], { proto: 'udp', port: 5060, count: 2 });
  assert.deepEqual(r.files, { ...r.files, ok: 3, damaged: 0, failed: 0, skipped_by_range: 0 });
  assert.equal(r.http_user_agents.entries[0]!.user_agent, 'Mozilla/5.0 zgrab/0.x');
  assert.equal(r.labels_from, 'archive');
});

test('a file named twice (directly and through its folder) is read once', async (t) => {
  const dir = await spool(t);
  const { report } = await json([dir, join(dir, 'sensor=sensor1/dt=2026-11-24/sensor1-20261124T000000Z-aaaaaa.jsonl.gz'), `${dir}/./sensor=sensor1`]);
  assert.equal(report!.records, 6);
});

test('corrupt, truncated and non-gzip files are named on stderr, skipped, and the rest is counted', async (t) => {
  const dir = await tempDir(t);
  const good = [record({ labels: [LABEL_SIP] }), record({ labels: [LABEL_SIP] }), record()];
  await put(dir, 'good.jsonl.gz', gzipMembers(good));
  const many = Array.from({ length: 40 }, (_, i) => record({ dst_port: 1000 + i }));
  const full = gzipMembers(many, 10);
  await put(dir, 'truncated.jsonl.gz', full.subarray(0, full.length - 100));
  await put(dir, 'not-gzip.jsonl.gz', lines(good));
  await put(dir, 'empty.jsonl.gz', Buffer.alloc(0));
  const mixed = [
    JSON.stringify(record({ labels: [LABEL_SSH] })),
    '{"event":"flow", this is not json',
    JSON.stringify({ hello: 'world' }),
    '',
    JSON.stringify(record({ dst_port: 99999 })),
    JSON.stringify(record({ state: 'acked' })),
  ].join('\n') + '\n' + JSON.stringify(record()).slice(0, 40); // torn last line
  await put(dir, 'mixed.jsonl.gz', gzipSync(mixed));

  const o = io();
  const code = await runReport([dir, '--format', 'json'], o);
  assert.equal(code, 1, 'some inputs were not read completely');
  const r = JSON.parse(o.stdout.text) as JsonReport;
  const err = o.stderr.text;
  assert.match(err, /not-gzip\.jsonl\.gz: unreadable, skipped: not a gzip file/);
  assert.match(err, /truncated\.jsonl\.gz: damaged, read in part: .*truncated/);
  assert.match(err, /mixed\.jsonl\.gz:2: not JSON/);
  assert.match(err, /mixed\.jsonl\.gz:3: not a FlowRecord: event is not "flow"/);
  assert.match(err, /mixed\.jsonl\.gz:5: not a FlowRecord: dst_port is not a port number/);
  assert.match(err, /mixed\.jsonl\.gz:7: incomplete last line \(torn write\)/);
  assert.match(err, /truncated\.jsonl\.gz:\d+: incomplete last line/);
  assert.ok(!/empty\.jsonl\.gz/.test(err), 'an empty .gz is not a problem');
  assert.match(err, /1 input\(s\) unreadable, 1 damaged, 5 bad line\(s\) skipped/);
  // good: 3, mixed: 2 good lines, truncated: every whole line before the cut (at least the first 3 members)
  assert.ok(r.records >= 3 + 2 + 30 && r.records < 3 + 2 + 40, String(r.records));
  assert.deepEqual(r.files, { ...r.files, ok: 3 /* good, mixed, empty */, damaged: 1, failed: 1 });
  assert.equal(r.skipped_lines, 5);
  assert.deepEqual(r.threats.map((x) => [x.name, x.count]), [['SIPVicious Scanner Detection', 2], ['SSH User Authentication Brute Force Attempt', 1]]);
});

test('--since/--until filter by ts; out-of-range partitions and files are not read', async (t) => {
  const dir = await spool(t);
  // A corrupt file in a partition far outside the range: reading it would be reported.
  await put(dir, 'sensor=sensor1/dt=2026-10-01/sensor1-20261001T000000Z-dddddd.jsonl.gz', Buffer.from('corrupt'));
  await put(dir, 'loose/sensor1-20261201T000000Z-eeeeee.jsonl.gz', Buffer.from('corrupt'));

  const a = await json([dir, '--since', '2026-11-25', '--until', '2026-11-25']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.report!.records, 4, 'the whole day of 2026-11-25 (date-only --until includes it)');
  assert.equal(a.report!.out_of_range_records, 2);
  assert.equal(a.report!.files.skipped_by_range, 2);

  const b = await json([dir, '--since', '2026-11-24T23:59:59Z', '--until', '2026-11-25T01:00:00Z']);
  assert.equal(b.report!.records, 2, 'since inclusive, until exclusive');
  const c = await json([dir, '--since', '2026-11-25T02:00:00+01:00']);
  assert.equal(c.report!.records, 3, 'from 01:00Z: 01:00, 02:00 and 03:00');
});

test('formats: text by default, from the --output extension, or as asked; --output writes the file', async (t) => {
  const dir = await spool(t);
  const o = io();
  assert.equal(await runReport([dir], o), 0);
  assert.match(o.stdout.text, /^synbait report/);
  assert.match(o.stdout.text, /SIPVicious Scanner Detection\s+synbait\s+sb-1001\s+scanner\s+medium\s+3/);

  const out = join(dir, 'report.html');
  const o2 = io();
  assert.equal(await runReport([dir, '--output', out], o2), 0);
  assert.equal(o2.stdout.text, '');
  const html = await readFile(out, 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);

  for (const [fmt, re] of [['markdown', /^# synbait report/], ['md', /^# synbait report/], ['json', /^\{/], ['html', /^<!DOCTYPE/], ['text', /^synbait/]] as const) {
    const o3 = io();
    assert.equal(await runReport([dir, '-f', fmt], o3), 0);
    assert.match(o3.stdout.text, re);
  }
});

test('bad arguments exit 2 with a message naming the flag', async () => {
  const cases: [string[], RegExp][] = [
    [[], /at least one archive/],
    [['x', '--since', 'yesterday'], /--since "yesterday" is not a date/],
    [['x', '--until', '2026-13-01'], /--until/],
    [['x', '--since', '2026-11-26', '--until', '2026-11-25'], /--since must be before --until/],
    [['x', '--format', 'pdf'], /--format "pdf"/],
    [['x', '--top', '0'], /--top/],
    [['x', '--bogus'], /unknown flag --bogus/],
    [['x', '--since'], /--since needs a value/],
    [['x', '--relabel=yes'], /--relabel takes no value/],
    [['x', '--rules', 'r.json'], /--rules only applies with --relabel/],
    [['x', '--s3-endpoint', 'ftp://x'], /--s3-endpoint "ftp:\/\/x" is not an http\(s\) URL/],
    [['/definitely/not/here'], /\/definitely\/not\/here: ENOENT/],
    [['s3://'], /not an s3:\/\/BUCKET/],
    [['x', '--threads', '0'], /--threads "0"/],
    [['x', '--threads', '65'], /--threads "65"/],
    [['x', '--threads', 'two'], /--threads "two"/],
    [['x', '--relabel', '--threads', '2'], /--threads does not apply with --relabel/],
  ];
  for (const [args, re] of cases) {
    const o = io();
    assert.equal(await runReport(args, o), 2, args.join(' '));
    assert.match(o.stderr.text, re, args.join(' '));
    assert.equal(o.stdout.text, '');
  }
  const o = io({ SYNBAIT_S3_FORCE_PATH_STYLE: 'maybe' });
  assert.equal(await runReport(['x'], o), 2);
  assert.match(o.stderr.text, /SYNBAIT_S3_FORCE_PATH_STYLE/);
});

test('--help documents every flag and the exit status', async () => {
  const o = io();
  assert.equal(await runReport(['--help'], o), 0);
  for (const flag of ['--since', '--until', '--format', '--output', '--relabel', '--rules', '--top', '--s3-region', '--s3-endpoint', '--s3-force-path-style', '--threads', '--no-progress', 'Exit status']) {
    assert.ok(o.stdout.text.includes(flag), flag);
  }
});

test('--relabel: the current rules replace stored labels, one classifier per sensor, records in file order', async (t) => {
  const dir = await tempDir(t);
  const recs = [
    record({ ts: '2026-11-25T10:00:02.000Z', sensor: 's1', labels: [LABEL_SIP], payload: Buffer.from('SSH-2.0-Go\r\n').toString('base64'), src_port: 3 }),
    record({ ts: '2026-11-25T10:00:01.000Z', sensor: 's1', labels: [LABEL_SIP], payload: Buffer.from('GET / HTTP/1.1\r\n').toString('base64'), src_port: 2 }),
  ];
  await put(dir, 's1-20261125T110000Z-000002.jsonl.gz', gzipMembers([record({ ts: '2026-11-25T11:00:00.000Z', sensor: 's1', src_port: 4 })]));
  await put(dir, 's1-20261125T100000Z-000001.jsonl.gz', gzipMembers(recs));
  await put(dir, 's2-20261125T100000Z-000001.jsonl.gz', gzipMembers([record({ sensor: 's2', src_port: 9, syn: { ttl: 1, window: 2, options: 'mss:1460', syn_count: 1 } })]));

  const seen: { instance: number; input: ClassifyInput }[] = [];
  let instances = 0;
  const ssh: Label = { id: 'sb-9', rev: 1, name: 'SSH Go client', category: 'tool', severity: 'info' };
  const create = (docs: readonly unknown[]): Classifier => {
    assert.deepEqual(docs, []);
    const instance = ++instances;
    return {
      ruleCount: 7,
      classify(input) {
        seen.push({ instance, input });
        const text = Buffer.from(input.payload).toString('latin1');
        return text.startsWith('SSH-') ? { labels: [ssh], facts: { app: 'ssh' } } : { labels: [], facts: text.startsWith('GET') ? { http: { user_agent: 'ua-from-rules' } } : {} };
      },
    };
  };
  const o = io();
  assert.equal(await runReport([dir, '--relabel', '--format', 'json'], o, { createClassifier: create }), 0, o.stderr.text);
  const r = JSON.parse(o.stdout.text) as JsonReport & { rule_count: number };
  assert.equal(r.labels_from, 'relabel');
  assert.equal(r.rule_count, 7);
  assert.deepEqual(r.threats.map((x) => [x.name, x.count]), [['SSH Go client', 1]]);
  assert.equal(r.unlabelled_records, 3);
  assert.equal(r.http_user_agents.entries[0]!.user_agent, 'ua-from-rules');
  // s1's files in start order, its records in file order, all through one classifier; s2 through another
  assert.deepEqual(seen.map((s) => [s.input.src_ip && s.input.src_port]), [[3], [2], [4], [9]]);
  assert.equal(new Set(seen.slice(0, 3).map((s) => s.instance)).size, 1);
  assert.notEqual(seen[3]!.instance, seen[0]!.instance);
  assert.equal(seen[0]!.input.ts_ms, Date.parse('2026-11-25T10:00:02.000Z'));
  assert.equal(Buffer.from(seen[0]!.input.payload).toString(), 'SSH-2.0-Go\r\n');
  assert.deepEqual(seen[3]!.input.syn, { ttl: 1, window: 2, options: 'mss:1460', syn_count: 1 });
  assert.equal(seen[3]!.input.dst_ip, '198.51.100.10');
});

test('--relabel with the real rules labels a stored record that had no labels', async (t) => {
  const dir = await tempDir(t);
  const sip = 'OPTIONS sip:100@198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bK-1;rport\r\n' +
    'From: "sipvicious"<sip:100@1.1.1.1>;tag=1\r\nTo: "sipvicious"<sip:100@1.1.1.1>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\n' +
    'User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n';
  await put(dir, 'a.jsonl.gz', gzipMembers([record({ proto: 'udp', state: 'udp', dst_port: 5060, payload: Buffer.from(sip).toString('base64') })]));
  const before = await json([dir]);
  assert.equal(before.report!.threats.length, 0);
  const after = await json([dir, '--relabel']);
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(after.report!.threats.map((x) => x.name), ['SIPVicious Scanner Detection']);
});

test('--relabel --rules: bad rule files exit 2', async (t) => {
  const dir = await tempDir(t);
  const rules = await put(dir, 'rules.json', '{ not json');
  const o = io();
  assert.equal(await runReport([dir, '--relabel', '--rules', rules], o), 2);
  assert.match(o.stderr.text, /rules\.json/);
});

test('progress: shown on a terminal for long runs and erased; never when stderr is not a terminal', async (t) => {
  const dir = await tempDir(t);
  const recs = Array.from({ length: 2_000 }, (_, i) => record({ dst_port: i % 1000, src_ip: `10.0.${(i >> 8) & 255}.${i & 255}` }));
  for (let f = 0; f < 10; f++) await put(dir, `s-2026112${f % 9}T000000Z-${f}.jsonl.gz`, gzipMembers(recs, 500));
  // a clock where every reading is a second later: the run looks long, and every update is due
  const clock = () => {
    let t = 0;
    return () => (t += 1000);
  };
  const tty = io({}, true);
  assert.equal(await runReport([dir, '--format', 'json'], tty, { clock: clock() }), 0);
  assert.match(tty.stderr.text, /synbait report: \d+\/10 files, [\d.]+ (KiB|MiB) of [\d.]+ (KiB|MiB) \(\d+%\), [\d,]+ records, [\d,]+ records\/s/);
  assert.ok(tty.stderr.text.endsWith('\r\x1b[2K'), 'the progress line is erased at the end');
  assert.ok(!tty.stderr.text.includes('\n'), 'progress rewrites one line');
  assert.equal(JSON.parse(tty.stdout.text).records, 20_000);

  const plain = io({}, false);
  assert.equal(await runReport([dir, '--format', 'json'], plain, { clock: clock() }), 0);
  assert.equal(plain.stderr.text, '', 'nothing on a non-terminal stderr');
  const off = io({}, true);
  assert.equal(await runReport([dir, '--format', 'json', '--no-progress'], off, { clock: clock() }), 0);
  assert.equal(off.stderr.text, '');

  // with the real clock a short run shows nothing
  const quick = io({}, true);
  assert.equal(await runReport([join(dir, 's-20261120T000000Z-0.jsonl.gz'), '--format', 'json'], quick), 0);
  assert.equal(quick.stderr.text, '');
});

test('a spool: a file still being written (open/) is read up to its last block without being called damaged', async (t) => {
  const dir = await tempDir(t);
  const done = gzipMembers(Array.from({ length: 10 }, () => record()), 5);
  const writing = Buffer.concat([gzipMembers(Array.from({ length: 6 }, () => record()), 3), gzipSync(lines([record(), record()])).subarray(0, 20)]);
  await put(dir, 'ready/sensor1-20261125T000000Z-000aaaaaa.jsonl.gz', done);
  await put(dir, 'open/sensor1-20261125T010000Z-000bbbbbb.jsonl.gz', writing);
  const a = await json([dir]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stderr, '');
  assert.equal(a.report!.records, 16);
  // the same bytes anywhere else are a truncated file
  await put(dir, 'copy/sensor1-20261125T010000Z-000bbbbbb.jsonl.gz', writing);
  const b = await json([dir]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /copy\/sensor1-20261125T010000Z-000bbbbbb\.jsonl\.gz: damaged, read in part: .*truncated/);
});
