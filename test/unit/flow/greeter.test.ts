// Greeted ports in the responder, driven with byte frames, a fake Device and a fake clock: the greeting only after
// a completed handshake, our sequence numbers, the client's window and MSS, retransmission with backoff, the FIN
// after the last refusal, the record's dialogue, and the caps under a flood of handshakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RETRIES, MIN_RTO_MS } from '../../../src/flow/greeter.ts';
import { replayDialogue } from '../../../src/dialogue/replay.ts';
import { INITIAL_NEGOTIATION } from '../../../src/dialogue/telnet-options.ts';
import { LOGIN_DELAY_MS } from '../../../src/dialogue/telnet.ts';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../../src/wire/tcp.ts';
import { tcpFrame } from '../../helpers/frames.ts';
import { Client, greetSetup, T0 } from '../../helpers/greet-harness.ts';


test('a bare SYN to a greeted port gets only a SYN-ACK: no data, no state (no amplification)', () => {
  const h = greetSetup();
  for (let i = 0; i < 50; i++) h.feed(tcpFrame({ src: `203.0.113.${i + 1}`, dst: '198.18.0.1', sport: 40000 + i, dport: 23, seq: i, flags: TCP_SYN }), T0);
  const sent = h.device.take();
  assert.equal(sent.length, 50);
  assert.equal(h.r.openFlows, 0);
  assert.equal(h.r.greeter!.timersArmed, 0);
  assert.equal(h.r.greeter!.counters.dataSegmentsSent, 0);
  h.r.tick(T0 + 4000);
  assert.equal(h.device.sent.length, 0, 'no timer sends anything for a handshake that never completed');
});

test('the handshake ACK is answered with the greeting: seq = ISN + 1, ack = the client\'s next byte, PSH', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 23 });
  const [g, ...rest] = c.connect();
  assert.equal(rest.length, 0, 'one segment: the greeting ACKs the handshake too');
  assert.equal(g!.tcp.seq, c.ours + 1);
  assert.equal(g!.tcp.ack, c.seq);
  assert.equal(g!.tcp.flags, TCP_ACK | TCP_PSH);
  assert.ok(g!.tcpChecksumOk && g!.ipChecksumOk);
  assert.deepEqual(g!.data, Buffer.from(INITIAL_NEGOTIATION), 'telnetd negotiates first');
  const ts = g!.options.find((o) => o.kind === 'ts');
  assert.ok(ts && ts.kind === 'ts', 'timestamps on every segment once negotiated');
  assert.equal(h.r.greeter!.counters.greeted.telnet, 1);
  assert.deepEqual(c.wait(LOGIN_DELAY_MS - 1), []);
  const [prompt] = c.wait(1);
  assert.equal(prompt!.data.toString(), 'localhost login: ', 'then login prints its prompt, in a segment of its own');
  assert.equal(prompt!.tcp.seq, (g!.tcp.seq + g!.data.length) >>> 0);
});

test('a client typing before the prompt (Mirai types blind) is ACKed at once and answered after the prompt', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 23 });
  c.connect();
  const [ack] = c.send('root\r\n');
  assert.equal(ack!.data.length, 0, 'a pure ACK: the answer waits behind the held prompt');
  assert.equal(ack!.tcp.ack, c.seq);
  const [rest] = c.wait(LOGIN_DELAY_MS);
  c.absorb(rest!);
  assert.equal(rest!.data.toString(), 'localhost login: Password: ');
});

test('a port that is not greeted stays client-first: the handshake ACK gets nothing', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 8080 });
  assert.deepEqual(c.connect(), []);
  assert.equal(h.r.greeter!.counters.dataSegmentsSent, 0);
});

test('telnet: three refused logins, the FIN rides on the last refusal, the client\'s FIN gets a plain ACK', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 23 });
  c.connect();
  for (const s of c.wait(LOGIN_DELAY_MS)) c.absorb(s);
  let expectSeq = c.rcvNxt;
  for (const [user, pw] of [['root', 'xc3511'], ['admin', 'admin'], ['root', 'vizxv']] as const) {
    const [p] = c.send(`${user}\r\n`);
    assert.equal(p!.tcp.seq, expectSeq, 'contiguous sequence numbers');
    assert.equal(p!.tcp.ack, c.seq, 'the data segment acknowledges the client\'s line');
    assert.equal(p!.data.toString(), 'Password: ');
    expectSeq = c.rcvNxt;
    const replies = c.send(`${pw}\r\n`);
    assert.equal(replies.length, 1);
    expectSeq = c.rcvNxt;
  }
  assert.match(c.received.toString('latin1'), /Login incorrect\r\n$/);
  const last = h.device.sent.length === 0 ? undefined : h.device.sent;
  assert.equal(last, undefined);
  // the FIN came with the last refusal
  assert.equal(c.rcvNxt, expectSeq);
  const [finAck] = c.send('', TCP_FIN);
  assert.equal(finAck!.tcp.flags, TCP_ACK, 'our FIN was already sent: only an ACK');
  assert.equal(finAck!.tcp.seq, c.rcvNxt);
  assert.equal(h.flows.length, 1);
  const f = h.flows[0]!;
  assert.equal(f.endReason, 'fin');
  assert.ok(f.dialogue);
  assert.equal(f.dialogue.protocol, 'telnet');
  assert.equal(f.dialogue.ended, true);
  assert.deepEqual(Buffer.from(f.dialogue.server), c.received);
  assert.deepEqual(f.dialogue.turns.map((t) => t[0]), ['s', 'c', 's', 'c', 's', 'c', 's', 'c', 's', 'c', 's', 'c', 's']);
  const facts = replayDialogue('telnet', f.payload.subarray(0, f.dialogue.clientLen), f.dialogue.server);
  assert.deepEqual(facts.attempts, [{ user: 'root', password: 'xc3511' }, { user: 'admin', password: 'admin' }, { user: 'root', password: 'vizxv' }]);
});

