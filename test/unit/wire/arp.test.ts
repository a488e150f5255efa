// The ARP codec (RFC 826, RFC 5227 forms) against byte literals: a real Linux request and reply, malformed
// tables, the frame reader agreeing with the object codec, and "never throws" on random bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ARP_DECODE_REASONS, buildArpFrame, createArpFrameView, decodeArp, encodeArp, isArpAnnouncement, isArpProbe,
  readArpFrame, type ArpPacket,
} from '../../../src/wire/arp.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// "who-has 192.0.2.50 tell 192.0.2.2" from 02:c1:1e:00:00:02, as Linux sends it (42 bytes + 18 padding)
const LINUX_REQUEST = hex(`
  ffffffffffff 02c11e000002 0806
  0001 0800 06 04 0001 02c11e000002 c0000202 000000000000 c0000232
  000000000000000000000000000000000000`);
// "192.0.2.3 is-at 02:11:22:33:44:55", unicast to the requester
const LINUX_REPLY = hex(`
  02c11e000002 021122334455 0806
  0001 0800 06 04 0002 021122334455 c0000203 02c11e000002 c0000202`);

test('decodes a Linux request and reply field by field', () => {
  const r = decodeArp(LINUX_REQUEST, 14, LINUX_REQUEST.length);
  assert.ok(r.ok);
  assert.equal(r.value.op, 1);
  assert.deepEqual([...r.value.senderMac], [0x02, 0xc1, 0x1e, 0, 0, 2]);
  assert.deepEqual([...r.value.senderIp], [192, 0, 2, 2]);
  assert.deepEqual([...r.value.targetMac], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...r.value.targetIp], [192, 0, 2, 50]);
  assert.equal(isArpProbe(r.value), false);
  assert.equal(isArpAnnouncement(r.value), false);
  const p = decodeArp(LINUX_REPLY, 14, LINUX_REPLY.length);
  assert.ok(p.ok);
  assert.equal(p.value.op, 2);
  assert.deepEqual([...p.value.senderIp], [192, 0, 2, 3]);
});

test('encode reproduces the literal and decode(encode(x)) = x', () => {
  const r = decodeArp(LINUX_REPLY, 14, LINUX_REPLY.length);
  assert.ok(r.ok);
  const out = Buffer.alloc(28);
  assert.equal(encodeArp(r.value, out, 0), 28);
  assert.ok(out.equals(LINUX_REPLY.subarray(14)));
  fc.assert(fc.property(
    fc.constantFrom(1 as const, 2 as const), fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.uint8Array({ minLength: 4, maxLength: 4 }),
    fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.uint8Array({ minLength: 4, maxLength: 4 }),
    (op, sm, si, tm, ti) => {
      sm[0]! &= 0xfe; // unicast sender
      sm[5]! |= 1; // not zero
      const p: ArpPacket = { op, senderMac: sm, senderIp: si, targetMac: tm, targetIp: ti };
      const b = new Uint8Array(40);
      encodeArp(p, b, 5);
      const d = decodeArp(b, 5, 33);
      assert.ok(d.ok);
      assert.deepEqual(d.value, p);
    }));
});

test('RFC 5227 probe and announcement are recognised', () => {
  const probe = decodeArp(hex('0001 0800 06 04 0001 021122334455 00000000 000000000000 c0000232'), 0, 28);
  const announce = decodeArp(hex('0001 0800 06 04 0001 021122334455 c0000232 000000000000 c0000232'), 0, 28);
  const garpReply = decodeArp(hex('0001 0800 06 04 0002 021122334455 c0000232 ffffffffffff c0000232'), 0, 28);
  assert.ok(probe.ok && announce.ok && garpReply.ok);
  assert.equal(isArpProbe(probe.value), true);
  assert.equal(isArpAnnouncement(probe.value), false);
  assert.equal(isArpAnnouncement(announce.value), true);
  assert.equal(isArpAnnouncement(garpReply.value), true);
});

