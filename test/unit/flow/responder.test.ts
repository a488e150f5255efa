// The responder driven with byte frames and a fake Device: SYN -> SYN-ACK fields, cookie validation, ACK of data,
// reassembly, FIN/RST/timeout, the pending-SYN bound, UDP, caps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Responder, COOKIE_SLOT_MS, type ResponderConfig } from '../../../src/flow/responder.ts';
import { compileTargets } from '../../../src/flow/targets.ts';
import type { FinishedFlow } from '../../../src/record/finished-flow.ts';
import { parseCidr, formatIp } from '../../../src/wire/address.ts';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../../src/wire/tcp.ts';
import { REASON_INDEX } from '../../../src/wire/decode-result.ts';
import { FakeDevice } from '../../helpers/fake-device.ts';
import { CLIENT_MAC, SENSOR_MAC, decodeReply, LINUX_SYN_OPTIONS, tcpFrame, udpFrame, type TcpSpec } from '../../helpers/frames.ts';

const T0 = 1_800_000_000_000;


function setup(over: Partial<ResponderConfig> = {}) {
  const device = new FakeDevice();
  const flows: FinishedFlow[] = [];
  const r = new Responder({
    targets: compileTargets([parseCidr('198.18.0.0/24')!, parseCidr('fd5b::/64')!], [{ from: 22, to: 22 }, { from: 8000, to: 8100 }]),
    secret: Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1),
    flowTimeoutMs: 5000,
    maxPayload: 65536,
    maxPendingSyns: 1024,
    maxFlows: 1000,
    maxBufferedBytes: 64 * 1024 * 1024,
    synRatePerDest: 0,
    synBurstPerDest: 1,
    synRateGlobal: 0,
    synBurstGlobal: 1,
    mtu: 1500,
    keepFrames: false,
    device,
    emit: (f) => flows.push(f),
    nowMs: T0,
    ...over,
  });
  // like libpcap via `cap`: every frame arrives in the same Buffer, which is overwritten afterwards, so anything
  // the responder keeps must be a copy
  const shared = Buffer.alloc(65600);
  const feed = (frame: Buffer, now = T0) => {
    frame.copy(shared);
    r.onFrame(shared, frame.length, now);
    shared.fill(0xee);
  };
  return { r, device, flows, feed };
}

const C4 = { src: '203.0.113.9', dst: '198.18.0.1', sport: 40000, dport: 80 };
const C6 = { src: '2001:db8::9', dst: 'fd5b::1', sport: 40000, dport: 443 };