test('a greeting the client never ACKs is retransmitted after the RTO, with backoff, then given up', () => {
  const h = greetSetup({ flowTimeoutMs: 120_000 });
  const c = new Client(h, { dport: 21, rttMs: 40 });
  const [first] = c.connect();
  const rto = Math.max(MIN_RTO_MS, 3 * 40);
  assert.deepEqual(c.wait(rto - 1), [], 'not before the RTO');
  const [re] = c.wait(1);
  assert.ok(re, 'retransmitted at the RTO');
  assert.equal(re.tcp.seq, first!.tcp.seq);
  assert.deepEqual(re.data, first!.data);
  let delay = rto;
  for (let i = 1; i < MAX_RETRIES; i++) {
    delay *= 2;
    assert.deepEqual(c.wait(delay - 1), [], `try ${i + 1} waits ${delay} ms`);
    assert.equal(c.wait(1).length, 1);
  }
  assert.deepEqual(c.wait(60_000), [], 'no more after the last try');
  assert.equal(h.r.greeter!.counters.retransmissions, MAX_RETRIES);
  assert.equal(h.r.greeter!.counters.retransmitGiveUps, 1);
});

test('the flow timeout still ends a silent greeted flow, retransmissions or not', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 23, rttMs: 300 });
  c.connect();
  const sent = [...c.wait(900), ...c.wait(1800)];
  assert.equal(sent.length, 2, 'RTO 900 ms, then 1800 ms');
  c.wait(5000 - 2700); // the handshake ACK (T0 + 300) was the last client packet
  assert.equal(h.flows.length, 1);
  assert.equal(h.flows[0]!.endReason, 'timeout');
  assert.equal(h.flows[0]!.dialogue!.retransmits, 2);
  assert.equal(h.r.greeter!.timersArmed, 0);
  assert.deepEqual(c.wait(60_000), []);
});

test('an ACK stops the retransmissions; a partial ACK restarts from the first unacknowledged byte', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 2222 });
  const [banner] = c.connect();
  assert.equal(banner!.data.toString(), 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n');
  // the client acknowledges 10 bytes only
  c.rcvNxt = (banner!.tcp.seq + 10) >>> 0;
  c.ack();
  const [re] = c.wait(1000);
  assert.equal(re!.tcp.seq, (banner!.tcp.seq + 10) >>> 0);
  assert.deepEqual(re!.data, banner!.data.subarray(10));
  c.absorb(re!);
  c.rcvNxt = (banner!.tcp.seq + banner!.data.length) >>> 0;
  c.ack();
  assert.deepEqual(c.wait(10_000), [], 'everything acknowledged: the timer is off');
});

test('the client\'s window is respected, and a closed window is probed one byte at a time', () => {
  const h = greetSetup();
  // no window scaling offered: the window field is in bytes
  const c = new Client(h, { dport: 2222, window: 16, synOptions: [{ kind: 'mss', value: 1460 }] , timestamps: false });
  const [a] = c.connect();
  assert.equal(a!.data.length, 16);
  assert.deepEqual(c.take(), []);
  const [b] = c.ack(16);
  assert.equal(b!.data.length, 16);
  assert.equal(b!.tcp.seq, (a!.tcp.seq + 16) >>> 0);
  // window closes: nothing, then a one-byte probe on the timer
  assert.deepEqual(c.ack(0), []);
  const [probe] = c.wait(1000);
  assert.equal(probe!.data.length, 1);
  assert.equal(probe!.tcp.seq, c.rcvNxt);
});

