// The ARP claimer driven with byte frames and a fake Device, on a fake clock: when it claims, what it never claims,
// what makes it let go, what it sends (probes, replies: every byte checked), the IPv4 gate, caps and rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArpClaimer, type ArpClaimerConfig, type ArpEvent, LOG_BUDGET_PER_MINUTE, OWNER_HOLD_MS, PROBE_INTERVAL_MS, PROBE_WAIT_MS,
} from '../../../src/arp/arp-claimer.ts';
import { arpSamples } from '../../../src/metrics/arp-metrics.ts';
import { parseCidr, parseIp } from '../../../src/wire/address.ts';
import { buildArpFrame, decodeArp, type ArpPacket } from '../../../src/wire/arp.ts';
import { decodeEthernet } from '../../../src/wire/ethernet.ts';
import { TCP_SYN } from '../../../src/wire/tcp.ts';
import { tcpFrame } from '../../helpers/frames.ts';

const T0 = 1_800_000_000_000;
const OURS = Uint8Array.of(0x02, 0x5e, 0x50, 0x00, 0x00, 0x01);
const ROUTER = Uint8Array.of(0x02, 0x00, 0x00, 0x00, 0x00, 0xfe);
const LIVE = Uint8Array.of(0x02, 0x11, 0x22, 0x33, 0x44, 0x55);
const CLIENT = Uint8Array.of(0x02, 0xc1, 0x1e, 0x00, 0x00, 0x02); // frames.ts CLIENT_MAC
const BCAST = new Uint8Array(6).fill(0xff);
const ip = (t: string) => parseIp(t)!;
const mac = (m: Uint8Array) => [...m].map((b) => b.toString(16).padStart(2, '0')).join(':');

class FakeDevice {
  sent: Buffer[] = [];
  send(frame: Uint8Array, length: number): boolean {
    this.sent.push(Buffer.from(frame.subarray(0, length)));
    return true;
  }
  take(): { eth: { dst: string; src: string; vlanTci?: number }; arp: ArpPacket }[] {
    const s = this.sent;
    this.sent = [];
    return s.map((f) => {
      const e = decodeEthernet(f, 0, f.length);
      assert.ok(e.ok);
      assert.equal(e.value.header.etherType, 0x0806);
      assert.ok(f.length >= 60, 'padded to the Ethernet minimum');
      const a = decodeArp(f, e.value.payloadOffset, f.length);
      assert.ok(a.ok);
      return { eth: { dst: mac(e.value.header.dst), src: mac(e.value.header.src), ...(e.value.header.vlanTci === undefined ? {} : { vlanTci: e.value.header.vlanTci }) }, arp: a.value };
    });
  }
}

function setup(over: Partial<ArpClaimerConfig> = {}) {
  const device = new FakeDevice();
  const events: ArpEvent[] = [];
  const c = new ArpClaimer({
    networks: [parseCidr('192.0.2.0/24')!, parseCidr('fd00::/64')!],
    mac: OURS,
    ownAddresses: [ip('192.0.2.1'), ip('10.9.9.9')],
    excluded: [parseCidr('192.0.2.254')!, parseCidr('192.0.2.200/29')!],
    claimRequests: 3,
    claimWindowMs: 5000,
    recheckMs: 60_000,
    device,
    log: (e) => events.push(e),
    nowMs: T0,
    ...over,
  });
  // like cap: every frame arrives in one shared Buffer that is overwritten afterwards
  const shared = Buffer.alloc(2048);
  const feed = (frame: Uint8Array, now: number): boolean => {
    shared.set(frame);
    const r = c.onFrame(shared, frame.length, now);
    shared.fill(0xee);
    return r;
  };
  return { c, device, events, feed };
}

