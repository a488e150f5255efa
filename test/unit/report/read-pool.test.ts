// Reader threads: a report read by several worker threads is the same report, byte for byte (and the same
// messages on stderr), as one read by the main thread alone, damaged files, caps and approximate counts included;
// a thread that dies costs only the file it was reading; no threads at all means reading in the main thread.
// With --threads N the main thread is one of the N readers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { FlowRecord } from '../../../src/record/flow-record.ts';
import { runReport, type ReportDeps } from '../../../src/report/cli.ts';
import { LABEL_SIP, LABEL_SSH, LABEL_ZGRAB, gzipMembers, io, lines, put, record, tempDir } from './records.ts';

const ET = { sid: 2027097, rev: 4, name: 'ET EXPLOIT Netgear DGN Remote Command Execution', category: 'attempted-admin', severity: 'high', ruleset: 'et/open' };
const AGENTS = ['curl/8.4.0', 'Mozilla/5.0 zgrab/0.x', 'python-requests/2.31', 'Go-http-client/1.1', 'masscan/1.3', 'Wget/1.21'];

/** Deterministic records of one file: several sensors, both label kinds, IPv4 and IPv6, many sources and paths. */
function fileRecords(f: number, n: number): FlowRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const k = f * 1000 + i;
    const labels = [[], [LABEL_SIP], [LABEL_SSH, ET], [ET], [LABEL_ZGRAB]][k % 5]!;
    return record({
      ts: new Date(Date.UTC(2026, 10, 24 + (k % 3), k % 24, k % 60)).toISOString(),
      sensor: `sensor${(f + (i % 7 === 0 ? 1 : 0)) % 5}`,
      src_ip: k % 11 === 0 ? `2001:db8::${(k % 97).toString(16)}` : `198.51.${(k * 7) % 50}.${(k * 13) % 250}`,
      dst_port: [22, 23, 80, 443, 5060, 8080][k % 6]!, proto: k % 6 === 4 ? 'udp' : 'tcp', state: k % 6 === 4 ? 'udp' : k % 2 ? 'acked' : 'syn',
      labels: labels as never,
      ...(k % 4 === 0 ? { facts: { app: 'http', http: { method: 'GET', path: `/p/${k % 37}`, user_agent: AGENTS[k % AGENTS.length]! } } } : {}),
    });
  });
}

/** Ten files in the reading order, with every kind of trouble a reader meets. */
async function archiveSet(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  for (let f = 0; f < 6; f++) {
    const hour = String(f).padStart(2, '0');
    await put(dir, `s/a-20261124T${hour}0000Z-${f}.jsonl.gz`, gzipMembers(fileRecords(f, 300 + f * 37), 50));
  }
  // bad lines: more than are described per file
  const bad = lines(fileRecords(6, 40)).split('\n').map((l, i) => (i % 3 === 0 && l ? l.slice(0, -7) : l)).join('\n');
  await put(dir, 's/a-20261124T060000Z-6.jsonl.gz', gzipSync(bad));
  // truncated, and a bad member in the middle
  const whole = gzipMembers(fileRecords(7, 200), 20);
  await put(dir, 's/a-20261124T070000Z-7.jsonl.gz', whole.subarray(0, Math.floor(whole.length * 0.7)));
  const smashed = Buffer.from(gzipMembers(fileRecords(8, 200), 20));
  smashed.fill(0x55, Math.floor(smashed.length / 2), Math.floor(smashed.length / 2) + 40);
  await put(dir, 's/a-20261124T080000Z-8.jsonl.gz', smashed);
  await put(dir, 's/b-20261124T000000Z-9.jsonl.gz', Buffer.from('not gzip at all\n'));
  await put(dir, 's/c-20261124T000000Z-10.jsonl', lines(fileRecords(10, 120)));
  // the writer's current file, cut mid-block
  const live = gzipMembers(fileRecords(11, 100), 30);
  await put(dir, 'open/d-20261124T000000Z-11.jsonl.gz', live.subarray(0, live.length - 25));
  return dir;
}

