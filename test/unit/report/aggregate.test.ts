import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Aggregator } from '../../../src/report/aggregate.ts';
import { DistinctCounter } from '../../../src/report/distinct-count.ts';
import { Ipv4TopCounter, formatIpv4, parseIpv4 } from '../../../src/report/ipv4-top-counter.ts';
import type { LabelRef, RecordView } from '../../../src/report/record-view.ts';
import { TopCounter, select } from '../../../src/report/top-k.ts';

const L = (id: string, name: string, severity = 'low'): LabelRef => ({ ruleset: 'synbait', id, sid: undefined, rev: 1, name, category: 'scanner', severity });
const SIP = L('sb-1001', 'SIPVicious Scanner Detection', 'medium');
const SSH = L('sb-4001', 'SSH User Authentication Brute Force Attempt', 'high');
const ZMEU = L('sb-2001', 'ZmEu Scanner Detection');

function view(over: Partial<RecordView> = {}): RecordView {
  return {
    tsMs: Date.UTC(2026, 10, 25, 10), sensor: 'sensor1', srcIp: '192.0.2.1', dstPort: 22, proto: 'tcp', state: 'syn',
    labels: [], httpUserAgent: undefined, httpPath: undefined, ...over,
  };
}

test('counts labels, ports, days, states, sensors and sources exactly on a known input', () => {
  const a = new Aggregator();
  const day = (d: number, h = 0) => Date.UTC(2026, 10, d, h);
  const input: RecordView[] = [
    view({ tsMs: day(24, 23), labels: [SIP], proto: 'udp', state: 'udp', dstPort: 5060, srcIp: '203.0.113.5' }),
    view({ tsMs: day(25, 1), labels: [SIP], proto: 'udp', state: 'udp', dstPort: 5060, srcIp: '203.0.113.5' }),
    view({ tsMs: day(25, 2), labels: [SIP], proto: 'udp', state: 'udp', dstPort: 5060, srcIp: '203.0.113.6' }),
    // a record with two labels counts once for each
    view({ tsMs: day(25, 3), labels: [SSH, { ...SIP }], state: 'acked', dstPort: 22, srcIp: '198.51.100.7', sensor: 'sensor2' }),
    view({ tsMs: day(25, 4), labels: [SSH], state: 'acked', dstPort: 22, srcIp: '198.51.100.7', httpUserAgent: 'curl/8', httpPath: '/' }),
    view({ tsMs: day(26, 5), state: 'syn', dstPort: 22, srcIp: '2001:db8::1' }),
    view({ tsMs: day(26, 6), state: 'syn', dstPort: 5060, srcIp: '203.0.113.5', httpUserAgent: 'curl/8', httpPath: '/x' }),
    view({ tsMs: day(26, 7), labels: [ZMEU], state: 'acked', dstPort: 80, srcIp: '203.0.113.5' }),
  ];
  for (const r of input) a.add(r);
  const s = a.summary(3);
  assert.equal(s.records, 8);
  assert.deepEqual(s.labels.map((l) => [l.name, l.id, l.count]), [
    ['SIPVicious Scanner Detection', 'sb-1001', 4],
    ['SSH User Authentication Brute Force Attempt', 'sb-4001', 2],
    ['ZmEu Scanner Detection', 'sb-2001', 1],
  ]);
  assert.equal(s.labels[0]!.severity, 'medium');
  assert.equal(s.labelTotal, 7);
  assert.equal(s.labelledRecords, 6);
  assert.equal(s.unlabelledRecords, 2);
  assert.deepEqual(s.states, { syn: 2, acked: 3, udp: 3 });
  // top 3 of 4 distinct ports (ties by port number); tcp/5060 and udp/5060 are different ports
  assert.deepEqual(s.ports.map((p) => [p.proto, p.port, p.count]), [['tcp', 22, 3], ['udp', 5060, 3], ['tcp', 80, 1]]);
  assert.equal(s.distinctPorts, 4);
  assert.deepEqual(s.days, [{ day: '2026-11-24', count: 1 }, { day: '2026-11-25', count: 4 }, { day: '2026-11-26', count: 3 }]);
  assert.deepEqual(s.sensors, [{ name: 'sensor1', records: 7 }, { name: 'sensor2', records: 1 }]);
  assert.equal(s.sources.approximate, false);
  assert.deepEqual(s.sources.entries.map((e) => [e.key, e.count, e.error]), [['203.0.113.5', 4, 0], ['198.51.100.7', 2, 0], ['2001:db8::1', 1, 0]]);
  assert.equal(s.distinctSources, 4);
  assert.equal(s.distinctSourcesApproximate, false);
  assert.equal(s.firstTsMs, day(24, 23));
  assert.equal(s.lastTsMs, day(26, 7));
  assert.deepEqual(s.userAgents.entries.map((e) => [e.key, e.count]), [['curl/8', 2]]);
  assert.deepEqual(s.httpPaths.entries.map((e) => [e.key, e.count]), [['/', 1], ['/x', 1]]);
});

test('days without records inside the span are listed with 0', () => {
  const a = new Aggregator();
  a.add(view({ tsMs: Date.UTC(2026, 10, 28, 23, 59) }));
  a.add(view({ tsMs: Date.UTC(2026, 11, 2) }));
  assert.deepEqual(a.summary(1).days, [
    { day: '2026-11-28', count: 1 }, { day: '2026-11-29', count: 0 }, { day: '2026-11-30', count: 0 },
    { day: '2026-12-01', count: 0 }, { day: '2026-12-02', count: 1 },
  ]);
  a.add(view({ tsMs: 0 })); // a bogus clock: no 20,000 empty days
  assert.deepEqual(a.summary(1).days.map((d) => d.day), ['1970-01-01', '2026-11-28', '2026-12-02']);
});

