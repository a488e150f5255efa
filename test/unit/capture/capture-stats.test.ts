// pcap_stats readings become totals that only grow: 32-bit wraps are followed, a device counter that went back
// (the device is gone, libpcap subtracts its open-time value from 0) adds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accumulateStats, NO_RAW_STATS, NO_STATS } from '../../../src/capture/capture-stats.ts';

test('successive readings add their differences', () => {
  let t = accumulateStats(NO_STATS, NO_RAW_STATS, { received: 100, dropped: 5, ifDropped: 1 });
  t = accumulateStats(t, { received: 100, dropped: 5, ifDropped: 1 }, { received: 250, dropped: 9, ifDropped: 1 });
  assert.deepEqual(t, { received: 250, kernelDropped: 9, ifDropped: 1 });
});

test('a 32-bit counter that wrapped keeps counting up', () => {
  const last = { received: 2 ** 32 - 10, dropped: 2 ** 32 - 1, ifDropped: 0 };
  const t = accumulateStats({ received: 2 ** 32 - 10, kernelDropped: 2 ** 32 - 1, ifDropped: 0 }, last, { received: 30, dropped: 2, ifDropped: 0 });
  assert.equal(t.received, 2 ** 32 + 30);
  assert.equal(t.kernelDropped, 2 ** 32 + 2);
});

test('ps_ifdrop going back (the device went away: 0 - its value at open, unsigned) adds nothing', () => {
  const last = { received: 10, dropped: 0, ifDropped: 3 };
  const gone = { received: 10, dropped: 0, ifDropped: (0 - 5) >>> 0 };
  const t = accumulateStats({ received: 10, kernelDropped: 0, ifDropped: 3 }, last, gone);
  assert.equal(t.ifDropped, 3);
});