test('segments never exceed the client\'s MSS less the timestamp option', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 2222, synOptions: [{ kind: 'mss', value: 100 }, { kind: 'sok' }, { kind: 'ts', value: 1, echo: 0 }, { kind: 'nop' }, { kind: 'ws', shift: 7 }] });
  c.connect();
  const segs = c.send('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n');
  assert.ok(segs.length >= 10, `${segs.length} segments`);
  for (const s of segs) assert.ok(s.data.length <= 88, `segment of ${s.data.length} bytes`);
  assert.equal(segs.length, 10, 'at most the initial window of 10 segments in flight');
  const more = c.ack();
  assert.ok(more.length > 0, 'the rest after the ACK');
  const kexinit = c.received.subarray(c.received.indexOf('\r\n') + 2);
  assert.equal(kexinit[5], 20, 'SSH_MSG_KEXINIT');
});

test('ssh: the client\'s KEXINIT ends the dialogue with a FIN', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 2222 });
  c.connect();
  c.send('SSH-2.0-Go\r\n');
  const kex = Buffer.alloc(4 + 12);
  kex.writeUInt32BE(12, 0);
  kex[4] = 4;
  kex[5] = 20;
  const [fin] = c.send(kex);
  assert.equal(fin!.tcp.flags & TCP_FIN, TCP_FIN);
  assert.equal(fin!.data.length, 0);
});

test('data before the greeting was ACKed, and out of order, reaches the dialogue in stream order', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 21 });
  c.connect();
  const base = c.seq;
  c.seq = base + 'USER bob\r\n'.length;
  c.send('PASS x\r\n');
  c.seq = base;
  const [reply] = c.send('USER bob\r\n');
  assert.match(reply!.data.toString(), /^331 .*\r\n530 Login incorrect\.\r\n$/);
});

test('RST ends a greeted flow: its timer is gone, the record has the dialogue so far', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 25 });
  c.connect();
  h.feed(tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport: 40000, dport: 25, seq: c.seq, flags: TCP_RST }), c.now);
  assert.equal(h.r.greeter!.timersArmed, 0);
  assert.equal(h.flows[0]!.endReason, 'rst');
  assert.equal(h.flows[0]!.dialogue!.ended, false);
  assert.match(Buffer.from(h.flows[0]!.dialogue!.server).toString(), /^220 debian ESMTP Postfix/);
});

test('data segments spend the per-destination budget: beyond it they wait for the timer', () => {
  const h = greetSetup({ synRatePerDest: 1, synBurstPerDest: 2 });
  const c = new Client(h, { dport: 21, rttMs: 0 });
  assert.equal(c.connect().length, 1, 'the SYN-ACK took one token, the greeting the other');
  assert.deepEqual(c.send('USER a\r\n').filter((s) => s.data.length > 0), [], 'no token left: no data now');
  assert.equal(h.r.greeter!.counters.rateLimited, 1);
  const later = c.wait(1000);
  assert.equal(later.length, 1, 'sent by the timer once a token is back');
});

test('a flood of completed handshakes on a greeted port stays within the flow and byte caps', () => {
  const h = greetSetup({ maxFlows: 64, maxBufferedBytes: 64 * 1024 });
  for (let i = 0; i < 2000; i++) {
    const c = new Client(h, { dport: 2222, src: `203.0.${113 + (i >> 8)}.${i & 0xff}`, sport: 1024 + i }, T0 + i);
    c.connect();
    c.send('SSH-2.0-flood\r\n');
    assert.ok(h.r.openFlows <= 64);
    assert.ok(h.r.bufferedBytes <= 64 * 1024, `buffered ${h.r.bufferedBytes}`);
    assert.ok(h.r.greeter!.timersArmed <= 64);
  }
  assert.ok(h.flows.length >= 2000 - 64, 'evicted flows were recorded');
  h.r.finishAll();
  assert.equal(h.r.greeter!.timersArmed, 0);
});

test('what a greeting randomises (the SSH cookie and padding) comes from its own key, never the SYN-cookie key', () => {
  const kexinitWith = (secret: Uint8Array) => {
    const h = greetSetup({ secret });
    const c = new Client(h, { dport: 2222 });
    c.connect();
    return Buffer.concat(c.send('SSH-2.0-Go\r\n').map((s) => s.data));
  };
  const a = kexinitWith(Uint8Array.from({ length: 32 }, (_, i) => i));
  const b = kexinitWith(Uint8Array.from({ length: 32 }, (_, i) => 255 - i));
  assert.ok(a.length > 1000);
  assert.deepEqual(a, b, 'same tuple, same greeting key: the same bytes whatever the cookie key');
});

test('IPv6 and 802.1Q: the greeting is built from the client\'s own link and IP header, checksums valid', () => {
  const h = greetSetup();
  const c = new Client(h, { dport: 21, src: '2001:db8::9', dst: 'fd5b::1' });
  const [g] = c.connect();
  assert.equal(g!.ipVersion, 6);
  assert.ok(g!.tcpChecksumOk);
  assert.equal(g!.data.toString(), '220 (vsFTPd 3.0.3)\r\n');
  const [re] = c.wait(1000);
  assert.ok(re!.tcpChecksumOk, 'a retransmission from the stored header is as valid');
  assert.equal(re!.ipVersion, 6);
});
