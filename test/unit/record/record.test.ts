import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildRecord } from '../../../src/record/build-record.ts';
import { formatConsole, hexDumpLines, safeText } from '../../../src/record/console-format.ts';
import { createFlowIdGenerator } from '../../../src/record/flow-id.ts';
import { parseRecordLine, recordToLine } from '../../../src/record/ndjson.ts';
import type { FinishedFlow } from '../../../src/record/finished-flow.ts';

const flow = (payload: Uint8Array, over: Partial<FinishedFlow> = {}): FinishedFlow => ({
  proto: 'tcp', ipVersion: 4, src: Uint8Array.of(203, 0, 113, 9), dst: Uint8Array.of(198, 18, 0, 1), srcPort: 40000, dstPort: 80,
  state: 'acked', firstMs: Date.UTC(2026, 10, 25, 10, 0, 0, 123), lastMs: Date.UTC(2026, 10, 25, 10, 0, 1), payload, truncated: false,
  packets: 4, segments: 1, endReason: 'fin', ...over,
});

test('a record carries the schema fields; NDJSON round-trips; a line is one line whatever the payload', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (payload) => {
    const r = buildRecord(flow(payload), { sensor: 's1', flowId: 'F', labels: [], facts: undefined });
    const line = recordToLine(r);
    assert.equal(line.indexOf('\n'), line.length - 1);
    const back = parseRecordLine(line.trimEnd());
    assert.ok(back.ok);
    assert.deepEqual(back.record, JSON.parse(JSON.stringify(r)));
    assert.deepEqual(Buffer.from(back.record.payload, 'base64'), Buffer.from(payload));
  }), { numRuns: 300 });
  const r = buildRecord(flow(Buffer.from('GET /')), { sensor: 's1', flowId: 'F1', labels: [], facts: undefined });
  assert.equal(r.ts, '2026-11-25T10:00:00.123Z');
  assert.equal(r.src_ip, '203.0.113.9');
  assert.equal(r.payload_len, 5);
  assert.equal(r.event, 'flow');
  assert.ok(!('facts' in r), 'no empty facts');
  const v6 = buildRecord(flow(new Uint8Array(0), { ipVersion: 6, src: new Uint8Array(16).fill(0).map((_, i) => (i === 0 ? 0x20 : i === 1 ? 0x01 : i === 15 ? 1 : 0)), dst: new Uint8Array(16) }), { sensor: 's', flowId: 'F', labels: [], facts: undefined });
  assert.equal(v6.src_ip, '2001::1');
});

test('parseRecordLine refuses what is not a record, with a reason', () => {
  for (const [line, why] of [['{', /JSON/], ['[]', /object/], ['{"event":"log"}', /event/], [JSON.stringify({ ...JSON.parse(recordToLine(buildRecord(flow(new Uint8Array(0)), { sensor: 's', flowId: 'F', labels: [], facts: undefined }))), schema: 99 }), /schema/]] as const) {
    const p = parseRecordLine(line);
    assert.equal(p.ok, false);
    if (!p.ok) assert.match(p.reason, why);
  }
});

test("console output is lurker's, and attacker bytes never reach the terminal raw", () => {
  const evil = Buffer.from('GET /\x1b[2J\x1b]0;pwned\x07 HTTP/1.1\r\n\xff\xfe\xc3\xa9\x9b31m', 'latin1');
  const r = buildRecord(flow(evil), { sensor: 's', flowId: 'F', labels: [{ id: 'sb-1', rev: 1, name: 'Evil\x1b[31m Rule', category: 'exploit', severity: 'high' }], facts: undefined });
  const out = formatConsole(r, evil);
  assert.match(out, /^\[2026-11-25T10:00:00\.123Z\] 203\.0\.113\.9:40000 -> 198\.18\.0\.1:80 \(ACKed\)\n/);
  assert.match(out, /\[dump\]/);
  assert.match(out, /^0000  47 45 54 20 2F 1B 5B 32 4A 1B 5D 30 3B 70 77 6E  \| GET \/\.\[2J\.\]0;pwn \|$/m);
  for (let i = 0; i < out.length; i++) {
    const c = out.charCodeAt(i);
    assert.ok(c === 0x0a || (c >= 0x20 && c <= 0x7e), `byte ${c.toString(16)} at ${i}`);
  }
  assert.equal(safeText('a\x1bb'), 'a\\u001bb');
  const syn = formatConsole(buildRecord(flow(new Uint8Array(0), { state: 'syn' }), { sensor: 's', flowId: 'F', labels: [], facts: undefined }), new Uint8Array(0));
  assert.equal(syn, '[2026-11-25T10:00:00.123Z] 203.0.113.9:40000 -> 198.18.0.1:80 (SYNed)\n');
  assert.equal(hexDumpLines(Buffer.from('0123456789abcdefX'))[1], '0010  58                                               | X                |');
});

test('flow ids: 26 Crockford base32 characters, time-ordered, unique', () => {
  const next = createFlowIdGenerator(Uint8Array.of(1, 2, 3, 4, 5));
  const ids = new Set<string>();
  let prev = '';
  for (let i = 0; i < 10_000; i++) {
    const id = next(1_800_000_000_000 + i);
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(id > prev);
    prev = id;
    ids.add(id);
  }
  assert.equal(ids.size, 10_000);
  const other = createFlowIdGenerator(Uint8Array.of(9, 9, 9, 9, 9));
  assert.notEqual(other(1_800_000_000_000), createFlowIdGenerator(Uint8Array.of(1, 2, 3, 4, 5))(1_800_000_000_000));
});
