import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Classifier } from '../../../src/classify/types.ts';
import { RecordPipeline } from '../../../src/pipeline/record-pipeline.ts';
import type { Sink } from '../../../src/pipeline/sink.ts';
import { STOP_SLICE_MS, WorkLoop } from '../../../src/pipeline/work-loop.ts';
import type { FinishedFlow } from '../../../src/record/finished-flow.ts';
import type { FlowRecord } from '../../../src/record/flow-record.ts';

const flow = (port: number): FinishedFlow => ({
  proto: 'tcp', ipVersion: 4, src: Uint8Array.of(203, 0, 113, 1), dst: Uint8Array.of(198, 18, 0, 1), srcPort: 1000, dstPort: port,
  state: 'syn', firstMs: 1_800_000_000_000, lastMs: 1_800_000_000_000, payload: Buffer.alloc(0), truncated: false, packets: 1, segments: 0, endReason: 'timeout',
});
class MemSink implements Sink {
  readonly name = 'mem';
  records: FlowRecord[] = [];
  congested = false;
  write(r: FlowRecord) {
    this.records.push(r);
  }
  async flush() {}
  async close() {}
}
const log = { debug() {}, info() {}, warn() {}, error() {} };

/** A clock that moves only when a record is labelled (`costMs` each), and a defer that the test runs by hand. */
function rig(costMs: number, sliceMs = 0.25) {
  let mono = 0;
  const classifier: Classifier = { ruleCount: 0, classify: () => { mono += costMs; return { labels: [], facts: {} }; } };
  const sink = new MemSink();
  const pipeline = new RecordPipeline({ sensor: 's', sinks: [sink], nextFlowId: () => 'ID', log, classifier });
  const deferred: (() => void)[] = [];
  const loop = new WorkLoop({ pipeline, sliceMs, clock: { monotonicMs: () => mono, nowMs: () => 1_800_000_000_000 }, defer: (fn) => deferred.push(fn) });
  /** Runs one deferred slice; returns how long it took on the fake clock and how many records it wrote. */
  const runOne = () => {
    const t0 = mono;
    const n0 = sink.records.length;
    deferred.shift()!();
    return { ms: mono - t0, records: sink.records.length - n0 };
  };
  return { pipeline, loop, sink, deferred, runOne, now: () => mono };
}

test('a slice ends within one record of its deadline, however long the backlog', () => {
  const r = rig(0.1);
  for (let i = 0; i < 1000; i++) r.loop.enqueue(flow(i));
  assert.equal(r.deferred.length, 1, 'one slice scheduled, not one per record');
  let slices = 0;
  while (r.deferred.length > 0) {
    const { ms, records } = r.runOne();
    slices++;
    assert.ok(ms <= 0.25 + 0.1 + 1e-9, `slice of ${ms} ms`);
    assert.ok(records >= 1);
  }
  assert.equal(r.sink.records.length, 1000);
  assert.equal(slices, Math.ceil(1000 / 3), '3 records of 0.1 ms per 0.25 ms slice');
});

test('expiry feeds the slice a few flows at a time and stops while the backlog is long', () => {
  const r = rig(0.01);
  let due = 100;
  const budgets: number[] = [];
  r.loop.expireWith((_now, budget) => {
    budgets.push(budget);
    const n = Math.min(budget, due);
    for (let i = 0; i < n; i++) r.pipeline.enqueue(flow(due--));
    return due > 0;
  });
  r.loop.schedule();
  while (r.deferred.length > 0) r.runOne();
  assert.equal(r.sink.records.length, 100);
  assert.ok(budgets.every((b) => b <= 4), 'a few flows per step');
});

test('a congested sink stops the slices (the ticker looks again); finish() writes everything anyway, in slices', async () => {
  const r = rig(0.5);
  for (let i = 0; i < 200; i++) r.loop.enqueue(flow(i));
  r.sink.congested = true;
  assert.equal(r.runOne().records, 0);
  assert.equal(r.deferred.length, 0, 'no busy loop while congested');
  let pending = 300;
  let turns = 0;
  const longest: number[] = [];
  const done = r.loop.finish((budget) => {
    const n = Math.min(budget, pending);
    for (let i = 0; i < n; i++) r.pipeline.enqueue(flow(pending--));
    return pending > 0;
  });
  // the shutdown yields between its slices: run them by hand, as the event loop would
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (r.deferred.length === 0) break;
    turns++;
    const t0 = r.now();
    r.deferred.shift()!();
    longest.push(r.now() - t0);
  }
  await done;
  assert.equal(r.sink.records.length, 500, 'every queued record and every finished flow written');
  assert.equal(pending, 0);
  assert.ok(turns >= Math.floor((500 * 0.5) / (STOP_SLICE_MS + 0.5)), `${turns} turns of the event loop`);
  assert.ok(Math.max(...longest) <= STOP_SLICE_MS + 0.5 + 1e-9);
});