test('an empty aggregate summarises to zeros', () => {
  const s = new Aggregator().summary(10);
  assert.equal(s.records, 0);
  assert.equal(s.firstTsMs, undefined);
  assert.deepEqual(s.labels, []);
  assert.deepEqual(s.days, []);
  assert.equal(s.sources.entries.length, 0);
});

test('sensors over the cap are counted together', () => {
  const a = new Aggregator({ maxSensors: 2 });
  for (const s of ['a', 'b', 'c', 'a', 'd']) a.add(view({ sensor: s }));
  const s = a.summary(5);
  assert.deepEqual(s.sensors, [{ name: 'a', records: 2 }, { name: 'b', records: 1 }]);
  assert.equal(s.otherSensorRecords, 2);
});

test('sources beyond the table capacity: approximate, flagged, and within the stated error', () => {
  const a = new Aggregator({ sourceCapacity: 8 });
  const truth = new Map<string, number>();
  const add = (ip: string) => {
    a.add(view({ srcIp: ip }));
    truth.set(ip, (truth.get(ip) ?? 0) + 1);
  };
  for (let i = 0; i < 2000; i++) {
    add(`10.0.${i % 7}.1`); // 7 heavy hitters
    add(`172.16.${i >> 8}.${i & 255}`); // 2000 singletons
    if (i % 3 === 0) add(`2001:db8::${i % 5}`);
  }
  const s = a.summary(10);
  assert.equal(s.sources.approximate, true);
  assert.equal(s.distinctSourcesApproximate, true);
  // HyperLogLog: within 5 % of the truth
  assert.ok(Math.abs(s.distinctSources - truth.size) / truth.size < 0.05, `${s.distinctSources} vs ${truth.size}`);
  for (const e of s.sources.entries) {
    const t = truth.get(e.key) ?? 0;
    assert.ok(t <= e.count && t >= e.count - e.error, `${e.key}: true ${t}, reported ${e.count} - ${e.error}`);
  }
  // the heavy hitters are all there, first
  assert.deepEqual(new Set(s.sources.entries.slice(0, 7).map((e) => e.key)), new Set([0, 1, 2, 3, 4, 5, 6].map((i) => `10.0.${i}.1`)));
});

test('property: TopCounter bounds hold and every key above the floor is held', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 6 }),
    fc.array(fc.integer({ min: 0, max: 40 }).map((n) => `k${n % 3 === 0 ? n % 4 : n}`), { maxLength: 400 }),
    (cap, keys) => {
      const t = new TopCounter(cap);
      const truth = new Map<string, number>();
      for (const k of keys) {
        t.add(k);
        truth.set(k, (truth.get(k) ?? 0) + 1);
      }
      const held = new Map(t.top(1e9).map((e) => [e.key, e]));
      assert.ok(held.size <= 2 * cap);
      assert.equal(t.total, keys.length);
      for (const [k, n] of truth) {
        const e = held.get(k);
        if (e) assert.ok(n <= e.count && n >= e.count - e.error && e.error <= t.maxError);
        else assert.ok(n <= t.maxError, `${k} (${n}) missing with floor ${t.maxError}`);
      }
      if (truth.size < 2 * cap) {
        assert.equal(t.approximate, false);
        for (const [k, n] of truth) assert.equal(held.get(k)!.count, n);
      }
    },
  ), { numRuns: 300 });
});

test('property: Ipv4TopCounter agrees with exact counting within its bounds', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 8 }),
    fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(0, 0xffffffff, 0x7fffffff, 0x80000000)), { maxLength: 500 }),
    (cap, ips) => {
      const t = new Ipv4TopCounter(cap);
      const truth = new Map<number, number>();
      for (const ip of ips) {
        t.add(ip);
        truth.set(ip, (truth.get(ip) ?? 0) + 1);
      }
      const held = new Map(t.top(1e9).map((e) => [parseIpv4(e.key), e]));
      for (const [ip, n] of truth) {
        const e = held.get(ip);
        if (e) assert.ok(n <= e.count && n >= e.count - e.error);
        else assert.ok(n <= t.maxError);
      }
      if (truth.size < 2 * cap) assert.equal(t.approximate, false);
    },
  ), { numRuns: 300 });
});

test('parseIpv4 takes canonical dotted quads only, and round-trips', () => {
  assert.equal(parseIpv4('0.0.0.0'), 0);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  assert.equal(parseIpv4('192.0.2.1'), 0xc0000201);
  for (const bad of ['01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.4 ', '::1', '', 'a.b.c.d', '1.2.3.04']) {
    assert.equal(parseIpv4(bad), -1, bad);
  }
  fc.assert(fc.property(fc.ipV4(), (ip) => {
    assert.equal(formatIpv4(parseIpv4(ip)), ip);
  }));
});

test('select finds the k-th smallest', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 50 }), fc.nat(), (xs, k0) => {
    const k = k0 % xs.length;
    const sorted = [...xs].sort((a, b) => a - b);
    assert.equal(select(Float64Array.from(xs), k), sorted[k]);
  }));
});

test('DistinctCounter estimates within a few percent', () => {
  for (const n of [10, 1000, 100_000]) {
    const d = new DistinctCounter();
    for (let i = 0; i < n; i++) {
      d.add(`198.51.${i >> 8}.${i & 255}/${i}`);
      d.add(`198.51.${i >> 8}.${i & 255}/${i}`); // duplicates do not count
    }
    const e = d.estimate();
    assert.ok(Math.abs(e - n) / n < 0.03, `${n}: ${e}`);
  }
});