/** Completes a handshake; returns our ISN and the client's next seq. */
function handshake(s: ReturnType<typeof setup>, ep: typeof C4 & { vlan?: number }, now = T0, isn = 1000) {
  s.feed(tcpFrame({ ...ep, seq: isn, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(77) }), now);
  const [synAck] = s.device.take();
  assert.ok(synAck, 'a SYN-ACK was sent');
  const ours = decodeReply(synAck).tcp.seq;
  s.feed(tcpFrame({ ...ep, seq: isn + 1, ack: ours + 1, flags: TCP_ACK, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', value: 78, echo: 5 }] }), now);
  return { ours, next: isn + 1 };
}

test('SYN -> SYN-ACK built from the SYN: MACs, addresses and ports swapped, ack = seq + 1, Linux options, valid checksums', () => {
  const s = setup();
  s.feed(tcpFrame({ ...C4, seq: 0xfffffff0, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(123456) }));
  const [f] = s.device.take();
  const d = decodeReply(f!);
  assert.deepEqual(Buffer.from(d.eth.dst), Buffer.from(CLIENT_MAC));
  assert.deepEqual(Buffer.from(d.eth.src), Buffer.from(SENSOR_MAC));
  assert.equal(d.eth.vlanTci, undefined);
  assert.equal(formatIp(d.src), '198.18.0.1');
  assert.equal(formatIp(d.dst), '203.0.113.9');
  assert.equal(d.tcp.srcPort, 80);
  assert.equal(d.tcp.dstPort, 40000);
  assert.equal(d.tcp.ack, 0xfffffff1);
  assert.equal(d.tcp.flags, TCP_SYN | TCP_ACK);
  assert.equal(d.ttl, 64);
  assert.ok(d.ipChecksumOk && d.tcpChecksumOk);
  assert.deepEqual(d.options.map((o) => o.kind), ['mss', 'sok', 'ts', 'nop', 'ws']);
  const ts = d.options.find((o) => o.kind === 'ts');
  assert.equal(ts?.kind === 'ts' && ts.echo, 123456, 'TSecr echoes the client TSval');
  const mss = d.options.find((o) => o.kind === 'mss');
  assert.equal(mss?.kind === 'mss' && mss.value, 1460);
  assert.equal(d.tcp.window, 65160, "Linux's initial window for MSS 1460 with timestamps");
  assert.equal(s.r.counters.synAcksSent, 1);
});

test('SYN without options gets only MSS; a SYN with SACK but no timestamps gets NOP NOP SACK', () => {
  const s = setup();
  s.feed(tcpFrame({ ...C4, seq: 1, flags: TCP_SYN, window: 1024 }));
  assert.deepEqual(decodeReply(s.device.take()[0]!).options.map((o) => o.kind), ['mss']);
  s.feed(tcpFrame({ ...C4, sport: 40001, seq: 1, flags: TCP_SYN, options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sok' }] }));
  const d = decodeReply(s.device.take()[0]!);
  assert.deepEqual(d.options.map((o) => o.kind), ['mss', 'nop', 'nop', 'sok']);
  assert.equal(d.tcp.window, 64240);
});

test('IPv6 and VLAN: the reply keeps the 802.1Q tag and has a valid IPv6 TCP checksum', () => {
  const s = setup();
  s.feed(tcpFrame({ ...C6, vlan: 0x2064, seq: 5, flags: TCP_SYN, options: LINUX_SYN_OPTIONS() }));
  const d = decodeReply(s.device.take()[0]!);
  assert.equal(d.eth.vlanTci, 0x2064);
  assert.equal(d.ipVersion, 6);
  assert.equal(formatIp(d.src), 'fd5b::1');
  assert.equal(formatIp(d.dst), '2001:db8::9');
  assert.ok(d.tcpChecksumOk);
  const mss = d.options.find((o) => o.kind === 'mss');
  assert.equal(mss?.kind === 'mss' && mss.value, 1440);
});

test('the ISN is a keyed cookie: deterministic per tuple and slot, different across tuples and secrets', () => {
  const a = setup();
  const b = setup({ secret: new Uint8Array(32).fill(9) });
  const isnOf = (s: ReturnType<typeof setup>, sport: number, now = T0) => {
    s.feed(tcpFrame({ ...C4, sport, seq: 1, flags: TCP_SYN }), now);
    return decodeReply(s.device.take()[0]!).tcp.seq;
  };
  assert.equal(isnOf(a, 1234), isnOf(a, 1234));
  assert.notEqual(isnOf(a, 1234), isnOf(a, 1235));
  assert.notEqual(isnOf(a, 1234), isnOf(b, 1234));
  assert.notEqual(isnOf(a, 1234, T0), isnOf(a, 1234, T0 + 3 * COOKIE_SLOT_MS));
});

test('only an ACK of a cookie we could have issued opens a flow; nothing is sent for a forged ACK', () => {
  const s = setup();
  s.feed(tcpFrame({ ...C4, seq: 100, flags: TCP_SYN }));
  const ours = decodeReply(s.device.take()[0]!).tcp.seq;
  s.feed(tcpFrame({ ...C4, seq: 101, ack: ours + 2, flags: TCP_ACK, payload: 'x' }));
  assert.equal(s.r.openFlows, 0);
  assert.equal(s.r.counters.cookieInvalid, 1);
  assert.equal(s.device.sent.length, 0);
  // valid in the next slot too (64-128 s), not two slots later
  s.feed(tcpFrame({ ...C4, seq: 101, ack: ours + 1, flags: TCP_ACK }), T0 + COOKIE_SLOT_MS);
  assert.equal(s.r.openFlows, 1);
  const late = setup();
  late.feed(tcpFrame({ ...C4, seq: 100, flags: TCP_SYN }));
  const o2 = decodeReply(late.device.take()[0]!).tcp.seq;
  late.feed(tcpFrame({ ...C4, seq: 101, ack: o2 + 1, flags: TCP_ACK }), T0 + 3 * COOKIE_SLOT_MS);
  assert.equal(late.r.openFlows, 0);
  // an ACK for a tuple that never sent a SYN but guesses: refused
  s.feed(tcpFrame({ ...C4, sport: 999, seq: 1, ack: ours + 1, flags: TCP_ACK }));
  assert.equal(s.r.counters.cookieInvalid, 2);
});

test('data is ACKed segment by segment, reassembled in order, duplicates not double-counted', () => {
  const s = setup();
  const { ours, next } = handshake(s, C4);
  const seg = (seq: number, data: string, flags = TCP_ACK | TCP_PSH) =>
    s.feed(tcpFrame({ ...C4, seq, ack: ours + 1, flags, payload: data, options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', value: 99, echo: 1 }] }));
  seg(next, 'GET / HTTP/1.1\r\n');
  let [ack] = s.device.take();
  let d = decodeReply(ack!);
  assert.equal(d.tcp.flags, TCP_ACK);
  assert.equal(d.tcp.ack, next + 16);
  assert.equal(d.tcp.seq, ours + 1);
  assert.equal(d.tcp.window, 511, 'window field scaled by our shift 7');
  const ts = d.options.find((o) => o.kind === 'ts');
  assert.equal(ts?.kind === 'ts' && ts.echo, 99);
  // out of order: the third piece first, then a retransmission of the first, then the second
  seg(next + 16 + 6, 'World\r\n');
  assert.equal(decodeReply(s.device.take()[0]!).tcp.ack, next + 16, 'duplicate ACK asks for the gap');
  seg(next, 'GET / HTTP/1.1\r\n');
  assert.equal(decodeReply(s.device.take()[0]!).tcp.ack, next + 16);
  seg(next + 16, 'Hello ');
  [ack] = s.device.take();
  d = decodeReply(ack!);
  assert.equal(d.tcp.ack, next + 16 + 6 + 7, 'the held segment is consumed');
  // overlapping retransmission carrying old and new bytes
  seg(next + 16 + 6 + 5, '\r\nX');
  s.r.finishAll();
  const [f] = s.flows;
  assert.equal(Buffer.from(f!.payload).toString(), 'GET / HTTP/1.1\r\nHello World\r\nX');
  assert.equal(f!.state, 'acked');
  assert.equal(f!.endReason, 'shutdown');
  assert.equal(s.r.counters.segmentsDuplicate, 1);
});

test('data in the handshake ACK and a segment larger than one MSS are kept', () => {
  const s = setup();
  s.feed(tcpFrame({ ...C4, seq: 1, flags: TCP_SYN }));
  const ours = decodeReply(s.device.take()[0]!).tcp.seq;
  const big = Buffer.alloc(3000, 0x41);
  s.feed(tcpFrame({ ...C4, seq: 2, ack: ours + 1, flags: TCP_ACK | TCP_PSH, payload: 'hi' }));
  s.feed(tcpFrame({ ...C4, seq: 4, ack: ours + 1, flags: TCP_ACK, payload: big }));
  s.r.finishAll();
  assert.equal(Buffer.from(s.flows[0]!.payload).toString(), 'hi' + 'A'.repeat(3000));
  assert.equal(s.flows[0]!.segments, 2);
});

test('out-of-order data beyond the window is dropped, and capture stops at max-payload with truncated set', () => {
  const s = setup({ maxPayload: 10 });
  const { ours, next } = handshake(s, C4);
  s.feed(tcpFrame({ ...C4, seq: next + 70000, ack: ours + 1, flags: TCP_ACK, payload: 'far' }));
  assert.equal(s.r.counters.segmentsOutOfWindow, 1);
  s.feed(tcpFrame({ ...C4, seq: next, ack: ours + 1, flags: TCP_ACK, payload: '0123456789abcdef' }));
  assert.equal(decodeReply(s.device.take().at(-1)!).tcp.ack, next + 16, 'bytes beyond the limit are still ACKed');
  s.r.finishAll();
  assert.equal(Buffer.from(s.flows[0]!.payload).toString(), '0123456789');
  assert.equal(s.flows[0]!.truncated, true);
});

test('FIN is ACKed with our FIN; the record is emitted once even when the FIN is retransmitted', () => {
  const s = setup();
  const { ours, next } = handshake(s, C4);
  s.feed(tcpFrame({ ...C4, seq: next, ack: ours + 1, flags: TCP_ACK | TCP_PSH | TCP_FIN, payload: 'bye' }));
  const [finAck] = s.device.take();
  const d = decodeReply(finAck!);
  assert.equal(d.tcp.flags, TCP_FIN | TCP_ACK);
  assert.equal(d.tcp.ack, next + 3 + 1);
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0]!.endReason, 'fin');
  s.feed(tcpFrame({ ...C4, seq: next, ack: ours + 1, flags: TCP_ACK | TCP_FIN, payload: 'bye' }));
  assert.equal(decodeReply(s.device.take()[0]!).tcp.flags, TCP_FIN | TCP_ACK, 'FIN-ACK repeated');
  s.feed(tcpFrame({ ...C4, seq: next + 4, ack: ours + 2, flags: TCP_ACK }));
  assert.equal(s.flows.length, 1);
  s.r.tick(T0 + 6000);
  assert.equal(s.flows.length, 1, 'the closed entry expires without a second record');
  assert.equal(s.r.openFlows, 0);
});

test('RST ends a flow; an out-of-window RST is ignored', () => {
  const s = setup();
  const { ours, next } = handshake(s, C4);
  s.feed(tcpFrame({ ...C4, seq: next + 1_000_000, flags: TCP_RST }));
  assert.equal(s.flows.length, 0);
  s.feed(tcpFrame({ ...C4, seq: next, ack: ours + 1, flags: TCP_RST | TCP_ACK }));
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0]!.endReason, 'rst');
  assert.equal(s.device.sent.length, 0, 'never answer a RST');
});

test('silence ends an acked flow after the timeout; a SYN-only attempt becomes a "syn" record', () => {
  const s = setup();
  handshake(s, C4);
  s.feed(tcpFrame({ ...C6, seq: 5, flags: TCP_SYN, ttl: 51, options: LINUX_SYN_OPTIONS() }), T0 + 100);
  s.feed(tcpFrame({ ...C6, seq: 5, flags: TCP_SYN, ttl: 51, options: LINUX_SYN_OPTIONS() }), T0 + 1100);
  s.r.tick(T0 + 4999);
  assert.equal(s.flows.length, 0);
  s.r.tick(T0 + 5000);
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0]!.state, 'acked');
  s.r.tick(T0 + 6099);
  assert.equal(s.flows.length, 1, 'the retransmission restarted the SYN timeout');
  s.r.tick(T0 + 6100);
  const syn = s.flows[1]!;
  assert.equal(syn.state, 'syn');
  assert.equal(formatIp(syn.src), '2001:db8::9');
  assert.equal(syn.dstPort, 443);
  assert.equal(syn.packets, 2);
  assert.equal(syn.firstMs, T0 + 100);
  assert.deepEqual(syn.syn, { ttl: 51, window: 64240, options: 'mss:1460,sok,ts,nop,ws:7', syn_count: 2 });
  assert.equal(s.r.pendingSyns, 0);
});

test("a scanner's RST after our SYN-ACK ends the syn record at once", () => {
  const s = setup();
  s.feed(tcpFrame({ ...C4, seq: 7000, flags: TCP_SYN, window: 1024, ipId: 54321 }));
  s.feed(tcpFrame({ ...C4, seq: 9999, flags: TCP_RST }));
  assert.equal(s.flows.length, 0, 'a RST with the wrong seq is ignored');
  s.feed(tcpFrame({ ...C4, seq: 7001, flags: TCP_RST }));
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0]!.endReason, 'rst');
  assert.deepEqual(s.flows[0]!.syn, { ttl: 64, window: 1024, ip_id: 54321, options: '', syn_count: 1 });
});

test('the pending-SYN table is bounded: every SYN is answered, those beyond the cap are counted, not stored', () => {
  const s = setup({ maxPendingSyns: 16 });
  for (let i = 0; i < 100; i++) s.feed(tcpFrame({ ...C4, sport: 1000 + i, seq: i, flags: TCP_SYN }));
  assert.equal(s.device.sent.length, 100);
  assert.equal(s.r.pendingSyns, 16);
  assert.equal(s.r.counters.pendingSynTableFull, 84);
  s.r.tick(T0 + 5000);
  assert.equal(s.flows.length, 16);
  assert.equal(s.r.pendingSyns, 0);
  // the space is reusable
  for (let i = 0; i < 16; i++) s.feed(tcpFrame({ ...C4, sport: 5000 + i, seq: i, flags: TCP_SYN }), T0 + 6000);
  assert.equal(s.r.pendingSyns, 16);
});

test('an ACK for a SYN that was not remembered still opens a flow (the cookie carries the state)', () => {
  const s = setup({ maxPendingSyns: 16 });
  for (let i = 0; i < 20; i++) s.feed(tcpFrame({ ...C4, sport: 1000 + i, seq: i, flags: TCP_SYN }));
  const last = decodeReply(s.device.take().at(-1)!);
  s.feed(tcpFrame({ ...C4, sport: 1019, seq: 20, ack: last.tcp.seq + 1, flags: TCP_ACK, payload: 'late' }));
  s.r.finishAll();
  const f = s.flows.find((x) => x.srcPort === 1019)!;
  assert.equal(Buffer.from(f.payload).toString(), 'late');
  assert.equal(f.syn, undefined);
});

test('excluded ports and other addresses are neither answered nor recorded', () => {
  const s = setup();
  s.feed(tcpFrame({ ...C4, dport: 22, seq: 1, flags: TCP_SYN }));
  s.feed(tcpFrame({ ...C4, dport: 8050, seq: 1, flags: TCP_SYN }));
  s.feed(tcpFrame({ ...C4, dst: '198.18.1.1', seq: 1, flags: TCP_SYN }));
  s.feed(udpFrame({ ...C4, dport: 8000 }, 'x'));
  s.r.finishAll();
  assert.equal(s.device.sent.length, 0);
  assert.equal(s.flows.length, 0);
  assert.equal(s.r.counters.excludedPort, 3);
  assert.equal(s.r.counters.notTarget, 1);
});

test('malformed frames are counted by reason and never answered', () => {
  const s = setup();
  const f = tcpFrame({ ...C4, seq: 1, flags: TCP_SYN });
  s.r.onFrame(f.subarray(0, 20), 20, T0);
  const frag = Buffer.from(f);
  frag[20] = 0x20; // MF
  s.feed(frag);
  assert.equal(s.r.counters.decodeFailures[REASON_INDEX['ipv4.truncated']], 1);
  assert.equal(s.r.counters.decodeFailures[REASON_INDEX['ipv4.bad_checksum']], 1, 'changing the flags breaks the header checksum first');
  s.r.onFrame(f, f.length, T0, true);
  assert.equal(s.r.counters.captureTruncated, 1);
  assert.equal(s.device.sent.length, 0);
});

test('UDP datagrams are recorded per 4-tuple, concatenated, never answered', () => {
  const s = setup();
  s.feed(udpFrame({ ...C4, dport: 5060 }, 'OPTIONS sip:100@x SIP/2.0\r\n'));
  s.feed(udpFrame({ ...C6, dport: 53 }, Buffer.from('abcd', 'hex')), T0 + 200);
  s.feed(udpFrame({ ...C4, dport: 5060 }, 'second'), T0 + 1000);
  assert.equal(s.device.sent.length, 0);
  s.r.tick(T0 + 5500);
  assert.equal(s.flows.length, 1, 'the IPv6 flow timed out');
  s.r.tick(T0 + 6000);
  const sip = s.flows.find((f) => f.dstPort === 5060)!;
  assert.equal(sip.state, 'udp');
  assert.equal(Buffer.from(sip.payload).toString(), 'OPTIONS sip:100@x SIP/2.0\r\nsecond');
  assert.equal(sip.packets, 2);
});

test("replies to the host's own UDP (e.g. its DNS lookups) are not recorded", () => {
  const s = setup();
  // the host sends a DNS query from 198.18.0.1:41000 to 192.0.2.53:53, then the answer comes back
  s.feed(udpFrame({ src: '198.18.0.1', dst: '192.0.2.53', sport: 41000, dport: 53 }, 'query'));
  s.feed(udpFrame({ src: '192.0.2.53', dst: '198.18.0.1', sport: 53, dport: 41000 }, 'answer'));
  s.feed(udpFrame({ src: '192.0.2.54', dst: '198.18.0.1', sport: 53, dport: 41000 }, 'unsolicited'));
  s.r.finishAll();
  assert.equal(s.r.counters.udpLocalReply, 1);
  assert.equal(s.flows.length, 1);
  assert.equal(formatIp(s.flows[0]!.src), '192.0.2.54');
});

test('per-destination rate limit: a spoofed flood naming one victim gets at most the burst plus the rate', () => {
  const s = setup({ synRatePerDest: 100, synBurstPerDest: 50 });
  for (let i = 0; i < 1000; i++) s.feed(tcpFrame({ ...C4, sport: 1 + i, dport: 1000 + (i % 5000), seq: i, flags: TCP_SYN }), T0 + i);
  // 1 second elapsed: 50 burst + ~100 refilled
  const sent = s.device.sent.length;
  assert.ok(sent >= 140 && sent <= 151, `sent ${sent}`);
  assert.equal(s.r.counters.rateLimitedDest, 1000 - sent);
  // another victim is unaffected
  s.feed(tcpFrame({ ...C4, src: '203.0.113.10', seq: 1, flags: TCP_SYN }), T0 + 1000);
  assert.equal(s.device.sent.length, sent + 1);
  // an IPv6 /64 is one destination
  const v6 = setup({ synRatePerDest: 1, synBurstPerDest: 3 });
  for (let i = 0; i < 10; i++) v6.feed(tcpFrame({ ...C6, src: `2001:db8::${i + 1}`, seq: i, flags: TCP_SYN }));
  assert.equal(v6.device.sent.length, 3);
});

test('global rate limit caps SYN-ACKs across all destinations', () => {
  const s = setup({ synRateGlobal: 10, synBurstGlobal: 20 });
  for (let i = 0; i < 200; i++) s.feed(tcpFrame({ ...C4, src: `203.0.113.${i + 1}`, seq: i, flags: TCP_SYN }));
  assert.equal(s.device.sent.length, 20);
  assert.equal(s.r.counters.rateLimitedGlobal, 180);
});

test('flow cap: the least recently active flow is finished and recorded first', () => {
  const s = setup({ maxFlows: 3 });
  for (let i = 0; i < 3; i++) s.feed(udpFrame({ ...C4, sport: 100 + i }, `u${i}`), T0 + i);
  s.feed(udpFrame({ ...C4, sport: 100 }, 'again'), T0 + 10);
  s.feed(udpFrame({ ...C4, sport: 200 }, 'new'), T0 + 11);
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0]!.srcPort, 101);
  assert.equal(s.flows[0]!.endReason, 'evicted');
  assert.equal(s.r.counters.evictedMaxFlows, 1);
  assert.equal(s.r.openFlows, 3);
});

