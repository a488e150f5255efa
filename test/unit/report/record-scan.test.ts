// The fast byte scanner must give exactly what JSON.parse + viewOfRecord gives, or step aside (false).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatIpv4 } from '../../../src/report/ipv4-top-counter.ts';
import { LabelCache, RecordScanner, type ScanOutput, emptyScanOutput } from '../../../src/report/record-scan.ts';
import type { FinishedFlow } from '../../../src/record/finished-flow.ts';
import { buildRecord } from '../../../src/record/build-record.ts';
import { recordToLine } from '../../../src/record/ndjson.ts';
import { parseIsoMs } from '../../../src/record/utc-time.ts';
import { type RecordView, isNotARecord, viewOfRecord } from '../../../src/report/record-view.ts';
import { LABEL_SIP, LABEL_SSH, record } from './records.ts';

const slow = (line: string): RecordView | undefined => {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  const r = viewOfRecord(v);
  return isNotARecord(r) ? undefined : r;
};

/** What the scanner read, as the reference's view. */
function viewOfScan(o: ScanOutput): RecordView {
  return {
    tsMs: o.tsMs, sensor: o.sensor, srcIp: o.srcV4 >= 0 ? formatIpv4(o.srcV4) : o.srcIp, dstPort: o.dstPort,
    proto: o.udp ? 'udp' : 'tcp', state: (['syn', 'acked', 'udp'] as const)[o.state]!, labels: o.labels,
    httpUserAgent: o.userAgent, httpPath: o.path,
  };
}

/**
 * The fast path's answer for a line, scanned inside a larger buffer (as in a real chunk), or at the very end of
 * its buffer (`alone`: the last line of a stream, without its newline).
 */
const fast = (line: string, scanner = new RecordScanner(), alone = false): RecordView | undefined => {
  const body = Buffer.from(line, 'utf8');
  const buf = alone ? body : Buffer.concat([Buffer.from('{"junk":1}\n'), body, Buffer.from('\n{"more":2}')]);
  const out = emptyScanOutput();
  const at = alone ? 0 : 11;
  return scanner.scan(buf, at, at + body.length, out) ? viewOfScan(out) : undefined;
};

/** fast ⊆ slow: whenever the scanner answers, JSON.parse + viewOfRecord gives the same view. */
function agree(line: string, scanner?: RecordScanner): void {
  const f = fast(line, scanner);
  if (f !== undefined) assert.deepEqual(f, slow(line), `fast path disagrees on ${JSON.stringify(line)}`);
  const g = fast(line, scanner, true);
  if (g !== undefined) assert.deepEqual(g, slow(line), `fast path disagrees on ${JSON.stringify(line)} (alone)`);
}

test('an ordinary record takes the fast path and matches the reference', () => {
  const r = record({
    src_ip: '203.0.113.9', dst_port: 5060, proto: 'udp', state: 'udp', labels: [LABEL_SIP, LABEL_SSH],
    payload: Buffer.from('OPTIONS sip:100@x SIP/2.0\r\n').toString('base64'),
    syn: undefined,
    facts: { app: 'http', http: { method: 'GET', path: '/a"b\\c\u0001é', user_agent: 'Mozilla/5.0 <script>', host: 'x' }, tls: { alpn: ['h2'] } },
  });
  const line = JSON.stringify(r);
  const f = fast(line);
  assert.ok(f, 'fast path should answer');
  assert.deepEqual(f, slow(line));
  assert.equal(f.httpPath, '/a"b\\c\u0001é');
  assert.equal(f.httpUserAgent, 'Mozilla/5.0 <script>');
  assert.equal(f.labels.length, 2);
  assert.equal(f.tsMs, Date.parse(r.ts));
});

