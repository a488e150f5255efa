// classify() with every built-in rule never throws and stays bounded on arbitrary and adversarial payloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { createClassifier, INSPECT_LIMIT, type ClassifyInput } from '../../../src/classify/index.ts';
import { adversarialPayloads } from './adversarial.ts';

const c = createClassifier();
const PORTS = [0, 22, 23, 53, 80, 111, 123, 445, 554, 1723, 3389, 4786, 5060, 8080, 16471, 17185, 52869, 53413, 65535];

const arbInput: fc.Arbitrary<ClassifyInput> = fc.record({
  proto: fc.constantFrom('tcp' as const, 'udp' as const),
  state: fc.constantFrom('syn' as const, 'acked' as const, 'udp' as const),
  ip_version: fc.constantFrom(4 as const, 6 as const),
  src_ip: fc.constantFrom('198.51.100.1', '2001:db8::1'),
  src_port: fc.integer({ min: 0, max: 65535 }),
  dst_ip: fc.constant('203.0.113.7'),
  dst_port: fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 65535 })),
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 2048 }),
    fc.string({ maxLength: 400 }).map((s) => Buffer.from(`GET /${s} HTTP/1.1\r\nHost: x\r\nUser-Agent: ${s}\r\n\r\n${s}`, 'latin1')),
  ),
  ts_ms: fc.integer({ min: 0, max: 2 ** 45 }),
  syn: fc.option(fc.record({ ttl: fc.integer({ min: 0, max: 255 }), window: fc.integer({ min: 0, max: 65535 }), ip_id: fc.integer({ min: 0, max: 65535 }),
    options: fc.constantFrom('', 'mss:1460', 'mss:1460,sok,ts,nop,ws:7'), syn_count: fc.integer({ min: 1, max: 5 }) }), { nil: undefined }),
});

test('fuzz: classify never throws on arbitrary records, and returns well-formed labels and facts', () => {
  fc.assert(fc.property(arbInput, (i) => {
    const r = c.classify(i);
    assert.ok(Array.isArray(r.labels));
    for (const l of r.labels) assert.match(l.id, /^sb-\d+$/);
    assert.equal(typeof r.facts, 'object');
    JSON.stringify(r.facts); // serialisable
  }), { numRuns: 3000 });
});

test('adversarial payloads are classified without throwing, the same way twice (their cost: test/bench/classify-bench.ts)', () => {
  for (const [name, payload] of adversarialPayloads()) {
    const input: ClassifyInput = { proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.1', src_port: 1, dst_ip: '203.0.113.7', dst_port: 80, payload, ts_ms: 0 };
    assert.deepEqual(c.classify(input), c.classify(input), name);
  }
});

test('only the first INSPECT_LIMIT bytes are inspected: a huge payload labels like its prefix', () => {
  const prefix = Buffer.from(`GET /${'%'.repeat(INSPECT_LIMIT - 5)}`, 'latin1');
  const huge = Buffer.concat([prefix, Buffer.alloc(INSPECT_LIMIT * 63, 0x25), Buffer.from('${jndi:ldap://x/} /etc/passwd')]);
  const at = (payload: Buffer): ClassifyInput => ({ proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.1', src_port: 1, dst_ip: '203.0.113.7', dst_port: 80, payload, ts_ms: 0 });
  assert.deepEqual(c.classify(at(huge)).labels.map((l) => l.id), c.classify(at(prefix)).labels.map((l) => l.id));
});

