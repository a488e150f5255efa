// The passive tracker (synbait label): the client side of conversations someone else answered, told apart by the
// handshake or, mid-stream, by ports or -n; reassembly, ends (FIN, RST, server RST, timeout in capture time, end
// of capture), caps, and records equal to the sensor's for the same client bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassiveTracker, type PassiveTrackerConfig } from '../../../src/flow/passive-tracker.ts';
import { Responder } from '../../../src/flow/responder.ts';
import { compileTargets } from '../../../src/flow/targets.ts';
import type { FinishedFlow } from '../../../src/record/finished-flow.ts';
import { formatIp, parseCidr } from '../../../src/wire/address.ts';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../../src/wire/tcp.ts';
import { decodeReply, LINUX_SYN_OPTIONS, tcpFrame, udpFrame } from '../../helpers/frames.ts';

const T0 = 1_800_000_000_000;
const CLIENT = { src: '203.0.113.9', dst: '198.18.0.1', sport: 40000, dport: 80 };
const SERVER = { src: CLIENT.dst, dst: CLIENT.src, sport: CLIENT.dport, dport: CLIENT.sport };

function setup(over: Partial<PassiveTrackerConfig> = {}) {
  const flows: FinishedFlow[] = [];
  const t = new PassiveTracker({ flowTimeoutMs: 5000, maxPayload: 65536, maxFlows: 1000, emit: (f) => flows.push(f), ...over });
  // frames arrive in one reused buffer, as the capture reader delivers them
  const shared = Buffer.alloc(70_000);
  const feed = (frame: Buffer, ts = T0) => {
    frame.copy(shared);
    t.onFrame(shared, frame.length, ts);
    shared.fill(0xee, 0, frame.length);
  };
  return { t, flows, feed };
}

const text = (f: FinishedFlow) => Buffer.from(f.payload).toString('latin1');

test('a full conversation: the client\'s bytes in order, server data never recorded, FIN ends it', () => {
  const s = setup();
  s.feed(tcpFrame({ ...CLIENT, seq: 1000, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(5) }));
  s.feed(tcpFrame({ ...SERVER, seq: 5000, ack: 1001, flags: TCP_SYN | TCP_ACK }));
  s.feed(tcpFrame({ ...CLIENT, seq: 1001, ack: 5001, flags: TCP_ACK }));
  // out of order: the second segment first
  s.feed(tcpFrame({ ...CLIENT, seq: 1007, ack: 5001, flags: TCP_ACK | TCP_PSH, payload: 'HTTP/1.0\r\n\r\n' }), T0 + 1);
  s.feed(tcpFrame({ ...CLIENT, seq: 1001, ack: 5001, flags: TCP_ACK | TCP_PSH, payload: 'GET / ' }), T0 + 2);
  s.feed(tcpFrame({ ...SERVER, seq: 5001, ack: 1019, flags: TCP_ACK | TCP_PSH, payload: 'HTTP/1.0 200 OK\r\n\r\n' }), T0 + 3);
  s.feed(tcpFrame({ ...CLIENT, seq: 1019, ack: 5020, flags: TCP_FIN | TCP_ACK }), T0 + 4);
  // the tail of the closed connection makes no record of its own
  s.feed(tcpFrame({ ...SERVER, seq: 5020, ack: 1020, flags: TCP_FIN | TCP_ACK }), T0 + 5);
  s.feed(tcpFrame({ ...CLIENT, seq: 1020, ack: 5021, flags: TCP_ACK }), T0 + 6);
  s.t.finishAll();
  assert.equal(s.flows.length, 1);
  const f = s.flows[0]!;
  assert.equal(text(f), 'GET / HTTP/1.0\r\n\r\n');
  assert.equal(f.state, 'acked');
  assert.equal(f.endReason, 'fin');
  assert.equal(formatIp(f.src), CLIENT.src);
  assert.equal(f.dstPort, 80);
  assert.equal(f.firstMs, T0);
  assert.equal(f.syn?.options, 'mss:1460,sok,ts,nop,ws:7');
  assert.equal(s.t.counters.serverPackets, 2);
  assert.equal(f.messages, undefined, 'one client message: the server spoke only after it');
});