test('hand-picked lines: the fast path either matches or steps aside', () => {
  const base = record({ syn: { ttl: 64, window: 1024, options: 'mss:1460', syn_count: 1 } });
  const j = JSON.stringify(base);
  const cases = [
    j,
    ` \t${j}\r `,
    j.replace('"event":"flow"', '"event" : "flow"'),
    j.replace('"sensor":"sensor1"', '"sensor":"s\\u0065nsor1"'), // escape in a needed field
    j.replace('"sensor":"sensor1"', '"sensor":"sensor1","sensor":"other"'), // duplicate: last wins in JSON.parse
    j.replace('"dst_port":22', '"dst_port":22.0'),
    j.replace('"dst_port":22', '"dst_port":2e1'),
    j.replace('"dst_port":22', '"dst_port":70000'),
    j.replace('"dst_port":22', '"dst_port":-1'),
    j.replace('"dst_port":22', '"dst_port":022'),
    j.replace('"schema":1', '"schema":2'),
    j.replace('"schema":1', '"schema":1.5'),
    j.replace('"ip_version":4', '"ip_version":5'),
    j.replace('"ts":"2026-11-25T10:15:00.000Z"', '"ts":"2026-11-25T10:15:00Z"'),
    j.replace('"ts":"2026-11-25T10:15:00.000Z"', '"ts":"2026-11-25T11:15:00.123456+01:00"'),
    j.replace('"ts":"2026-11-25T10:15:00.000Z"', '"ts":"2026-02-30T10:15:00.000Z"'),
    j.replace('"ts":"2026-11-25T10:15:00.000Z"', '"ts":"Nov 25 2026"'),
    j.replace('"ts":"2026-11-25T10:15:00.000Z"', '"ts":"0099-01-01T00:00:00.000Z"'),
    j.replace('"state":"syn"', '"state":"open"'),
    j.replace('"proto":"tcp"', '"proto":"icmp"'),
    j.replace('"labels":[]', '"labels":[{"id":"x","name":"y"}]'),
    j.replace('"labels":[]', '"labels":[{"id":"x"}]'),
    j.replace('"labels":[]', '"labels":{}'),
    j.replace('"labels":[]', '"labels":[1,2]'),
    j.replace('"payload":""', '"payload":"ab\u0001c"'), // raw control character: invalid JSON
    j.replace('"payload":""', '"payload":"a\\qb"'), // bad escape
    j.replace('"payload":""', '"payload":"a\\u12"'),
    j.replace('"payload":""', '"payload":"\\"\\\\"'),
    j.replace('"flow_id":', '"flow_id":7,"x":'),
    j.replace('"truncated":false', '"truncated":fals'),
    j.replace('"truncated":false', '"truncated":nul'),
    j.replace('"packets":1', '"packets":[1,{"a":[true,null,-0.5e-3]}]'),
    j.replace('"packets":1', `"packets":${'['.repeat(40)}${']'.repeat(40)}`),
    j.replace('"end_reason"', '"end_reason\\u0000"'),
    j.slice(0, -1),
    j + ' x',
    j + '}',
    `[${j}]`,
    '\ufeff' + j,
    '{}',
    '',
    'null',
    JSON.stringify({ ...base, facts: { http: { path: '/x', path2: 1 }, http2: {} } }),
    JSON.stringify({ ...base, facts: { http: 'GET' } }),
    JSON.stringify({ ...base, facts: 'nope' }),
    JSON.stringify({ ...base, facts: { http: { user_agent: 5, path: ['a'] } } }),
    JSON.stringify({ ...base, facts: { http: { user_agent: 'a' } } }).replace('"user_agent":"a"', '"user_agent":"a","user_agent":"b"'),
    JSON.stringify({ ...base, facts: { http: { user_agent: 'a' } } }).replace('"http":{', '"h\\u0074tp":{'),
    JSON.stringify({ ...base, sensor: 'sensör-ü', src_ip: '2001:db8::1' }),
  ];
  let answered = 0;
  for (const line of cases) {
    agree(line);
    if (fast(line)) answered++;
  }
  assert.ok(answered >= 5, `the fast path answered only ${answered} lines`);
  // These must be refused by both paths: not counted as records.
  for (const bad of [cases[7], cases[10], cases[15], cases[16], cases[19], cases[22], cases[24], cases[25], cases[34], cases[36]]) {
    assert.equal(fast(bad!), undefined, bad);
    assert.equal(slow(bad!), undefined, bad);
  }
  // The duplicate key: JSON.parse keeps the last value, so the fast path must not answer.
  assert.equal(fast(cases[4]!), undefined);
  assert.equal(slow(cases[4]!)?.sensor, 'other');
});

const text = fc.string({ unit: fc.constantFrom('a', 'é', '"', '\\', '\u0000', '\u001f', '\u2028', '/', ' ', '<', '😀', '\ud800', 'z') });
const arbRecord = fc.record({
  ts: fc.integer({ min: 0, max: 4102444800000 }).map((ms) => new Date(ms).toISOString()),
  sensor: text,
  src_ip: fc.oneof(fc.ipV4(), fc.ipV6(), text),
  dst_port: fc.integer({ min: 0, max: 65535 }),
  proto: fc.constantFrom('tcp', 'udp'),
  state: fc.constantFrom('syn', 'acked', 'udp'),
  payload: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
  labels: fc.array(fc.oneof(
    fc.record({ id: text, rev: fc.nat(), name: text, category: text, severity: text }),
    fc.record({ sid: fc.nat(), rev: fc.nat(), name: text, category: text, severity: text, ruleset: text }),
  ), { maxLength: 3 }),
  facts: fc.option(fc.record({
    app: text,
    http: fc.option(fc.record({ method: text, path: text, user_agent: text, host: text }, { requiredKeys: [] }), { nil: undefined }),
    other: fc.jsonValue({ maxDepth: 3 }),
  }, { requiredKeys: [] }), { nil: undefined }),
  extra: fc.option(fc.jsonValue({ maxDepth: 4 }), { nil: undefined }),
});