function arp(o: { op: 1 | 2; sha: Uint8Array; spa: string; tha?: Uint8Array; tpa: string; ethSrc?: Uint8Array; ethDst?: Uint8Array; vlan?: number }): Buffer {
  const out = Buffer.alloc(64);
  const n = buildArpFrame(out, o.ethDst ?? (o.op === 1 ? BCAST : OURS), o.ethSrc ?? o.sha, o.vlan ?? -1, {
    op: o.op, senderMac: o.sha, senderIp: ip(o.spa), targetMac: o.tha ?? new Uint8Array(6), targetIp: ip(o.tpa),
  });
  return out.subarray(0, n);
}
const request = (tpa: string, from = { sha: CLIENT, spa: '192.0.2.2' }, vlan?: number) => arp({ op: 1, sha: from.sha, spa: from.spa, tpa, ...(vlan === undefined ? {} : { vlan }) });

/** Requests at 0, 1, 2 ... s (count of them), then ticks until the probe round is over. Returns the time after. */
function driveToClaim(s: ReturnType<typeof setup>, target: string, t0 = T0, count = 6): number {
  let now = t0;
  for (let i = 0; i < count; i++) {
    now = t0 + i * 1000;
    s.feed(request(target), now);
    s.c.tick(now);
  }
  for (let k = 0; k < 12; k++) {
    now += 250;
    s.c.tick(now);
  }
  return now;
}

test('claims an address only after 3 requests spanning 5 s and two unanswered RFC 5227 probes; then answers with our MAC', () => {
  const s = setup();
  for (let i = 0; i < 5; i++) {
    s.feed(request('192.0.2.50'), T0 + i * 1000);
    s.c.tick(T0 + i * 1000);
  }
  assert.equal(s.device.sent.length, 0, 'five requests over 4 s: not yet (window 5 s)');
  assert.equal(s.c.claimedCount, 0);
  s.feed(request('192.0.2.50'), T0 + 5000);
  const [probe1, ...rest] = s.device.take();
  assert.equal(rest.length, 0);
  // RFC 5227 2.1.1: request, sender IP 0.0.0.0, target MAC zero, broadcast
  assert.deepEqual(probe1!.eth, { dst: 'ff:ff:ff:ff:ff:ff', src: mac(OURS) });
  assert.equal(probe1!.arp.op, 1);
  assert.deepEqual([...probe1!.arp.senderIp], [0, 0, 0, 0]);
  assert.deepEqual([...probe1!.arp.senderMac], [...OURS]);
  assert.deepEqual([...probe1!.arp.targetMac], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...probe1!.arp.targetIp], [192, 0, 2, 50]);
  assert.equal(s.c.claimedCount, 0, 'not claimed while probing');
  s.c.tick(T0 + 5000 + PROBE_INTERVAL_MS);
  assert.equal(s.device.take().length, 1, 'second probe');
  s.c.tick(T0 + 5000 + PROBE_INTERVAL_MS + PROBE_WAIT_MS - 1);
  assert.equal(s.c.claimedCount, 0);
  s.c.tick(T0 + 5000 + PROBE_INTERVAL_MS + PROBE_WAIT_MS);
  assert.deepEqual(s.c.claimedAddresses(), ['192.0.2.50']);
  assert.deepEqual(s.events, [{ event: 'AddressClaimed', address: '192.0.2.50', requests: 6, first_request_ms_ago: 5000 + PROBE_INTERVAL_MS + PROBE_WAIT_MS }]);
  // the late reply to the last requester (asked 1.5 s ago, still resolving)
  const [late] = s.device.take();
  assert.deepEqual(late!.eth, { dst: mac(CLIENT), src: mac(OURS) });
  assert.equal(late!.arp.op, 2);
  assert.deepEqual([...late!.arp.senderMac], [...OURS]);
  assert.deepEqual([...late!.arp.senderIp], [192, 0, 2, 50]);
  assert.deepEqual([...late!.arp.targetMac], [...CLIENT]);
  assert.deepEqual([...late!.arp.targetIp], [192, 0, 2, 2]);
  // from now on, every request is answered at once
  s.feed(request('192.0.2.50', { sha: ROUTER, spa: '192.0.2.254' }), T0 + 8000);
  const [r] = s.device.take();
  assert.equal(r!.eth.dst, mac(ROUTER));
  assert.deepEqual([...r!.arp.targetIp], [192, 0, 2, 254]);
  assert.equal(s.c.counters.repliesSent, 2);
  assert.equal(s.c.counters.probesSent, 2);
});