const LIMITS: ReportDeps['limits'] = { sourceCapacity: 16, stringCapacity: 4, maxSensors: 3 };

async function run(args: string[], deps: ReportDeps = {}) {
  const o = io();
  let threads = 0;
  const code = await runReport(args, o, { now: () => new Date(0), limits: LIMITS, onThreads: (n) => (threads = n), ...deps });
  const report = JSON.parse(o.stdout.text) as Record<string, unknown>;
  delete report.elapsed_ms;
  return { code, report, stderr: o.stderr.text, threads };
}

test('reader threads give exactly the report (and the messages) of the main thread alone', async (t) => {
  const dir = await archiveSet(t);
  for (const range of [[], ['--since', '2026-11-25', '--until', '2026-11-25T12:00:00Z']]) {
    const one = await run([dir, '--format', 'json', '--threads', '1', ...range]);
    assert.equal(one.threads, 1);
    const r = one.report as { records: number; out_of_range_records: number; sources: { approximate: boolean }; files: { damaged: number; failed: number }; more_problems: number };
    assert.ok(range.length > 0 ? r.records > 300 && r.out_of_range_records > 1000 : r.records > 2000, `the set is read: ${r.records}`);
    assert.ok(r.sources.approximate, 'the source table overflowed: order matters for its counts');
    assert.ok(r.files.damaged >= 2 && r.files.failed === 1 && r.more_problems > 0, 'troubles met');
    for (const threads of [2, 3, 8]) {
      const many = await run([dir, '--format', 'json', '--threads', String(threads), ...range]);
      assert.equal(many.threads, threads);
      assert.deepEqual(many.report, one.report, `${threads} threads`);
      assert.equal(many.stderr, one.stderr, `${threads} threads: the same messages in the same order`);
      assert.equal(many.code, one.code);
    }
  }
  // the text report too (it shows the community labels' ruleset)
  const o1 = io(), o3 = io();
  await runReport([dir, '--threads', '1'], o1, { now: () => new Date(0) });
  await runReport([dir, '--threads', '3'], o3, { now: () => new Date(0) });
  const strip = (s: string) => s.replace(/^Elapsed.*$/m, '');
  assert.equal(strip(o3.stdout.text), strip(o1.stdout.text));
  assert.match(o1.stdout.text, /et\/open\s+2027097\s+attempted-admin/);
});

test('a reader thread that dies costs the file it was reading (reported damaged), the others are still counted', async (t) => {
  const dir = await archiveSet(t);
  const whole = await run([dir, '--format', 'json', '--threads', '1']);
  // --threads 3: the main thread reads files 0, 3, 6... and two workers the others; every worker exits when it
  // first reports bytes read: the two files they took (1 and 2) are lost, the rest is read in the main thread
  const prelude = `const { parentPort } = require('node:worker_threads');
const post = parentPort.postMessage.bind(parentPort);
parentPort.postMessage = (m, t) => { if (m.kind === 'bytes') process.exit(7); post(m, t); };`;
  const broken = await run([dir, '--format', 'json', '--threads', '3'], { workerPrelude: prelude });
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /a-20261124T010000Z-1\.jsonl\.gz: damaged, read in part: the reader thread stopped: exit code 7/);
  assert.match(broken.stderr, /a-20261124T020000Z-2\.jsonl\.gz: damaged, read in part: the reader thread stopped: exit code 7/);
  const w = whole.report as { records: number; files: { damaged: number } }, b = broken.report as typeof w;
  assert.equal(b.records, w.records - 337 - 374, 'only the two lost files are missing');
  assert.equal(b.files.damaged, w.files.damaged + 2);
});

test('no reader thread can start: the main thread reads everything', async (t) => {
  const dir = await archiveSet(t);
  const one = await run([dir, '--format', 'json', '--threads', '1']);
  const none = await run([dir, '--format', 'json', '--threads', '4'], { workerPrelude: "throw new Error('no threads here');" });
  assert.equal(none.threads, 1);
  assert.deepEqual(none.report, one.report);
  assert.equal(none.stderr, one.stderr);
});
