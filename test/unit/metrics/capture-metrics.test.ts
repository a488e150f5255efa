// The kernel's capture drops reach the operator: /metrics counters and the stats line's fields, from a fake stats
// source (the real pcap_stats is checked end to end in test/e2e/kernel-drops.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponderCounters } from '../../../src/flow/counters.ts';
import { captureSamples, type CaptureSource } from '../../../src/metrics/capture-metrics.ts';
import { renderPrometheus } from '../../../src/metrics/prometheus-text.ts';
import { StatsLine } from '../../../src/metrics/stats.ts';

function source(kernelDropped: number, ifDropped: number, restoredCount = 0): CaptureSource & { set(k: number, i: number): void } {
  let k = kernelDropped;
  let i = ifDropped;
  return {
    stats: () => ({ kernelDropped: k, ifDropped: i }),
    get restoredCount() { return restoredCount; },
    set(nk: number, ni: number) { k = nk; i = ni; },
  };
}

test('/metrics: synbait_capture_kernel_drops_total and synbait_capture_interface_drops_total are read at scrape time', () => {
  const s = source(12, 3);
  let text = renderPrometheus(captureSamples(s));
  assert.match(text, /^# TYPE synbait_capture_kernel_drops_total counter$/m);
  assert.match(text, /^synbait_capture_kernel_drops_total 12$/m);
  assert.match(text, /^synbait_capture_interface_drops_total 3$/m);
  assert.match(text, /^synbait_capture_reopened_total 0$/m);
  s.set(4000, 3);
  text = renderPrometheus(captureSamples(s));
  assert.match(text, /^synbait_capture_kernel_drops_total 4000$/m);
});

function statsLine(capture?: CaptureSource): StatsLine {
  return new StatsLine({
    responder: { counters: new ResponderCounters(), pendingSyns: 0, openFlows: 0, bufferedBytes: 0 },
    pipeline: { recorded: { syn: 0, acked: 0, udp: 0 }, backlog: 0 },
    internalErrors: () => 0,
    ...(capture ? { capture } : {}),
  });
}

test('the stats line carries cumulative kernel_dropped and if_dropped, and capture_reopened once there was one', () => {
  const s = source(7, 1);
  const line = statsLine(s);
  try {
    let f = line.fields();
    assert.equal(f.kernel_dropped, 7);
    assert.equal(f.if_dropped, 1);
    assert.equal('capture_reopened' in f, false);
    s.set(9, 1);
    f = line.fields();
    assert.equal(f.kernel_dropped, 9, 'cumulative: not reset by the previous line');
    const again = statsLine(source(9, 1, 2));
    assert.equal(again.fields().capture_reopened, 2);
    again.close();
  } finally {
    line.close();
  }
  const none = statsLine();
  assert.equal('kernel_dropped' in none.fields(), false);
  none.close();
});