test('the window and the request count are both needed, and tunable', () => {
  const s = setup({ claimRequests: 5, claimWindowMs: 2000 });
  s.feed(request('192.0.2.60'), T0);
  s.feed(request('192.0.2.60'), T0 + 3000);
  s.feed(request('192.0.2.60'), T0 + 3100);
  s.feed(request('192.0.2.60'), T0 + 3200);
  assert.equal(s.device.sent.length, 0, '4 requests < 5');
  s.feed(request('192.0.2.60'), T0 + 3300);
  assert.equal(s.device.take().length, 1, 'fifth request, 3.3 s span: probe');
  const q = setup({ claimRequests: 1, claimWindowMs: 0 });
  q.feed(request('192.0.2.61'), T0);
  assert.equal(q.device.take().length, 1, 'one request, no window: probe at once');
});

test('never claims the gateway, excluded ranges, our own addresses, network/broadcast, 0.0.0.0 or foreign addresses', () => {
  const s = setup();
  const never = ['192.0.2.254', '192.0.2.203', '192.0.2.1', '192.0.2.0', '192.0.2.255', '0.0.0.0', '198.51.100.7', '10.9.9.9'];
  for (const a of never) driveToClaim(s, a);
  assert.equal(s.device.sent.length, 0, 'no probe, no reply');
  assert.equal(s.c.claimedCount, 0);
  assert.equal(s.events.length, 0);
  // a /31 (RFC 3021) has no network/broadcast address; a /32 is claimable too
  const p = setup({ networks: [parseCidr('192.0.2.8/31')!, parseCidr('192.0.2.77/32')!] });
  for (const a of ['192.0.2.8', '192.0.2.9', '192.0.2.77']) driveToClaim(p, a);
  assert.deepEqual(p.c.claimedAddresses().sort(), ['192.0.2.77', '192.0.2.8', '192.0.2.9']);
});

test('a live owner that answers our probe keeps its address; it is remembered and not probed again', () => {
  const s = setup();
  for (let i = 0; i <= 5; i++) s.feed(request('192.0.2.3'), T0 + i * 1000);
  assert.equal(s.device.take().length, 1, 'probe');
  // Linux answers an RFC 5227 probe unicast to the prober: sender = the owner, target IP 0.0.0.0
  s.feed(arp({ op: 2, sha: LIVE, spa: '192.0.2.3', tha: OURS, tpa: '0.0.0.0' }), T0 + 5001);
  for (let t = T0 + 5250; t < T0 + 10_000; t += 250) s.c.tick(t);
  assert.equal(s.c.claimedCount, 0);
  assert.equal(s.device.sent.length, 0, 'no second probe, no reply');
  assert.equal(s.c.counters.candidatesDropped, 1);
  // requests go on: the owner was seen, so they are not even counted for the next hour
  for (let i = 0; i < 20; i++) s.feed(request('192.0.2.3'), T0 + 10_000 + i * 1000);
  assert.equal(s.device.sent.length, 0);
  assert.equal(s.c.counters.requestsOwnerRecent, 20);
  // after the hold, the address may be considered again (and still needs unanswered probes)
  const later = T0 + 5001 + OWNER_HOLD_MS + 1;
  s.c.tick(later);
  driveToClaim(s, '192.0.2.3', later);
  assert.deepEqual(s.c.claimedAddresses(), ['192.0.2.3']);
});

test('any ARP from an address marks it alive: its requests for others, its replies, its announcements', () => {
  const s = setup();
  s.feed(request('192.0.2.1', { sha: LIVE, spa: '192.0.2.4' }), T0); // 192.0.2.4 asks for the sensor
  s.feed(arp({ op: 2, sha: ROUTER, spa: '192.0.2.5', tha: CLIENT, tpa: '192.0.2.2' }), T0); // a reply we happen to see
  s.feed(arp({ op: 1, sha: LIVE, spa: '192.0.2.6', tpa: '192.0.2.6' }), T0); // RFC 5227 announcement
  for (const a of ['192.0.2.4', '192.0.2.5', '192.0.2.6']) driveToClaim(s, a, T0 + 1);
  assert.equal(s.c.claimedCount, 0);
  assert.equal(s.device.sent.length, 0);
});