test('malformed packets give their reason, never a value', () => {
  const good = LINUX_REQUEST.subarray(14, 42);
  const cases: [string, Buffer, (typeof ARP_DECODE_REASONS)[number]][] = [
    ['27 bytes', good.subarray(0, 27), 'arp.truncated'],
    ['empty', Buffer.alloc(0), 'arp.truncated'],
    ['hardware type 6 (IEEE 802)', Buffer.concat([hex('0006'), good.subarray(2)]), 'arp.unsupported_format'],
    ['protocol IPv6', Buffer.concat([hex('0001 86dd'), good.subarray(4)]), 'arp.unsupported_format'],
    ['hlen 8', Buffer.concat([good.subarray(0, 4), hex('08 04'), good.subarray(6)]), 'arp.unsupported_format'],
    ['plen 16', Buffer.concat([good.subarray(0, 4), hex('06 10'), good.subarray(6)]), 'arp.unsupported_format'],
    ['RARP request (op 3)', Buffer.concat([good.subarray(0, 6), hex('0003'), good.subarray(8)]), 'arp.bad_operation'],
    ['op 0', Buffer.concat([good.subarray(0, 6), hex('0000'), good.subarray(8)]), 'arp.bad_operation'],
    ['broadcast sender MAC', Buffer.concat([good.subarray(0, 8), hex('ffffffffffff'), good.subarray(14)]), 'arp.bad_sender_mac'],
    ['multicast sender MAC', Buffer.concat([good.subarray(0, 8), hex('01005e000001'), good.subarray(14)]), 'arp.bad_sender_mac'],
    ['zero sender MAC', Buffer.concat([good.subarray(0, 8), hex('000000000000'), good.subarray(14)]), 'arp.bad_sender_mac'],
  ];
  for (const [name, bytes, reason] of cases) {
    const r = decodeArp(bytes, 0, bytes.length);
    assert.deepEqual(r, { ok: false, reason }, name);
    // the bounds are the given end, not the buffer: a longer buffer does not rescue a short packet
    if (reason === 'arp.truncated' && bytes.length > 0) assert.equal(decodeArp(good, 0, bytes.length).ok, false);
  }
});

test('readArpFrame agrees with decodeArp, handles 802.1Q, ignores other EtherTypes', () => {
  const v = createArpFrameView();
  assert.equal(readArpFrame(LINUX_REQUEST, LINUX_REQUEST.length, v), 1);
  assert.equal(v.op, 1);
  assert.equal(v.spa, 0xc0000202);
  assert.equal(v.tpa, 0xc0000232);
  assert.equal(v.vlanTci, -1);
  assert.equal(v.shaOff, 22);
  const tagged = Buffer.concat([LINUX_REQUEST.subarray(0, 12), hex('8100 0064'), LINUX_REQUEST.subarray(12)]);
  assert.equal(readArpFrame(tagged, tagged.length, v), 1);
  assert.equal(v.vlanTci, 100);
  assert.equal(v.tpa, 0xc0000232);
  assert.equal(v.shaOff, 26);
  const ipv4 = Buffer.from(LINUX_REQUEST);
  ipv4[13] = 0x00; // EtherType 0x0800
  assert.equal(readArpFrame(ipv4, ipv4.length, v), 0);
  const short = LINUX_REQUEST.subarray(0, 14 + 20);
  assert.equal(readArpFrame(short, short.length, v), -(1 + ARP_DECODE_REASONS.indexOf('arp.truncated')));
  // the length argument bounds the read, not the buffer size
  assert.equal(readArpFrame(LINUX_REQUEST, 14 + 27, v), -(1 + ARP_DECODE_REASONS.indexOf('arp.truncated')));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, arp) => {
    const b = Buffer.from(bytes);
    if (arp && b.length >= 14) { b[12] = 0x08; b[13] = 0x06; }
    const r = readArpFrame(b, b.length, v);
    if (r === 1 && b[12] === 0x08 && b[13] === 0x06) {
      const d = decodeArp(b, 14, b.length);
      assert.ok(d.ok);
      assert.equal(d.value.op, v.op);
    } else if (r < 0 && b[12] === 0x08 && b[13] === 0x06) {
      const d = decodeArp(b, 14, b.length);
      assert.ok(!d.ok);
      assert.equal(ARP_DECODE_REASONS.indexOf(d.reason), -r - 1);
    }
  }));
});

test('buildArpFrame pads to the Ethernet minimum and keeps a VLAN tag', () => {
  const out = new Uint8Array(64).fill(0xee);
  const p: ArpPacket = {
    op: 2, senderMac: hex('025e50000001'), senderIp: Uint8Array.of(192, 0, 2, 50),
    targetMac: hex('02c11e000002'), targetIp: Uint8Array.of(192, 0, 2, 2),
  };
  const n = buildArpFrame(out, hex('02c11e000002'), hex('025e50000001'), -1, p);
  assert.equal(n, 60);
  assert.equal(Buffer.from(out.subarray(0, 42)).toString('hex'),
    '02c11e000002025e500000010806' + '0001080006040002025e50000001c000023202c11e000002c0000202');
  assert.ok(out.subarray(42, 60).every((b) => b === 0), 'padding zeroed');
  const t = buildArpFrame(out, hex('02c11e000002'), hex('025e50000001'), 0x2064, p);
  assert.equal(t, 64);
  assert.equal(Buffer.from(out.subarray(12, 18)).toString('hex'), '810020640806');
  const v = createArpFrameView();
  assert.equal(readArpFrame(out, t, v), 1);
  assert.equal(v.vlanTci, 0x2064);
  assert.equal(v.spa, 0xc0000232);
});
