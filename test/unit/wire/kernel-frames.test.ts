// Our codecs and checksums against frames the Linux kernel produced (test/fixtures/kernel/kernel-frames.pcap,
// captured with checksum offload off; see make-kernel-fixtures.sh for how).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readPcap } from '../../helpers/pcap-file.ts';
import { checksum } from '../../../src/wire/checksum.ts';
import { decodeEthernet, encodeEthernet, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../../../src/wire/ethernet.ts';
import { decodeIpv4, encodeIpv4, IPPROTO_TCP, IPPROTO_UDP } from '../../../src/wire/ipv4.ts';
import { decodeIpv6, encodeIpv6 } from '../../../src/wire/ipv6.ts';
import { decodeTcp, decodeTcpOptions, encodeTcp, encodeTcpOptions } from '../../../src/wire/tcp.ts';
import { decodeUdp } from '../../../src/wire/udp.ts';
import { transportChecksum, setTransportChecksum } from '../../../src/wire/transport-checksum.ts';
import { createFrameView, parseFrame } from '../../../src/wire/frame-view.ts';

const { linkType, records } = readPcap(fileURLToPath(new URL('../../fixtures/kernel/kernel-frames.pcap', import.meta.url)));

test('the fixture is an Ethernet capture with IPv4 and IPv6, TCP and UDP', () => {
  assert.equal(linkType, 1);
  assert.ok(records.length >= 20);
  const types = new Set(records.map((r) => r.data.readUInt16BE(12)));
  assert.ok(types.has(ETHERTYPE_IPV4) && types.has(ETHERTYPE_IPV6));
});

test('every kernel frame decodes, and its checksums are what ours compute', () => {
  let tcp = 0;
  let udp = 0;
  for (const { data } of records) {
    const eth = decodeEthernet(data, 0, data.length);
    assert.ok(eth.ok);
    const off = eth.value.payloadOffset;
    let l4: number;
    let l4End: number;
    let proto: number;
    let version: 4 | 6;
    if (eth.value.header.etherType === ETHERTYPE_IPV4) {
      const ip = decodeIpv4(data, off, data.length);
      assert.ok(ip.ok, 'IPv4 decodes (and its header checksum verifies)');
      assert.equal(checksum(data, off, 20), 0);
      // recompute from zero: same value as the kernel's
      const copy = Buffer.from(data);
      copy[off + 10] = 0; copy[off + 11] = 0;
      assert.equal(checksum(copy, off, 20), data.readUInt16BE(off + 10));
      ({ payloadOffset: l4, payloadEnd: l4End } = ip.value);
      proto = ip.value.header.protocol;
      version = 4;
    } else {
      const ip = decodeIpv6(data, off, data.length);
      assert.ok(ip.ok);
      ({ payloadOffset: l4, payloadEnd: l4End } = ip.value);
      proto = ip.value.header.nextHeader;
      version = 6;
    }
    assert.equal(transportChecksum(data, off, version, proto, l4, l4End - l4), 0, 'the kernel checksum verifies');
    const copy = Buffer.from(data);
    const field = l4 + (proto === IPPROTO_TCP ? 16 : 6);
    setTransportChecksum(copy, off, version, proto, l4, l4End - l4, field);
    assert.equal(copy.readUInt16BE(field), data.readUInt16BE(field), 'we compute the kernel value');
    if (proto === IPPROTO_TCP) {
      tcp++;
      assert.ok(decodeTcp(data, l4, l4End).ok);
    } else {
      assert.equal(proto, IPPROTO_UDP);
      udp++;
      assert.ok(decodeUdp(data, l4, l4End).ok);
    }
    const v = createFrameView();
    assert.equal(parseFrame(data, data.length, v), 0);
    assert.equal(v.ipVersion, version);
    assert.equal(v.l4Off, l4);
  }
  assert.ok(tcp > 10 && udp >= 2);
});

test('re-encoding each kernel frame from its decoded headers gives the same bytes', () => {
  for (const { data } of records) {
    const out = Buffer.alloc(data.length);
    const eth = decodeEthernet(data, 0, data.length);
    assert.ok(eth.ok);
    let p = encodeEthernet(eth.value.header, out, 0);
    let l4Start = 0;
    let l4End = 0;
    let proto = 0;
    if (eth.value.header.etherType === ETHERTYPE_IPV4) {
      const ip = decodeIpv4(data, p, data.length);
      assert.ok(ip.ok);
      p += encodeIpv4(ip.value.header, out, p);
      [l4Start, l4End, proto] = [ip.value.payloadOffset, ip.value.payloadEnd, ip.value.header.protocol];
    } else {
      const ip = decodeIpv6(data, p, data.length);
      assert.ok(ip.ok);
      p += encodeIpv6(ip.value.header, out, p);
      [l4Start, l4End, proto] = [ip.value.payloadOffset, ip.value.payloadEnd, ip.value.header.nextHeader];
    }
    if (proto === IPPROTO_TCP) {
      const t = decodeTcp(data, l4Start, l4End);
      assert.ok(t.ok);
      const opts = decodeTcpOptions(t.value.header.options, 0, t.value.header.options.length);
      assert.equal(opts.malformed, false);
      assert.deepEqual(Buffer.from(encodeTcpOptions(opts.options)), Buffer.from(t.value.header.options), 'options round-trip');
      p += encodeTcp(t.value.header, out, p);
    } else {
      data.copy(out, p, l4Start, l4Start + 8);
      p += 8;
    }
    data.copy(out, p, p);
    assert.deepEqual(out, data);
  }
});
