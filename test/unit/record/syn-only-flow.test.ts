// The compact SYN-only flow (what a flood's queued attempts are) gives exactly the record a plain FinishedFlow built
// from the same stored SYN gives: same addresses, ports, fingerprint (field order included), for IPv4, IPv6 and
// VLAN-tagged SYNs with any options; and it is smaller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildRecord } from '../../../src/record/build-record.ts';
import { synFingerprint, type FinishedFlow } from '../../../src/record/finished-flow.ts';
import { SynOnlyFlow } from '../../../src/record/syn-only-flow.ts';
import { TCP_SYN, type TcpOption } from '../../../src/wire/tcp.ts';
import { tcpFrame } from '../../helpers/frames.ts';

function plain(frame: Uint8Array, firstMs: number, lastMs: number, packets: number): FinishedFlow {
  const link = frame[12] === 0x81 ? 18 : 14;
  const v6 = frame[link]! >> 4 === 6;
  const al = v6 ? 16 : 4;
  const srcOff = link + (v6 ? 8 : 12);
  const l4 = link + (v6 ? 40 : 20);
  const syn = synFingerprint(frame, packets);
  return {
    proto: 'tcp', ipVersion: v6 ? 6 : 4, src: frame.slice(srcOff, srcOff + al), dst: frame.slice(srcOff + al, srcOff + 2 * al),
    srcPort: (frame[l4]! << 8) | frame[l4 + 1]!, dstPort: (frame[l4 + 2]! << 8) | frame[l4 + 3]!, state: 'syn', firstMs, lastMs,
    payload: new Uint8Array(0), truncated: false, packets, segments: 0, endReason: 'timeout', ...(syn ? { syn } : {}),
  };
}

const option: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant<TcpOption>({ kind: 'nop' }),
  fc.integer({ min: 0, max: 65535 }).map((value): TcpOption => ({ kind: 'mss', value })),
  fc.integer({ min: 0, max: 14 }).map((shift): TcpOption => ({ kind: 'ws', shift })),
  fc.constant<TcpOption>({ kind: 'sok' }),
  fc.tuple(fc.nat(), fc.nat()).map(([value, echo]): TcpOption => ({ kind: 'ts', value: value >>> 0, echo: echo >>> 0 })),
);

test('the record of a SYN-only flow equals the plain flow\'s, for any SYN', () => {
  fc.assert(fc.property(
    fc.boolean(), fc.boolean(), fc.array(option, { maxLength: 6 }), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }),
    fc.integer({ min: 1, max: 20 }), fc.nat(255),
    (v6, vlan, options, sport, dport, packets, last) => {
      const encoded = options.reduce((n, o) => n + ({ nop: 1, mss: 4, ws: 3, sok: 2, ts: 10 } as Record<string, number>)[o.kind]!, 0);
      if (encoded > 40) return;
      const frame = tcpFrame({
        src: v6 ? `2001:db8::${last.toString(16)}` : `203.0.113.${last}`, dst: v6 ? 'fd5b::1' : '198.18.0.1', sport, dport, seq: 7,
        flags: TCP_SYN, options, ...(vlan ? { vlan: 12 } : {}),
      });
      const compact = SynOnlyFlow.fromFrame(frame, 1_800_000_000_000, 1_800_000_000_500, packets, 'timeout');
      assert.ok(compact);
      const ctx = { sensor: 's', flowId: 'ID', labels: [], facts: undefined };
      assert.equal(JSON.stringify(buildRecord(compact, ctx)), JSON.stringify(buildRecord(plain(frame, 1_800_000_000_000, 1_800_000_000_500, packets), ctx)));
      assert.deepEqual([compact.proto, compact.state, compact.ipVersion, compact.truncated, compact.segments, compact.payload.length], ['tcp', 'syn', v6 ? 6 : 4, false, 0, 0]);
    },
  ), { numRuns: 3000 });
});

test('a frame that is not a TCP SYN gives no compact flow', () => {
  assert.equal(SynOnlyFlow.fromFrame(new Uint8Array(10), 0, 0, 1, 'timeout'), undefined);
  const frame = tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport: 1, dport: 2, seq: 1, flags: TCP_SYN });
  assert.equal(SynOnlyFlow.fromFrame(frame.subarray(0, 40), 0, 0, 1, 'timeout'), undefined, 'cut inside the TCP header');
});

test('a queued SYN-only flow is less than half the memory of the plain one', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return; // only measured with --expose-gc (npm test runs it without); the equality above always runs
  const frame = tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport: 40000, dport: 80, seq: 1, flags: TCP_SYN, options: [{ kind: 'mss', value: 1460 }, { kind: 'sok' }, { kind: 'ts', value: 1, echo: 0 }, { kind: 'nop' }, { kind: 'ws', shift: 7 }] });
  const size = (make: () => unknown) => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const keep = Array.from({ length: 20_000 }, make);
    gc();
    const b = (process.memoryUsage().heapUsed - before) / keep.length;
    return b;
  };
  const compact = size(() => SynOnlyFlow.fromFrame(frame, 1, 2, 1, 'timeout'));
  const full = size(() => plain(frame, 1, 2, 1));
  assert.ok(compact * 2 < full, `${compact.toFixed(0)} vs ${full.toFixed(0)} bytes`);
});
