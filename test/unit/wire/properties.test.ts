// fast-check properties: decoders never throw on arbitrary bytes; decode(encode(x)) = x; the hot-path parser
// agrees with the object codecs on every well-formed frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEthernet, encodeEthernet, type EthernetHeader } from '../../../src/wire/ethernet.ts';
import { decodeIpv4, encodeIpv4 } from '../../../src/wire/ipv4.ts';
import { decodeIpv6, encodeIpv6, type Ipv6Header } from '../../../src/wire/ipv6.ts';
import { decodeTcp, decodeTcpOptions, encodeTcp, encodeTcpOptions, type TcpHeader, type TcpOption } from '../../../src/wire/tcp.ts';
import { decodeUdp, encodeUdp, type UdpHeader } from '../../../src/wire/udp.ts';
import { createFrameView, parseFrame } from '../../../src/wire/frame-view.ts';
import { setTransportChecksum, transportChecksum } from '../../../src/wire/transport-checksum.ts';
import { formatIpv6, parseIpv6, parseCidr, cidrContains, formatIpv4, parseIpv4 } from '../../../src/wire/address.ts';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const RUNS = { numRuns: 2000 };

test('no decoder throws on arbitrary bytes, at any offset', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(40), (buf, off) => {
    const end = buf.length;
    decodeEthernet(buf, off, end);
    decodeIpv4(buf, off, end);
    decodeIpv6(buf, off, end);
    decodeTcp(buf, off, end);
    decodeUdp(buf, off, end);
    decodeTcpOptions(buf, Math.min(off, end), end);
    const r = parseFrame(buf, buf.length, createFrameView());
    assert.ok(Number.isInteger(r) && r >= 0);
  }), { numRuns: 5000 });
});

test('parseFrame never reads past the length it is given', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 14, maxLength: 120 }), fc.nat(120), (buf, cut) => {
    const len = Math.min(cut, buf.length);
    // garbage after `len` must not change the verdict
    const a = Buffer.concat([buf.subarray(0, len), Buffer.alloc(100, 0x00)]);
    const b = Buffer.concat([buf.subarray(0, len), Buffer.alloc(100, 0xff)]);
    assert.equal(parseFrame(a, len, createFrameView()), parseFrame(b, len, createFrameView()));
  }), { numRuns: 5000 });
});

test('ethernet: decode(encode(x)) = x', () => {
  fc.assert(fc.property(bytes(6), bytes(6), fc.option(u16, { nil: undefined }), u16.filter((t) => t !== 0x8100 && t !== 0x88a8), (dst, src, vlanTci, etherType) => {
    const h: EthernetHeader = { dst, src, ...(vlanTci === undefined ? {} : { vlanTci }), etherType };
    const buf = new Uint8Array(18);
    const n = encodeEthernet(h, buf, 0);
    const d = decodeEthernet(buf, 0, n);
    assert.ok(d.ok);
    assert.deepEqual(d.value.header, { ...h });
    assert.equal(d.value.payloadOffset, n);
  }), RUNS);
});

test('ipv4: decode(encode(x)) = x (with a valid checksum)', () => {
  fc.assert(fc.property(
    fc.record({ tos: fc.integer({ min: 0, max: 255 }), id: u16, dontFragment: fc.boolean(), moreFragments: fc.boolean(), fragmentOffset: fc.integer({ min: 0, max: 0x1fff }), ttl: fc.integer({ min: 0, max: 255 }), protocol: fc.integer({ min: 0, max: 255 }), src: bytes(4), dst: bytes(4), optionWords: fc.integer({ min: 0, max: 10 }), payload: fc.integer({ min: 0, max: 64 }) }),
    (r) => {
      const options = new Uint8Array(r.optionWords * 4).fill(1);
      const h = { tos: r.tos, totalLength: 20 + options.length + r.payload, id: r.id, dontFragment: r.dontFragment, moreFragments: r.moreFragments, fragmentOffset: r.fragmentOffset, ttl: r.ttl, protocol: r.protocol, src: r.src, dst: r.dst, options };
      const buf = new Uint8Array(h.totalLength);
      encodeIpv4(h, buf, 0);
      const d = decodeIpv4(buf, 0, buf.length);
      assert.ok(d.ok);
      const { checksum: _c, ...rest } = d.value.header;
      assert.deepEqual(rest, { ...h });
    }), RUNS);
});