test('property: for generated records the fast path answers and equals the reference', () => {
  const scanner = new RecordScanner(new LabelCache(8)); // a small cache, so eviction is exercised too
  fc.assert(fc.property(arbRecord, (over) => {
    const line = JSON.stringify(record(over as never));
    const s = slow(line);
    assert.ok(s, 'generated records are valid');
    const f = fast(line, scanner);
    // JSON.stringify never emits escapes in ts, event, proto, state, numbers: only duplicate-free plain keys.
    // The fast path may only step aside when a field it needs holds an escape.
    if (f === undefined) {
      const needsEscape = /\\/.test(JSON.stringify([over.sensor, over.src_ip, over.labels]));
      assert.ok(needsEscape, `fast path stepped aside on ${line}`);
    } else {
      assert.deepEqual(f, s);
    }
  }), { numRuns: 400 });
});

test('property: damaged lines are never accepted by the fast path alone', () => {
  const line = JSON.stringify(record({
    labels: [LABEL_SIP], facts: { http: { path: '/x', user_agent: 'ua' } }, payload: Buffer.from('hello world').toString('base64'),
    syn: { ttl: 64, window: 1024, options: 'mss:1460', syn_count: 1 },
  }));
  const edit = fc.record({
    at: fc.nat({ max: line.length }),
    del: fc.nat({ max: 3 }),
    ins: fc.string({ unit: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '\u0001', '\t', ' ', '0', '-', 'e', '.', 'u', 'n', 'a') , maxLength: 3 }),
  });
  fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
    let l = line;
    for (const e of edits) {
      const at = Math.min(e.at, l.length);
      l = l.slice(0, at) + e.ins + l.slice(at + e.del);
    }
    agree(l);
  }), { numRuns: 3000 });
});

test('parseIsoMs accepts ISO 8601 forms and rejects the rest', () => {
  assert.equal(parseIsoMs('2026-11-25'), Date.UTC(2026, 10, 25));
  assert.equal(parseIsoMs('2026-11-25T10:15'), Date.UTC(2026, 10, 25, 10, 15));
  assert.equal(parseIsoMs('2026-11-25T10:15:07.5Z'), Date.UTC(2026, 10, 25, 10, 15, 7, 500));
  assert.equal(parseIsoMs('2026-11-25T10:15:07.999999Z'), Date.UTC(2026, 10, 25, 10, 15, 7, 999));
  assert.equal(parseIsoMs('2026-11-25T12:15:00+02:00'), Date.UTC(2026, 10, 25, 10, 15));
  assert.equal(parseIsoMs('2026-11-25T08:15:00-0200'), Date.UTC(2026, 10, 25, 10, 15));
  assert.equal(parseIsoMs('2024-02-29'), Date.UTC(2024, 1, 29));
  assert.equal(parseIsoMs('0050-01-01T00:00:00Z'), new Date('0050-01-01T00:00:00Z').getTime());
  for (const bad of ['2026-02-29', '2026-13-01', '2026-11-25T24:00', '25/11/2026', 'Nov 25 2026', '2026-11-25T10:15:00+25:00', '', '2026-11-25Z']) {
    assert.ok(Number.isNaN(parseIsoMs(bad)), bad);
  }
});

test('one scanner\'s memory (key order, sensor, date, label sets) never changes an answer: any order, any mix', () => {
  const shared = new RecordScanner(new LabelCache(4));
  fc.assert(fc.property(fc.array(arbRecord, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 8 }), (recs, order) => {
    const lines = recs.map((over) => JSON.stringify(record(over as never)));
    for (const k of [...order, ...lines.keys()]) {
      const line = lines[k % lines.length]!;
      assert.deepEqual(fast(line, shared), fast(line), `a fresh scanner answers the same on ${line}`);
    }
  }), { numRuns: 200 });
});