test('the client speaking again after the server: each later message starts where it resumed, with its dsize', () => {
  const s = setup();
  s.feed(tcpFrame({ ...CLIENT, seq: 1000, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(5) }));
  s.feed(tcpFrame({ ...SERVER, seq: 5000, ack: 1001, flags: TCP_SYN | TCP_ACK }));
  s.feed(tcpFrame({ ...CLIENT, seq: 1001, ack: 5001, flags: TCP_ACK | TCP_PSH, payload: 'USER a\r\n' }));
  s.feed(tcpFrame({ ...CLIENT, seq: 1009, ack: 5001, flags: TCP_ACK | TCP_PSH, payload: 'X' })); // same message
  s.feed(tcpFrame({ ...SERVER, seq: 5001, ack: 1010, flags: TCP_ACK | TCP_PSH, payload: '331 ok\r\n' }));
  s.feed(tcpFrame({ ...SERVER, seq: 5009, ack: 1010, flags: TCP_ACK }));
  s.feed(tcpFrame({ ...CLIENT, seq: 1010, ack: 5009, flags: TCP_ACK | TCP_PSH, payload: 'PASS b\r\n' }));
  s.feed(tcpFrame({ ...CLIENT, seq: 1018, ack: 5009, flags: TCP_ACK | TCP_PSH, payload: 'QUIT\r\n' }));
  s.feed(tcpFrame({ ...SERVER, seq: 5009, ack: 1024, flags: TCP_ACK | TCP_PSH, payload: '221\r\n' }));
  s.feed(tcpFrame({ ...CLIENT, seq: 1024, ack: 5014, flags: TCP_FIN | TCP_ACK }));
  const f = s.flows[0]!;
  assert.equal(text(f), 'USER a\r\nXPASS b\r\nQUIT\r\n');
  assert.deepEqual(f.messages, [{ offset: 9, dsize: 8 }]);
  assert.equal(f.firstDataLen, 8);
});

test('a SYN the server refused: a syn record ended by server_rst; retransmitted SYNs are counted', () => {
  const s = setup();
  s.feed(tcpFrame({ ...CLIENT, seq: 1, flags: TCP_SYN }));
  s.feed(tcpFrame({ ...CLIENT, seq: 1, flags: TCP_SYN }), T0 + 1000);
  s.feed(tcpFrame({ ...SERVER, seq: 0, ack: 2, flags: TCP_RST | TCP_ACK }), T0 + 1001);
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0]!.state, 'syn');
  assert.equal(s.flows[0]!.endReason, 'server_rst');
  assert.equal(s.flows[0]!.syn?.syn_count, 2);
});

test('SYNs without answer end by timeout in capture time; a client RST ends a flow; the end of capture ends the rest', () => {
  const s = setup();
  s.feed(tcpFrame({ ...CLIENT, sport: 1, seq: 1, flags: TCP_SYN }), T0);
  s.feed(tcpFrame({ ...CLIENT, sport: 2, seq: 1, flags: TCP_SYN }), T0 + 6000); // expires the first
  assert.deepEqual(s.flows.map((f) => [f.srcPort, f.endReason]), [[1, 'timeout']]);
  s.feed(tcpFrame({ ...CLIENT, sport: 2, seq: 2, ack: 9, flags: TCP_RST }), T0 + 6001);
  s.feed(tcpFrame({ ...CLIENT, sport: 3, seq: 1, flags: TCP_SYN }), T0 + 6002);
  s.t.finishAll();
  assert.deepEqual(s.flows.map((f) => [f.srcPort, f.state, f.endReason]), [[1, 'syn', 'timeout'], [2, 'syn', 'rst'], [3, 'syn', 'capture_end']]);
});

test('mid-stream: client data starts a record, the low port is the server; lone ACKs and server data start none', () => {
  const s = setup();
  s.feed(tcpFrame({ ...SERVER, seq: 9, ack: 100, flags: TCP_ACK | TCP_PSH, payload: 'SSH-2.0-OpenSSH_9.2\r\n' }));
  s.feed(tcpFrame({ ...CLIENT, seq: 100, ack: 30, flags: TCP_ACK }));
  s.feed(tcpFrame({ ...CLIENT, seq: 100, ack: 30, flags: TCP_ACK | TCP_PSH, payload: 'SSH-2.0-Go\r\n' }));
  s.t.finishAll();
  assert.equal(s.flows.length, 1);
  assert.equal(text(s.flows[0]!), 'SSH-2.0-Go\r\n');
  assert.equal(s.flows[0]!.dstPort, 80);
  assert.equal(s.flows[0]!.syn, undefined);
});