test('ipv6: decode(encode(x)) = x', () => {
  fc.assert(fc.property(fc.record({ trafficClass: fc.integer({ min: 0, max: 255 }), flowLabel: fc.integer({ min: 0, max: 0xfffff }), payloadLength: fc.integer({ min: 0, max: 64 }), nextHeader: fc.integer({ min: 0, max: 255 }), hopLimit: fc.integer({ min: 0, max: 255 }), src: bytes(16), dst: bytes(16) }), (h: Ipv6Header) => {
    const buf = new Uint8Array(40 + h.payloadLength);
    encodeIpv6(h, buf, 0);
    const d = decodeIpv6(buf, 0, buf.length);
    assert.ok(d.ok);
    assert.deepEqual(d.value.header, { ...h });
  }), RUNS);
});

const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  u16.map((value) => ({ kind: 'mss', value }) as const),
  fc.integer({ min: 0, max: 14 }).map((shift) => ({ kind: 'ws', shift }) as const),
  fc.constant({ kind: 'sok' } as const),
  fc.tuple(u32, u32).map(([value, echo]) => ({ kind: 'ts', value, echo }) as const),
  fc.constant({ kind: 'nop' } as const),
  fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 3 }).map((blocks) => ({ kind: 'sack', blocks }) as const),
);

test('tcp header and options: decode(encode(x)) = x', () => {
  fc.assert(fc.property(fc.record({ srcPort: u16, dstPort: u16, seq: u32, ack: u32, flags: fc.integer({ min: 0, max: 255 }), window: u16, checksum: u16, urgent: u16 }), fc.array(tcpOption, { maxLength: 4 }), (r, opts) => {
    const options = encodeTcpOptions(opts);
    fc.pre(options.length <= 40);
    const h: TcpHeader = { ...r, options };
    const buf = new Uint8Array(20 + options.length);
    encodeTcp(h, buf, 0);
    const d = decodeTcp(buf, 0, buf.length);
    assert.ok(d.ok);
    assert.deepEqual(d.value.header, { ...h });
    const parsed = decodeTcpOptions(options, 0, options.length);
    assert.equal(parsed.malformed, false);
    // EOL padding may follow; the options themselves come back in order
    assert.deepEqual(parsed.options.filter((o) => o.kind !== 'eol'), opts);
  }), RUNS);
});

test('udp: decode(encode(x)) = x', () => {
  fc.assert(fc.property(fc.record({ srcPort: u16, dstPort: u16, length: fc.integer({ min: 8, max: 80 }), checksum: u16 }), (h: UdpHeader) => {
    const buf = new Uint8Array(h.length);
    encodeUdp(h, buf, 0);
    const d = decodeUdp(buf, 0, buf.length);
    assert.ok(d.ok);
    assert.deepEqual(d.value.header, { ...h });
  }), RUNS);
});