for (const [name, evidence, reason] of [
  ['a gratuitous ARP (announcement)', arp({ op: 1, sha: LIVE, spa: '192.0.2.50', tpa: '192.0.2.50' }), 'gratuitous_arp'],
  ['a gratuitous ARP reply', arp({ op: 2, sha: LIVE, spa: '192.0.2.50', tha: BCAST, tpa: '192.0.2.50', ethDst: BCAST }), 'gratuitous_arp'],
  ['a reply from another host', arp({ op: 2, sha: LIVE, spa: '192.0.2.50', tha: CLIENT, tpa: '192.0.2.2', ethDst: CLIENT }), 'arp_reply'],
  ['a request sent by the address', arp({ op: 1, sha: LIVE, spa: '192.0.2.50', tpa: '192.0.2.254' }), 'arp_request'],
  ['an RFC 5227 probe for it (someone is about to use it)', arp({ op: 1, sha: LIVE, spa: '0.0.0.0', tpa: '192.0.2.50' }), 'arp_probe'],
  ['IPv4 traffic sourced from it', (() => { const f = Buffer.from(tcpFrame({ src: '192.0.2.50', dst: '192.0.2.2', sport: 80, dport: 40000, seq: 1, flags: TCP_SYN })); f.set(LIVE, 6); return f; })(), 'ip_traffic'],
] as const) {
  test(`releases a claimed address at once on ${name}, logs the owner, and does not claim it again soon`, () => {
    const s = setup();
    const now = driveToClaim(s, '192.0.2.50');
    assert.deepEqual(s.c.claimedAddresses(), ['192.0.2.50']);
    s.device.take();
    s.events.length = 0;
    s.feed(evidence, now + 1);
    assert.equal(s.c.claimedCount, 0);
    assert.equal(s.events.length, 1);
    const e = s.events[0]!;
    assert.equal(e.event, 'AddressReleased');
    assert.ok(e.event === 'AddressReleased');
    assert.equal(e.address, '192.0.2.50');
    assert.equal(e.owner_mac, mac(LIVE));
    assert.equal(e.reason, reason);
    assert.ok(e.claimed_for_ms > 0);
    assert.equal(s.device.sent.length, 0, 'never answers a probe or an announcement');
    // the client keeps asking (its cache still points at us): no answer, not reclaimed while the owner is remembered
    driveToClaim(s, '192.0.2.50', now + 10_000, 30);
    assert.equal(s.c.claimedCount, 0);
    assert.equal(s.device.sent.length, 0);
    // and traffic to it no longer reaches the responder
    assert.equal(s.feed(tcpFrame({ src: '192.0.2.2', dst: '192.0.2.50', sport: 40000, dport: 80, seq: 1, flags: TCP_SYN }), now + 50_000), false);
  });
}

test('an address under probing is dropped when its owner answers between our probes', () => {
  const s = setup();
  for (let i = 0; i <= 5; i++) s.feed(request('192.0.2.70'), T0 + i * 1000);
  s.c.tick(T0 + 5000 + PROBE_INTERVAL_MS);
  assert.equal(s.device.take().length, 2);
  s.feed(arp({ op: 2, sha: LIVE, spa: '192.0.2.70', tha: OURS, tpa: '0.0.0.0' }), T0 + 5000 + PROBE_INTERVAL_MS + 900);
  for (let t = T0 + 6000; t < T0 + 9000; t += 100) s.c.tick(t);
  assert.equal(s.c.claimedCount, 0);
  assert.equal(s.events.length, 0);
  assert.equal(s.device.sent.length, 0);
});

