// The SYN fingerprint is read in place from the stored frame (no header objects): it must say exactly what decoding
// the frame with the wire codecs says, on real-looking SYNs and on any bytes at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { synFingerprint } from '../../../src/record/finished-flow.ts';
import type { SynFingerprint } from '../../../src/record/flow-record.ts';
import { decodeEthernet } from '../../../src/wire/ethernet.ts';
import { decodeTcp, decodeTcpOptions, describeTcpOptionBytes, describeTcpOptions, TCP_SYN } from '../../../src/wire/tcp.ts';
import { LINUX_SYN_OPTIONS, tcpFrame } from '../../helpers/frames.ts';

/** The fingerprint as the codecs decode it (what synFingerprint computed before it read bytes in place). */
function decoded(frame: Uint8Array, synCount: number): SynFingerprint | undefined {
  const eth = decodeEthernet(frame, 0, frame.length);
  if (!eth.ok) return undefined;
  const off = eth.value.payloadOffset;
  let ttl: number;
  let ipId: number | undefined;
  let l4: number;
  if (eth.value.header.etherType === 0x0800) {
    if (frame.length - off < 20 || frame[off]! >> 4 !== 4) return undefined;
    ttl = frame[off + 8]!;
    ipId = (frame[off + 4]! << 8) | frame[off + 5]!;
    l4 = off + (frame[off]! & 0x0f) * 4;
  } else if (eth.value.header.etherType === 0x86dd) {
    if (frame.length - off < 40 || frame[off]! >> 4 !== 6) return undefined;
    ttl = frame[off + 7]!;
    l4 = off + 40;
  } else return undefined;
  const tcp = decodeTcp(frame, l4, frame.length);
  if (!tcp.ok) return undefined;
  const o = tcp.value.header.options;
  return { ttl, window: tcp.value.header.window, ...(ipId === undefined ? {} : { ip_id: ipId }), options: describeTcpOptions(decodeTcpOptions(o, 0, o.length).options), syn_count: synCount };
}

test('option text read from bytes equals the decoded options described, for any bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), (b) => {
    assert.equal(describeTcpOptionBytes(b, 0, b.length), describeTcpOptions(decodeTcpOptions(b, 0, b.length).options));
  }), { numRuns: 20_000 });
  // the usual ones, spelled out
  const linux = Uint8Array.from([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]);
  assert.equal(describeTcpOptionBytes(linux, 0, linux.length), 'mss:1460,sok,ts,nop,ws:7');
  assert.equal(describeTcpOptionBytes(Uint8Array.from([1, 1, 0, 2]), 0, 4), 'nop,nop,eol');
  assert.equal(describeTcpOptionBytes(Uint8Array.from([2, 4, 5]), 0, 3), '');
});

test('fingerprints of SYN frames (IPv4, IPv6, VLAN) equal the decoded ones', () => {
  const v4 = tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport: 40000, dport: 80, seq: 1, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(7) });
  const v6 = tcpFrame({ src: '2001:db8::9', dst: 'fd5b::1', sport: 40000, dport: 443, seq: 1, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(7) });
  const vlan = tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport: 1, dport: 2, seq: 1, flags: TCP_SYN, vlan: 12 });
  for (const f of [v4, v6, vlan]) {
    const fp = synFingerprint(f, 2);
    assert.ok(fp);
    assert.deepEqual(fp, decoded(f, 2));
    assert.equal(JSON.stringify(fp), JSON.stringify(decoded(f, 2)), 'same field order in the record');
  }
  assert.equal(synFingerprint(v4, 1)!.options, 'mss:1460,sok,ts,nop,ws:7');
});

test('fingerprint of any bytes after a valid Ethernet/IP start equals the decoded one (or both undefined)', () => {
  const base = tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport: 40000, dport: 80, seq: 1, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(7) });
  fc.assert(fc.property(fc.integer({ min: 0, max: base.length }), fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.uint8Array({ maxLength: 90 }), fc.boolean(), (cut, edits, junk, useJunk) => {
    const f = useJunk ? junk : Uint8Array.from(base.subarray(0, cut));
    if (!useJunk) for (const [i, v] of edits) if (i < f.length) f[i] = v;
    const got = synFingerprint(f, 1);
    const want = decoded(f, 1);
    assert.equal(JSON.stringify(got), JSON.stringify(want));
  }), { numRuns: 20_000 });
});
