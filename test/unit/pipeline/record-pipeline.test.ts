import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordPipeline } from '../../../src/pipeline/record-pipeline.ts';
import type { Sink } from '../../../src/pipeline/sink.ts';
import type { FlowRecord } from '../../../src/record/flow-record.ts';
import type { FinishedFlow } from '../../../src/record/finished-flow.ts';
import type { Classifier } from '../../../src/classify/types.ts';

const flow = (port: number): FinishedFlow => ({
  proto: 'tcp', ipVersion: 4, src: Uint8Array.of(203, 0, 113, 1), dst: Uint8Array.of(198, 18, 0, 1), srcPort: 1000, dstPort: port,
  state: 'acked', firstMs: 1_800_000_000_000, lastMs: 1_800_000_000_000, payload: Buffer.from('hi'), truncated: false, packets: 2, segments: 1, endReason: 'fin',
});
class MemSink implements Sink {
  readonly name = 'mem';
  records: FlowRecord[] = [];
  congested = false;
  throwOn = -1;
  write(r: FlowRecord) {
    if (r.dst_port === this.throwOn) throw new Error('disk on fire');
    this.records.push(r);
  }
  async flush() {}
  async close() {}
}
const log = { warns: [] as string[], errors: [] as string[], debug() {}, info() {}, warn(_o: object, m: string) { this.warns.push(m); }, error(_o: object, m: string) { this.errors.push(m); } };
const classifier = (fn: (port: number) => FlowRecord['labels']): Classifier => ({
  ruleCount: 1,
  classify: (i) => ({ labels: fn(i.dst_port), facts: {} }),
});

test('labels come from the classifier; a classifier failure keeps the record; a failing sink does not stop the others', () => {
  const a = new MemSink();
  const b = new MemSink();
  b.throwOn = 81;
  const p = new RecordPipeline({
    sensor: 's', sinks: [a, b], nextFlowId: () => 'ID', log,
    classifier: classifier((port) => {
      if (port === 82) throw new Error('bad rule');
      return port === 80 ? [{ id: 'sb-1', rev: 1, name: 'X', category: 'probe', severity: 'low' }] : [];
    }),
  });
  for (const port of [80, 81, 82]) p.enqueue(flow(port));
  assert.equal(p.drain(), 0);
  assert.deepEqual(a.records.map((r) => [r.dst_port, r.labels.length]), [[80, 1], [81, 0], [82, 0]]);
  assert.deepEqual(b.records.map((r) => r.dst_port), [80, 82]);
  assert.equal(p.sinkErrors, 1);
  assert.equal(p.classifyErrors, 1);
  assert.deepEqual(p.recorded, { syn: 0, acked: 3, udp: 0 });
});

test('a congested sink stops draining; close() still writes everything', async () => {
  const a = new MemSink();
  const p = new RecordPipeline({ sensor: 's', sinks: [a], nextFlowId: () => 'ID', log, classifier: classifier(() => []) });
  for (let i = 0; i < 10; i++) p.enqueue(flow(1000 + i));
  a.congested = true;
  assert.equal(p.blocked, true);
  assert.equal(p.drain(), 10);
  assert.equal(a.records.length, 0);
  a.congested = false;
  assert.equal(p.drain(4), 6);
  await p.close();
  assert.equal(a.records.length, 10);
});

test('the backlog is capped: drops are counted, never silent', () => {
  const a = new MemSink();
  const p = new RecordPipeline({ sensor: 's', sinks: [a], nextFlowId: () => 'ID', log, classifier: classifier(() => []), maxBacklog: 5 });
  for (let i = 0; i < 8; i++) p.enqueue(flow(i + 1));
  assert.equal(p.backlog, 5);
  assert.equal(p.droppedBacklog, 3);
});