test('buffered-bytes cap: the oldest flows are finished first and the total is tracked', () => {
  const s = setup({ maxBufferedBytes: 64 * 1024 });
  s.feed(udpFrame({ ...C4, sport: 1 }, Buffer.alloc(30_000, 1)));
  s.feed(udpFrame({ ...C4, sport: 2 }, Buffer.alloc(30_000, 2)));
  assert.equal(s.r.bufferedBytes, 60_000);
  s.feed(udpFrame({ ...C4, sport: 3 }, Buffer.alloc(30_000, 3)));
  assert.equal(s.flows.length, 1);
  assert.equal(s.flows[0]!.srcPort, 1);
  assert.equal(s.r.bufferedBytes, 60_000);
  s.r.finishAll();
  assert.equal(s.r.bufferedBytes, 0);
});

test('with keepFrames, a flow carries its frames: SYN, SYN-ACK, the client segments and our replies', () => {
  const s = setup({ keepFrames: true });
  const { ours, next } = handshake(s, C4);
  s.feed(tcpFrame({ ...C4, seq: next, ack: ours + 1, flags: TCP_ACK | TCP_FIN, payload: 'q' }));
  const f = s.flows[0]!;
  const kinds = f.frames!.map((fr) => {
    const d = decodeReply(fr.data);
    return `${formatIp(d.src) === '198.18.0.1' ? 'S' : 'C'}${d.tcp.flags}`;
  });
  assert.deepEqual(kinds, [`C${TCP_SYN}`, `S${TCP_SYN | TCP_ACK}`, `C${TCP_ACK}`, `C${TCP_ACK | TCP_FIN}`, `S${TCP_ACK | TCP_FIN}`]);
});

