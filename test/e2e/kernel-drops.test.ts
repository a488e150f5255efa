// End to end, as root: the kernel's capture drops are counted, and they are the real ones. The sensor's ring is made
// tiny (1 MiB with a 64 KiB snapshot length on an offload-on veth: a few dozen slots) and a spoofed SYN flood
// replayed into it; then every SYN the interface delivered was either answered, dropped in the ring
// (kernel_dropped), or seen and not answered by the sensor (its own counters): SYNs in - SYN-ACKs out must equal
// kernel_dropped plus the sensor's own unanswered within 1 %.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isRoot } from '../helpers/netns.ts';
import { createBench, firewall, measure, startBenchSensor, type Bench } from '../bench/syn-flood.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';

function stoppedLine(outFile: string): Record<string, unknown> {
  for (const line of readFileSync(outFile, 'utf8').split('\n').reverse()) {
    if (line.includes('"SensorStopped"')) return JSON.parse(line) as Record<string, unknown>;
  }
  throw new Error(`no SensorStopped line: ${readFileSync(outFile, 'utf8').slice(-2000)}`);
}

describe('kernel capture drops', { skip }, () => {
  let b: Bench;

  before(() => {
    b = createBench({ offloads: true });
    firewall(b);
  });

  after(() => b?.close());

  test('SYNs in - SYN-ACKs out = kernel_dropped + the sensor\'s own unanswered, within 1 %', async (t) => {
    const s = await startBenchSensor(b, ['--syn-rate-global', '0', '--pcap-buffer-size', '1MiB', '--snaplen', '65535']);
    let r;
    try {
      r = await measure(b, 'sensor', 100_000, 60_000, s.pid);
    } finally {
      await s.stop();
    }
    const line = stoppedLine(s.outFile);
    const kernelDropped = Number(line.kernel_dropped);
    const unansweredBySensor = Number(line.syns) - Number(line.syn_acks);
    const missing = r.delivered - r.answered;
    const detail = `delivered ${r.delivered}, answered ${r.answered}, kernel_dropped ${kernelDropped}, sensor unanswered ${unansweredBySensor}`;
    t.diagnostic(detail);
    assert.ok(kernelDropped > r.delivered * 0.01, `the tiny ring overflowed: ${detail}`);
    assert.ok(Math.abs(missing - (kernelDropped + unansweredBySensor)) <= r.delivered * 0.01, detail);
    assert.equal(typeof line.if_dropped, 'number');
  });
});