test('parseFrame agrees with the object codecs on generated frames, and checksums verify after setTransportChecksum', () => {
  fc.assert(fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.record({ sp: fc.integer({ min: 1, max: 65535 }), dp: fc.integer({ min: 1, max: 65535 }), seq: u32, ack: u32, flags: fc.constantFrom(0x02, 0x10, 0x18, 0x11, 0x04, 0x14), payload: fc.uint8Array({ maxLength: 60 }), ttl: fc.integer({ min: 1, max: 255 }) }), fc.option(fc.integer({ min: 0, max: 0xfff }), { nil: undefined }), (v6, udp, withOpts, r, vlan) => {
    const buf = new Uint8Array(200);
    let p = encodeEthernet({ dst: new Uint8Array([2, 0, 0, 0, 0, 1]), src: new Uint8Array([2, 0, 0, 0, 0, 2]), ...(vlan === undefined ? {} : { vlanTci: vlan }), etherType: v6 ? 0x86dd : 0x0800 }, buf, 0);
    const ipOff = p;
    const options = withOpts && !udp ? encodeTcpOptions([{ kind: 'mss', value: 1460 }, { kind: 'sok' }]) : new Uint8Array(0);
    const l4Len = udp ? 8 + r.payload.length : 20 + options.length + r.payload.length;
    const src4 = new Uint8Array([198, 18, 0, 2]);
    const dst4 = new Uint8Array([198, 18, 0, 1]);
    const src6 = parseIpv6('fd5b::2')!;
    const dst6 = parseIpv6('fd5b::1')!;
    if (v6) p += encodeIpv6({ trafficClass: 0, flowLabel: 0, payloadLength: l4Len, nextHeader: udp ? 17 : 6, hopLimit: r.ttl, src: src6, dst: dst6 }, buf, p);
    else p += encodeIpv4({ tos: 0, totalLength: 20 + l4Len, id: 7, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: r.ttl, protocol: udp ? 17 : 6, src: src4, dst: dst4, options: new Uint8Array(0) }, buf, p);
    const l4 = p;
    if (udp) p += encodeUdp({ srcPort: r.sp, dstPort: r.dp, length: l4Len, checksum: 0 }, buf, p);
    else p += encodeTcp({ srcPort: r.sp, dstPort: r.dp, seq: r.seq, ack: r.ack, flags: r.flags, window: 1000, checksum: 0, urgent: 0, options }, buf, p);
    buf.set(r.payload, p);
    const len = p + r.payload.length;
    setTransportChecksum(buf, ipOff, v6 ? 6 : 4, udp ? 17 : 6, l4, l4Len, l4 + (udp ? 6 : 16));
    assert.equal(transportChecksum(buf, ipOff, v6 ? 6 : 4, udp ? 17 : 6, l4, l4Len), 0);
    const v = createFrameView();
    assert.equal(parseFrame(buf, len, v), 0);
    assert.equal(v.vlanTci, vlan ?? -1);
    assert.equal(v.ipVersion, v6 ? 6 : 4);
    assert.equal(v.l4Off, l4);
    assert.equal(v.srcPort, r.sp);
    assert.equal(v.dstPort, r.dp);
    assert.equal(v.ttl, r.ttl);
    assert.equal(v.payloadLen, r.payload.length);
    assert.deepEqual(buf.subarray(v.payloadOff, v.payloadOff + v.payloadLen), r.payload);
    if (!udp) {
      assert.equal(v.seq, r.seq);
      assert.equal(v.ack, r.ack);
      assert.equal(v.flags, r.flags);
      assert.equal(v.optEnd - v.optOff, options.length);
    }
  }), RUNS);
});

test('IPv6 text: parse(format(x)) = x, and format follows RFC 5952', () => {
  fc.assert(fc.property(bytes(16), (b) => {
    assert.deepEqual(parseIpv6(formatIpv6(b, 0)), b);
  }), RUNS);
  assert.equal(formatIpv6(parseIpv6('2001:db8:0:0:1:0:0:1')!, 0), '2001:db8::1:0:0:1');
  assert.equal(formatIpv6(parseIpv6('2001:DB8::0001')!, 0), '2001:db8::1');
  assert.equal(formatIpv6(parseIpv6('::')!, 0), '::');
  assert.equal(formatIpv6(parseIpv6('::ffff:192.0.2.1')!, 0), '::ffff:192.0.2.1');
  assert.equal(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1')!, 0), '2001:db8:0:1:1:1:1:1');
  for (const bad of ['1::2::3', '12345::', ':1:2', '1:2:3:4:5:6:7:8:9', 'g::1', '']) assert.equal(parseIpv6(bad), null, bad);
});

test('IPv4 text and CIDRs', () => {
  fc.assert(fc.property(bytes(4), (b) => assert.deepEqual(parseIpv4(formatIpv4(b, 0)), b)), RUNS);
  for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', '1.2.3.4.5', 'a.b.c.d']) assert.equal(parseIpv4(bad), null, bad);
  assert.equal(parseCidr('192.0.2.100/24')!.text, '192.0.2.0/24');
  assert.equal(parseCidr('2001:db8::1/64')!.text, '2001:db8::/64');
  assert.equal(parseCidr('10.0.0.1')!.text, '10.0.0.1/32');
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', 'x/8']) assert.equal(parseCidr(bad), null, bad);
  const c = parseCidr('192.0.2.0/23')!;
  assert.ok(cidrContains(c, new Uint8Array([192, 0, 3, 255]), 0));
  assert.ok(!cidrContains(c, new Uint8Array([192, 0, 4, 0]), 0));
});