test('send failures are counted, and the flow logic goes on', () => {
  const s = setup();
  s.device.fail = true;
  s.feed(tcpFrame({ ...C4, seq: 1, flags: TCP_SYN }));
  assert.equal(s.r.counters.sendErrors, 1);
  assert.equal(s.r.pendingSyns, 1);
});

test('the cookie key reaches no packet field but the sequence numbers it exists for (IP ID, timestamps: bytes of their own)', () => {
  // the same conversation under secrets that differ only in the key bytes [0, 24): cookie, table and rate keys
  const run = (secret: Uint8Array) => {
    const s = setup({ secret });
    const out: Buffer[] = [];
    for (const [i, ep] of [C4, { ...C4, sport: 40001 }, C6].entries()) {
      const { ours, next } = handshake(s, ep, T0 + i);
      out.push(...s.device.take());
      s.feed(tcpFrame({ ...ep, seq: next, ack: ours + 1, flags: TCP_ACK | TCP_PSH, payload: 'GET / HTTP/1.0\r\n\r\n' }), T0 + 10 + i);
      s.feed(tcpFrame({ ...ep, seq: next + 18, ack: ours + 1, flags: TCP_FIN | TCP_ACK }), T0 + 20 + i);
      out.push(...s.device.take());
    }
    return out;
  };
  const base = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
  const other = Uint8Array.from(base, (b, i) => (i < 24 ? b ^ 0xa5 : b));
  const a = run(base);
  const b = run(other);
  assert.equal(a.length, b.length);
  assert.ok(a.length >= 6, `SYN-ACKs and FIN-ACKs were sent (${a.length})`);
  let seqDiffers = false;
  for (let i = 0; i < a.length; i++) {
    const l4 = decodeReply(a[i]!).tcpOffset;
    // mask what the cookie is for: our sequence number, and the TCP checksum that covers it
    const mask = (f: Buffer) => {
      const m = Buffer.from(f);
      m.fill(0, l4 + 4, l4 + 8);
      m.fill(0, l4 + 16, l4 + 18);
      return m;
    };
    if (!a[i]!.subarray(l4 + 4, l4 + 8).equals(b[i]!.subarray(l4 + 4, l4 + 8))) seqDiffers = true;
    assert.deepEqual(mask(a[i]!), mask(b[i]!), `frame ${i}: a field other than seq depends on the key bytes`);
  }
  assert.ok(seqDiffers, 'the cookie key is used for the sequence numbers');
  // and the public seeds are bytes of their own: changing them moves the IPv4 ID and the timestamps
  const seeds = Uint8Array.from(base, (x, i) => (i >= 24 ? x ^ 0x5a : x));
  const c = run(seeds);
  assert.notDeepEqual(c.map((f) => f.readUInt16BE(14 + 4)), a.map((f) => f.readUInt16BE(14 + 4)));
});