test('UDP: the first sender is the client, replies are not recorded; -n decides for high ports on both sides', () => {
  const s = setup();
  const q = { src: '203.0.113.9', dst: '198.18.0.1', sport: 53000, dport: 53 };
  s.feed(udpFrame(q, 'query'));
  s.feed(udpFrame({ src: q.dst, dst: q.src, sport: q.dport, dport: q.sport }, 'answer'));
  s.feed(udpFrame(q, 'again'));
  s.t.finishAll();
  assert.deepEqual(s.flows.map((f) => [f.state, text(f)]), [['udp', 'queryagain']]);
  // both ports high: with -n 198.18.0.0/24 the monitored side is the server even when it speaks first
  const n = setup({ servers: compileTargets([parseCidr('198.18.0.0/24')!], []) });
  n.feed(udpFrame({ src: '198.18.0.1', dst: '203.0.113.9', sport: 40001, dport: 50001 }, 'from the server'));
  n.feed(udpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport: 50001, dport: 40001 }, 'from the client'));
  n.feed(udpFrame({ src: '192.0.2.1', dst: '192.0.2.2', sport: 1, dport: 2 }, 'neither side monitored'));
  n.t.finishAll();
  assert.deepEqual(n.flows.map(text), ['from the client']);
  assert.equal(n.t.counters.notTarget, 1);
});

test('the flow cap finishes the least recently active first; malformed frames are counted by reason', () => {
  const s = setup({ maxFlows: 2 });
  for (let p = 1; p <= 3; p++) s.feed(tcpFrame({ ...CLIENT, sport: p, seq: 1, flags: TCP_SYN }), T0 + p);
  assert.deepEqual(s.flows.map((f) => [f.srcPort, f.endReason]), [[1, 'evicted']]);
  s.feed(Buffer.from([1, 2, 3]));
  assert.equal(s.t.counters.decodeFailures.reduce((a, b) => a + b, 0), 1);
});

test('the same client bytes give the sensor\'s flow: a conversation with the responder, then its capture labelled', () => {
  const sent: Buffer[] = [];
  const sensorFlows: FinishedFlow[] = [];
  const r = new Responder({
    targets: compileTargets([parseCidr('198.18.0.0/24')!], []), secret: new Uint8Array(32).fill(3), flowTimeoutMs: 5000,
    maxPayload: 65536, maxPendingSyns: 64, maxFlows: 64, maxBufferedBytes: 1 << 20, synRatePerDest: 0, synBurstPerDest: 1,
    synRateGlobal: 0, synBurstGlobal: 1, mtu: 1500, keepFrames: false,
    device: { send: (f, n) => { sent.push(Buffer.from(f.subarray(0, n))); return true; } }, emit: (f) => sensorFlows.push(f), nowMs: T0,
  });
  const capture: [Buffer, number][] = [];
  const toSensor = (frame: Buffer, ts: number) => {
    capture.push([frame, ts]);
    r.onFrame(frame, frame.length, ts);
    for (const out of sent.splice(0)) capture.push([out, ts]);
  };
  toSensor(tcpFrame({ ...CLIENT, seq: 77, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(1) }), T0);
  const isn = decodeReply(capture[1]![0]).tcp.seq;
  toSensor(tcpFrame({ ...CLIENT, seq: 78, ack: isn + 1, flags: TCP_ACK }), T0 + 1);
  toSensor(tcpFrame({ ...CLIENT, seq: 78, ack: isn + 1, flags: TCP_ACK | TCP_PSH, payload: 'POST /x HTTP/1.1\r\n\r\nbody' }), T0 + 2);
  toSensor(tcpFrame({ ...CLIENT, seq: 78 + 24, ack: isn + 1, flags: TCP_FIN | TCP_ACK }), T0 + 3);
  const s = setup();
  for (const [frame, ts] of capture) s.feed(frame, ts);
  s.t.finishAll();
  assert.equal(sensorFlows.length, 1);
  assert.equal(s.flows.length, 1);
  const [a, b] = [sensorFlows[0]!, s.flows[0]!];
  for (const k of ['proto', 'ipVersion', 'srcPort', 'dstPort', 'state', 'firstMs', 'lastMs', 'truncated', 'segments', 'endReason'] as const) {
    assert.deepEqual(b[k], a[k], k);
  }
  assert.deepEqual(Buffer.from(b.payload), Buffer.from(a.payload));
  assert.deepEqual(b.syn, a.syn);
});
