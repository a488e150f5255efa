// Repeated-attempt detectors: thresholds over the records' own timestamps, bounded state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { compileRules, createClassifier, ThresholdTracker, type ClassifyInput } from '../../../src/classify/index.ts';

const banner = Buffer.from('SSH-2.0-libssh_0.9.6\r\n');
const ssh = (src: string, ts: number, dst = '203.0.113.7'): ClassifyInput => ({
  proto: 'tcp', state: 'acked', ip_version: 4, src_ip: src, src_port: 40000, dst_ip: dst, dst_port: 22, payload: banner, ts_ms: ts,
});
const ids = (c: ReturnType<typeof createClassifier>, i: ClassifyInput) => c.classify(i).labels.map((l) => l.id);

test('sb-5001: the 20th SSH session from one source to one destination within 60 s, then counting restarts', () => {
  const c = createClassifier();
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 19; i++) assert.ok(!ids(c, ssh('198.51.100.1', t0 + i * 2000)).includes('sb-5001'), `session ${i + 1}`);
  assert.ok(ids(c, ssh('198.51.100.1', t0 + 19 * 2000)).includes('sb-5001'));
  assert.ok(!ids(c, ssh('198.51.100.1', t0 + 20 * 2000)).includes('sb-5001'), 'once: starts over');
});

test('sb-5001: sessions spread over more than 60 s never reach the threshold; other sources do not count', () => {
  const c = createClassifier();
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 100; i++) assert.ok(!ids(c, ssh('198.51.100.2', t0 + i * 4000)).includes('sb-5001'));
  for (let i = 0; i < 19; i++) ids(c, ssh(`198.51.100.${100 + i}`, t0 + i));
  assert.ok(!ids(c, ssh('198.51.100.200', t0 + 50)).includes('sb-5001'));
});

test('sb-5001 counts per destination; sb-5002 counts per source over 10 minutes', () => {
  const c = createClassifier();
  const t0 = 1_700_000_000_000;
  let five001 = 0;
  let five002 = 0;
  for (let i = 0; i < 60; i++) {
    const got = ids(c, ssh('198.51.100.3', t0 + i * 9000, `203.0.113.${i % 4}`)); // 4 destinations, 9 s apart: 15/60 s per destination
    if (got.includes('sb-5001')) five001++;
    if (got.includes('sb-5002')) five002++;
  }
  assert.equal(five001, 0);
  assert.equal(five002, 1, 'the 60th session within 600 s');
});

test('records without an SSH banner do not count', () => {
  const c = createClassifier();
  for (let i = 0; i < 40; i++) assert.ok(!ids(c, { ...ssh('198.51.100.4', i), payload: Buffer.alloc(0) }).includes('sb-5001'));
});

test('sb-5003 port scan: 25 distinct destination ports from one source within 60 s', () => {
  const c = createClassifier();
  const syn = (port: number, ts: number, src = '198.51.100.5'): ClassifyInput => ({
    proto: 'tcp', state: 'syn', ip_version: 4, src_ip: src, src_port: 40000, dst_ip: '203.0.113.7', dst_port: port, payload: new Uint8Array(0), ts_ms: ts,
  });
  for (let i = 0; i < 24; i++) assert.ok(!ids(c, syn(1000 + i, i * 100)).includes('sb-5003'));
  for (let i = 0; i < 10; i++) assert.ok(!ids(c, syn(1000 + i, 2400 + i)).includes('sb-5003'), 'repeats are not new ports');
  assert.ok(ids(c, syn(2000, 2500)).includes('sb-5003'));
  // The same ports slowly (one per 5 s) never reach 25 in 60 s.
  const d = createClassifier();
  for (let i = 0; i < 100; i++) assert.ok(!ids(d, syn(3000 + i, i * 5000, '198.51.100.6')).includes('sb-5003'));
});

test('windows follow ts_ms, not the clock, and tolerate out-of-order records', () => {
  const t = new ThresholdTracker({ count: 3, windowMs: 1000, mode: 'each', distinct: false });
  assert.equal(t.observe('k', 5000), false);
  assert.equal(t.observe('k', 4000), false); // older record arriving late
  assert.equal(t.observe('k', 4500), true);
  assert.equal(t.observe('k', 9000), false, 'far later: the old events left the window');
});

test('state is bounded: least recently seen keys are evicted at the cap', () => {
  const t = new ThresholdTracker({ count: 2, windowMs: 60_000, mode: 'once', distinct: false }, 100);
  for (let i = 0; i < 1000; i++) t.observe(`src${i}`, i);
  assert.equal(t.size, 100);
  assert.equal(t.observe('src0', 1001), false, 'src0 was evicted, its first event is forgotten');
  assert.equal(t.observe('src999', 1002), true, 'src999 is still remembered');
});

test('declarative thresholds in user rules', () => {
  const c = compileRules([{ id: 'u-1', rev: 1, name: 'Many HTTP GETs', category: 'recon', severity: 'low', match: { field: 'http.method', equals: 'GET' }, threshold: { count: 3, window_s: 10, by: ['src_ip'], mode: 'each' } }]);
  const get = (ts: number): ClassifyInput => ({ proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.8', src_port: 1, dst_ip: '203.0.113.7', dst_port: 80, payload: Buffer.from('GET / HTTP/1.1\r\n\r\n'), ts_ms: ts });
  assert.deepEqual([0, 1000, 2000, 3000].map((ts) => c.classify(get(ts)).labels.length), [0, 0, 1, 1]);
});