test('a claim is checked again (probes, no answer meanwhile) when its last check is older than --arp-recheck-interval', () => {
  const s = setup({ recheckMs: 10_000 });
  let now = driveToClaim(s, '192.0.2.50');
  s.device.take();
  // the claim was checked at about now - 1500
  now += 7000;
  s.feed(request('192.0.2.50'), now);
  assert.equal(s.device.take()[0]!.arp.op, 2, 'within the interval: answered at once');
  now += 3000; // 11.5 s after the check
  s.feed(request('192.0.2.50'), now);
  const [p] = s.device.take();
  assert.equal(p!.arp.op, 1, 'a probe, not a reply');
  assert.deepEqual([...p!.arp.senderIp], [0, 0, 0, 0]);
  s.feed(request('192.0.2.50'), now + 100);
  assert.equal(s.device.sent.length, 0, 'no answer while probing');
  s.c.tick(now + PROBE_INTERVAL_MS);
  assert.equal(s.device.take()[0]!.arp.op, 1);
  s.c.tick(now + PROBE_INTERVAL_MS + PROBE_WAIT_MS);
  const [late] = s.device.take();
  assert.equal(late!.arp.op, 2, 'nobody answered: the late reply goes out');
  // the silent owner case: it answers the recheck probe, and the claim goes
  now += 20_000;
  s.feed(request('192.0.2.50'), now);
  assert.equal(s.device.take()[0]!.arp.op, 1);
  s.feed(arp({ op: 2, sha: LIVE, spa: '192.0.2.50', tha: OURS, tpa: '0.0.0.0' }), now + 3);
  assert.equal(s.c.claimedCount, 0);
  assert.equal(s.events.at(-1)!.event, 'AddressReleased');
});

test('the IPv4 gate: only claimed and own addresses of the monitored networks reach the responder', () => {
  const s = setup();
  const syn = (dst: string) => tcpFrame({ src: '203.0.113.9', dst, sport: 40000, dport: 80, seq: 1, flags: TCP_SYN });
  assert.equal(s.feed(syn('192.0.2.50'), T0), false, 'unclaimed: a live neighbour maybe');
  assert.equal(s.feed(syn('192.0.2.1'), T0), true, 'our own address');
  assert.equal(s.feed(syn('198.51.100.1'), T0), true, 'outside the networks: the responder decides');
  assert.equal(s.feed(tcpFrame({ src: '192.0.2.1', dst: '192.0.2.7', sport: 53, dport: 40000, seq: 1, flags: TCP_SYN }), T0), true, 'sent by us (outbound UDP is remembered by the responder)');
  assert.equal(s.feed(tcpFrame({ src: '2001:db8::9', dst: 'fd00::50', sport: 1, dport: 80, seq: 1, flags: TCP_SYN }), T0), true, 'IPv6: untouched');
  assert.equal(s.feed(request('192.0.2.99'), T0), false, 'ARP is never for the responder');
  const now = driveToClaim(s, '192.0.2.50', T0 + 1);
  assert.equal(s.feed(syn('192.0.2.50'), now), true, 'claimed');
  assert.equal(s.feed(syn('192.0.2.50').subarray(0, 20), now), true, 'too short to judge: the responder counts it');
  assert.equal(s.c.counters.notClaimed, 1);
});

test('802.1Q: probes and replies carry the tag of the request', () => {
  const s = setup();
  for (let i = 0; i <= 5; i++) s.feed(request('192.0.2.80', undefined, 0x0064), T0 + i * 1000);
  const [p] = s.device.take();
  assert.equal(p!.eth.vlanTci, 0x0064);
  s.c.tick(T0 + 5500);
  s.c.tick(T0 + 6500);
  const [p2, late] = s.device.take();
  assert.equal(p2!.eth.vlanTci, 0x0064);
  assert.equal(late!.eth.vlanTci, 0x0064);
  assert.equal(late!.arp.op, 2);
  assert.deepEqual(s.events[0], { event: 'AddressClaimed', address: '192.0.2.80', requests: 6, first_request_ms_ago: 6500, vlan: 100 });
});