test('a secret shorter than 32 bytes is refused (its parts would overlap)', () => {
  assert.throws(() => setup({ secret: new Uint8Array(24) }), RangeError);
});

test('finishSome ends pending SYNs, TCP flows and UDP flows at most `budget` at a time, and leaves the tables empty', () => {
  const s = setup();
  for (let i = 0; i < 5; i++) s.feed(tcpFrame({ ...C4, sport: 41000 + i, seq: 1, flags: TCP_SYN }));
  s.device.take();
  for (let i = 0; i < 3; i++) handshake(s, { ...C4, sport: 42000 + i });
  for (let i = 0; i < 2; i++) s.feed(udpFrame({ ...C4, sport: 43000 + i, dport: 5060 }, 'q'));
  s.device.take();
  const steps: number[] = [];
  for (let more = true; more;) {
    const before = s.flows.length;
    more = s.r.finishSome('shutdown', 3);
    steps.push(s.flows.length - before);
  }
  assert.deepEqual(steps, [3, 3, 3, 1]);
  assert.deepEqual(s.flows.map((f) => f.state), ['syn', 'syn', 'syn', 'syn', 'syn', 'acked', 'acked', 'acked', 'udp', 'udp']);
  assert.ok(s.flows.every((f) => f.endReason === 'shutdown'));
  assert.equal(s.r.pendingSyns + s.r.openFlows, 0);
  assert.equal(s.r.bufferedBytes, 0);
  assert.equal(s.r.finishSome('shutdown', 3), false, 'nothing left');
  assert.equal(s.flows.length, 10);
});
