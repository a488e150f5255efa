// Bytes allocated per SYN-only record: SYNs through the responder, their expiry, and the record pipeline (built-in
// rules, the JSON stdout sink writing to /dev/null), with a young generation large enough that no collection runs
// during the measured round (the heap's growth is then what was allocated). Not part of `npm run bench` (it needs
// its own V8 flags):
//   node --expose-gc --max-semi-space-size=256 --min-semi-space-size=256 --import tsx test/bench/alloc-per-record.ts
import { openSync } from 'node:fs';
import { builtinRuleDocs, compileRules } from '../../src/classify/index.ts';
import { CombinedClassifier } from '../../src/classify/combined-classifier.ts';
import { Responder } from '../../src/flow/responder.ts';
import { compileTargets } from '../../src/flow/targets.ts';
import { RecordPipeline } from '../../src/pipeline/record-pipeline.ts';
import type { FinishedFlow } from '../../src/record/finished-flow.ts';
import { createFlowIdGenerator } from '../../src/record/flow-id.ts';
import { openFdOutput } from '../../src/sinks/stdout-output.ts';
import { JsonLinesSink } from '../../src/sinks/stdout-sinks.ts';
import { parseCidr } from '../../src/wire/address.ts';
import { TCP_SYN } from '../../src/wire/tcp.ts';
import { FakeDevice } from '../helpers/fake-device.ts';
import { LINUX_SYN_OPTIONS, tcpFrame } from '../helpers/frames.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (see the first lines of this file)');
const N = 5000;
const T0 = Date.now();
const device = new FakeDevice();
const flows: FinishedFlow[] = [];
const responder = new Responder({
  targets: compileTargets([parseCidr('198.18.0.0/24')!], [{ from: 22, to: 22 }]), secret: new Uint8Array(32), flowTimeoutMs: 1000,
  maxPayload: 65536, maxPendingSyns: 65536, maxFlows: 1000, maxBufferedBytes: 1 << 26, synRatePerDest: 0, synBurstPerDest: 1,
  synRateGlobal: 0, synBurstGlobal: 1, mtu: 1500, keepFrames: false, device, emit: (f) => flows.push(f), nowMs: T0,
});
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const pipeline = new RecordPipeline({
  sensor: 'bench', classifier: new CombinedClassifier(compileRules(builtinRuleDocs)), sinks: [new JsonLinesSink(openFdOutput(openSync('/dev/null', 'w')))],
  nextFlowId: createFlowIdGenerator(new Uint8Array(5)), log: silent,
});
const frames = Array.from({ length: N }, (_, i) => tcpFrame({
  src: `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: '198.18.0.1', sport: 1024 + (i % 60000), dport: 1 + ((i * 7919) % 65000), seq: i, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(i),
}));
const shared = Buffer.alloc(2048);

function round(t: number): { responder: number; pipeline: number } {
  const h0 = process.memoryUsage().heapUsed;
  for (const f of frames) {
    f.copy(shared);
    responder.onFrame(shared, f.length, t);
  }
  device.take();
  while (responder.tick(t + 5000, 1 << 30));
  const h1 = process.memoryUsage().heapUsed;
  for (const f of flows.splice(0)) pipeline.enqueue(f);
  pipeline.drain(1 << 30, true);
  return { responder: h1 - h0, pipeline: process.memoryUsage().heapUsed - h1 };
}

round(T0);
round(T0 + 10_000); // warm: compiled code, caches
gc();
gc();
const r = round(T0 + 20_000);
const per = (b: number) => Math.round(b / N).toLocaleString('en-US');
console.log(`${N.toLocaleString('en-US')} SYN-only records: ${per(r.responder + r.pipeline)} bytes allocated per record (SYN and expiry ${per(r.responder)}, labelling and writing ${per(r.pipeline)})`);