test('our own frames (a loop, a mirror) are never evidence nor requests', () => {
  const s = setup();
  const now = driveToClaim(s, '192.0.2.50');
  s.device.take();
  s.feed(arp({ op: 2, sha: OURS, spa: '192.0.2.50', tha: CLIENT, tpa: '192.0.2.2' }), now + 1);
  s.feed(arp({ op: 1, sha: OURS, spa: '0.0.0.0', tpa: '192.0.2.50' }), now + 2);
  assert.deepEqual(s.c.claimedAddresses(), ['192.0.2.50']);
  assert.equal(s.c.counters.ownFrames, 2);
  assert.equal(s.device.sent.length, 0);
});

test('ARP replies are rate-limited (100/s, burst 200) and malformed ARP is counted, not acted on', () => {
  const s = setup();
  const now = driveToClaim(s, '192.0.2.50');
  s.device.take();
  for (let i = 0; i < 1000; i++) s.feed(request('192.0.2.50'), now + 1);
  assert.equal(s.device.take().length, 200);
  assert.equal(s.c.counters.replyRateLimited, 800);
  const bad = Buffer.from(request('192.0.2.50'));
  bad[14 + 7] = 3; // RARP
  s.feed(bad, now + 2);
  assert.equal(s.device.sent.length, 0);
  const sample = arpSamples(s.c).find((m) => m.name === 'synbait_decode_failures_total' && m.labels?.reason === 'arp.bad_operation');
  assert.equal(sample?.value, 1);
});

test('tables are capped: the least recently requested claim goes first', () => {
  const s = setup({ maxClaimed: 4, claimRequests: 1, claimWindowMs: 0 });
  let now = T0;
  for (let i = 10; i < 16; i++) {
    s.feed(request(`192.0.2.${i}`), now);
    now += 100;
  }
  for (let k = 0; k < 10; k++) s.c.tick((now += 250));
  assert.equal(s.c.claimedCount, 4);
  assert.equal(s.c.counters.evictedClaimed, 2);
  assert.equal(s.c.counters.claims, 6);
  assert.deepEqual(s.c.claimedAddresses().sort(), ['192.0.2.12', '192.0.2.13', '192.0.2.14', '192.0.2.15']);
  const o = setup({ maxOwners: 3 });
  for (let i = 20; i < 30; i++) o.feed(arp({ op: 1, sha: LIVE, spa: `192.0.2.${i}`, tpa: '192.0.2.1' }), T0);
  assert.equal(arpSamples(o.c).find((m) => m.name === 'synbait_arp_known_owners')!.value, 3);
  const cnd = setup({ maxCandidates: 5 });
  for (let i = 40; i < 60; i++) cnd.feed(request(`192.0.2.${i}`), T0);
  assert.equal(arpSamples(cnd.c).find((m) => m.name === 'synbait_arp_candidate_addresses')!.value, 5);
});

test('claim/release lines are capped per minute; the rest is one summary line', () => {
  const s = setup({ claimRequests: 1, claimWindowMs: 0, probeRate: 1000 });
  let now = T0;
  for (let i = 10; i < 10 + LOG_BUDGET_PER_MINUTE + 20; i++) s.feed(request(`192.0.2.${i}`), now);
  for (let k = 0; k < 10; k++) s.c.tick((now += 250));
  assert.equal(s.c.claimedCount, LOG_BUDGET_PER_MINUTE + 20);
  assert.equal(s.events.length, LOG_BUDGET_PER_MINUTE);
  s.c.tick(T0 + 61_000);
  assert.deepEqual(s.events.at(-1), { event: 'AddressEventsSuppressed', claimed: 20, released: 0, period_ms: 61_000 });
});

test('request counts are forgotten after a long silence (an hour by default)', () => {
  const s = setup({ candidateIdleMs: 10_000 });
  s.feed(request('192.0.2.90'), T0);
  s.feed(request('192.0.2.90'), T0 + 1000);
  s.c.tick(T0 + 12_000);
  assert.equal(arpSamples(s.c).find((m) => m.name === 'synbait_arp_candidate_addresses')!.value, 0);
  s.feed(request('192.0.2.90'), T0 + 12_000);
  assert.equal(s.device.sent.length, 0, 'one request after the reset is not three');
});