test('two scanners do not share state', () => {
  const a = new RecordScanner(), b = new RecordScanner();
  const one = JSON.stringify(record({ sensor: 'edge-1', ts: '2026-11-25T10:15:00.000Z' }));
  const two = JSON.stringify({ ...record({ sensor: 'edge-2', ts: '2027-01-01T00:00:00.000Z' }), extra: { x: 1 } });
  assert.equal(fast(one, a)?.sensor, 'edge-1');
  assert.equal(fast(two, b)?.sensor, 'edge-2');
  assert.equal(fast(one, b)?.tsMs, Date.UTC(2026, 10, 25, 10, 15));
  assert.equal(fast(two, a)?.tsMs, Date.UTC(2027, 0, 1));
});

test('hostile key floods: the scanner remembers a bounded number of keys and still reads every field it needs', () => {
  const scanner = new RecordScanner();
  const flood = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}_${'x'.repeat(i % 90)}`, i]));
  const facts = { ...Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, { i }])), http: { user_agent: 'ua', path: '/p' } };
  for (let i = 0; i < 3; i++) {
    const line = JSON.stringify({ ...flood, ...record({ facts: facts as never }) });
    const f = fast(line, scanner);
    assert.ok(f, 'answered');
    assert.deepEqual(f, slow(line));
    assert.equal(f.httpPath, '/p');
  }
  // and keys in another order after that
  const line = JSON.stringify({ facts: { http: { path: '/q' } }, ...record({ labels: [LABEL_SSH] }) });
  assert.deepEqual(fast(line, scanner), slow(line));
});

test('community (Suricata) labels beside ours: read by both paths alike', () => {
  const et = { sid: 2024364, rev: 3, name: 'ET SCAN Suspicious inbound to MSSQL port 1433', category: 'attempted-recon', severity: 'medium', ruleset: 'et/open' };
  for (const labels of [[LABEL_SIP, et], [et], [{ ...et, ruleset: undefined }], [{ ...et, sid: '2024364' }], [{ ...et, sid: -1 }], [{ name: 'x' }]]) {
    const line = JSON.stringify(record({ labels: labels as never }));
    agree(line);
  }
  const f = fast(JSON.stringify(record({ labels: [LABEL_SIP, et] as never })))!;
  assert.deepEqual(f.labels.map((l) => [l.ruleset, l.id, l.sid]), [['synbait', 'sb-1001', undefined], ['et/open', undefined, 2024364]]);
  assert.equal(fast(JSON.stringify(record({ labels: [{ ...et, sid: '1' }] as never }))), undefined, 'a sid must be a number');
});

test('what the writer writes takes its template (the fast way), with and without syn, labels and facts', () => {
  const scanner = new RecordScanner();
  const flows: FinishedFlow[] = [
    { proto: 'tcp', ipVersion: 4, src: Uint8Array.of(203, 0, 113, 9), dst: Uint8Array.of(198, 18, 0, 1), srcPort: 40000, dstPort: 80,
      state: 'acked', firstMs: Date.UTC(2026, 10, 25, 10, 0, 0, 123), lastMs: Date.UTC(2026, 10, 25, 10, 0, 1), payload: Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      truncated: false, packets: 4, segments: 1, endReason: 'fin', syn: { ttl: 52, window: 64240, ip_id: 7, options: 'mss:1460', syn_count: 1 } },
    { proto: 'udp', ipVersion: 6, src: Uint8Array.of(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5), dst: Uint8Array.of(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
      srcPort: 5070, dstPort: 5060, state: 'udp', firstMs: Date.UTC(2026, 10, 25), lastMs: Date.UTC(2026, 10, 25), payload: Buffer.from('OPTIONS sip:x SIP/2.0\r\n'),
      truncated: true, packets: 1, segments: 1, endReason: 'timeout' },
  ];
  const et = { sid: 2024364, rev: 3, name: 'ET SCAN x', category: 'attempted-recon', severity: 'medium', ruleset: 'et/open' };
  let n = 0;
  for (const f of flows) {
    for (const labels of [[], [LABEL_SIP], [LABEL_SIP, et]]) {
      for (const facts of [undefined, { app: 'http', http: { method: 'GET', path: '/', user_agent: 'curl/8' } }]) {
        const line = recordToLine(buildRecord(f, { sensor: 'edge-1', flowId: 'F1', labels: labels as never, facts: facts as never })).trimEnd();
        assert.deepEqual(fast(line, scanner), slow(line), line);
        n++;
        assert.equal(scanner.templated, n, `the writer's line took the template: ${line}`);
      }
    }
  }
  // a line in another key order is walked, with the same answer
  const shuffled = JSON.stringify(Object.fromEntries(Object.entries(record({ labels: [LABEL_SIP] })).reverse()));
  assert.deepEqual(fast(shuffled, scanner), slow(shuffled));
  assert.equal(scanner.templated, n);
});
