// Tables of malformed byte literals and the reason each is refused with. The hot-path parser and the object
// codecs must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DECODE_REASONS, REASON_INDEX, type DecodeReason } from '../../../src/wire/decode-result.ts';
import { createFrameView, parseFrame } from '../../../src/wire/frame-view.ts';
import { checksum } from '../../../src/wire/checksum.ts';
import { decodeIpv4 } from '../../../src/wire/ipv4.ts';
import { decodeTcp } from '../../../src/wire/tcp.ts';
import { decodeUdp } from '../../../src/wire/udp.ts';
import { decodeEthernet } from '../../../src/wire/ethernet.ts';
import { decodeIpv6 } from '../../../src/wire/ipv6.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ETH4 = '02 00 00 00 00 01  02 00 00 00 00 02  08 00';
const ETH6 = '02 00 00 00 00 01  02 00 00 00 00 02  86 dd';
/** IPv4 header with a correct checksum: total length `total`, protocol `proto`, flags/fragment `frag`. */
function ip4(total: number, proto = 6, frag = 0x4000, src = 'c6120002', extraIhl = 0): string {
  const b = Buffer.alloc(20 + extraIhl * 4);
  b[0] = 0x45 + extraIhl;
  b.writeUInt16BE(total, 2);
  b.writeUInt16BE(0x1234, 4);
  b.writeUInt16BE(frag, 6);
  b[8] = 64;
  b[9] = proto;
  Buffer.from(src, 'hex').copy(b, 12);
  Buffer.from('c6120001', 'hex').copy(b, 16);
  b.writeUInt16BE(checksum(b, 0, b.length), 10);
  return b.toString('hex');
}
const SYN = '9c40 1f90 00000001 00000000 5002 faf0 0000 0000';
const V6SRC = 'fd5b0000000000000000000000000002';
const V6DST = 'fd5b0000000000000000000000000001';

const cases: [string, string, DecodeReason | 'ok'][] = [
  ['empty frame', '', 'eth.truncated'],
  ['13 bytes', '02 00 00 00 00 01 02 00 00 00 00 02 08', 'eth.truncated'],
  ['ARP', '02 00 00 00 00 01 02 00 00 00 00 02 08 06 0001', 'eth.unsupported_ethertype'],
  ['VLAN tag cut', '02 00 00 00 00 01 02 00 00 00 00 02 81 00 00', 'vlan.truncated'],
  ['QinQ', '02 00 00 00 00 01 02 00 00 00 00 02 88 a8 0001 8100 0001 0800', 'vlan.nested'],
  ['double 802.1Q', '02 00 00 00 00 01 02 00 00 00 00 02 81 00 0001 8100 0001 0800', 'vlan.nested'],
  ['IPv4 header cut', `${ETH4} 45 00 00 28`, 'ipv4.truncated'],
  ['IPv4 version 5', `${ETH4} 55 00 0028 0000 4000 4006 0000 c6120002 c6120001 ${SYN}`, 'ipv4.bad_version'],
  ['IPv4 IHL 4', `${ETH4} 44 00 0028 0000 4000 4006 0000 c6120002 c6120001 ${SYN}`, 'ipv4.bad_ihl'],
  ['IPv4 total length beyond frame', `${ETH4} ${ip4(200)} ${SYN}`, 'ipv4.bad_total_length'],
  ['IPv4 total length below IHL', `${ETH4} ${ip4(12)} ${SYN}`, 'ipv4.bad_total_length'],
  ['IPv4 bad checksum', `${ETH4} ${ip4(40).slice(0, 20)}ffff${ip4(40).slice(24)} ${SYN}`, 'ipv4.bad_checksum'],
  ['IPv4 options', `${ETH4} ${ip4(44, 6, 0x4000, 'c6120002', 1)} ${SYN}`, 'ipv4.options'],
  ['IPv4 first fragment (MF)', `${ETH4} ${ip4(40, 6, 0x2000)} ${SYN}`, 'ipv4.fragment'],
  ['IPv4 later fragment', `${ETH4} ${ip4(40, 6, 0x0010)} ${SYN}`, 'ipv4.fragment'],
  ['IPv4 source 0.0.0.0', `${ETH4} ${ip4(40, 6, 0x4000, '00000000')} ${SYN}`, 'ipv4.bad_address'],
  ['IPv4 broadcast source', `${ETH4} ${ip4(40, 6, 0x4000, 'ffffffff')} ${SYN}`, 'ipv4.bad_address'],
  ['IPv4 multicast source', `${ETH4} ${ip4(40, 6, 0x4000, 'e0000001')} ${SYN}`, 'ipv4.bad_address'],
  ['IPv4 loopback source', `${ETH4} ${ip4(40, 6, 0x4000, '7f000001')} ${SYN}`, 'ipv4.bad_address'],
  ['ICMP', `${ETH4} ${ip4(28, 1)} 0800 0000 0000 0000`, 'ip.unsupported_protocol'],
  ['TCP header cut', `${ETH4} ${ip4(30)} 9c40 1f90 0000 0001 0000`, 'tcp.truncated'],
  ['TCP data offset 4', `${ETH4} ${ip4(40)} 9c40 1f90 00000001 00000000 4002 faf0 0000 0000`, 'tcp.bad_data_offset'],
  ['TCP data offset beyond segment', `${ETH4} ${ip4(40)} 9c40 1f90 00000001 00000000 f002 faf0 0000 0000`, 'tcp.bad_data_offset'],
  ['TCP SYN+FIN', `${ETH4} ${ip4(40)} 9c40 1f90 00000001 00000000 5003 faf0 0000 0000`, 'tcp.bad_flags'],
  ['TCP SYN+RST', `${ETH4} ${ip4(40)} 9c40 1f90 00000001 00000000 5006 faf0 0000 0000`, 'tcp.bad_flags'],
  ['TCP no flags (null scan)', `${ETH4} ${ip4(40)} 9c40 1f90 00000001 00000000 5000 faf0 0000 0000`, 'tcp.bad_flags'],
  ['TCP port 0', `${ETH4} ${ip4(40)} 0000 1f90 00000001 00000000 5002 faf0 0000 0000`, 'tcp.zero_port'],
  ['UDP header cut', `${ETH4} ${ip4(26, 17)} 9c40 1f90 0008`, 'udp.truncated'],
  ['UDP length 7', `${ETH4} ${ip4(28, 17)} 9c40 1f90 0007 0000`, 'udp.bad_length'],
  ['UDP length beyond IP', `${ETH4} ${ip4(28, 17)} 9c40 1f90 0010 0000`, 'udp.bad_length'],
  ['UDP port 0', `${ETH4} ${ip4(28, 17)} 9c40 0000 0008 0000`, 'udp.zero_port'],
  ['IPv6 header cut', `${ETH6} 60 00 00 00 00 14 06 40`, 'ipv6.truncated'],
  ['IPv6 version 4', `${ETH6} 40000000 0014 0640 ${V6SRC} ${V6DST} ${SYN}`, 'ipv6.bad_version'],
  ['IPv6 payload length beyond frame', `${ETH6} 60000000 0100 0640 ${V6SRC} ${V6DST} ${SYN}`, 'ipv6.bad_payload_length'],
  ['IPv6 hop-by-hop header', `${ETH6} 60000000 0014 0040 ${V6SRC} ${V6DST} ${SYN}`, 'ipv6.extension_header'],
  ['IPv6 fragment header', `${ETH6} 60000000 0014 2c40 ${V6SRC} ${V6DST} ${SYN}`, 'ipv6.extension_header'],
  ['IPv6 multicast source', `${ETH6} 60000000 0014 0640 ff020000000000000000000000000001 ${V6DST} ${SYN}`, 'ipv6.bad_address'],
  ['IPv6 unspecified source', `${ETH6} 60000000 0014 0640 00000000000000000000000000000000 ${V6DST} ${SYN}`, 'ipv6.bad_address'],
  ['IPv6 ICMPv6', `${ETH6} 60000000 0008 3a40 ${V6SRC} ${V6DST} 8000 0000 0000 0000`, 'ip.unsupported_protocol'],
  ['well-formed IPv4 SYN', `${ETH4} ${ip4(40)} ${SYN}`, 'ok'],
  ['well-formed IPv4 SYN with Ethernet padding', `${ETH4} ${ip4(40)} ${SYN} 000000000000`, 'ok'],
  ['well-formed IPv6 SYN', `${ETH6} 60000000 0014 0640 ${V6SRC} ${V6DST} ${SYN}`, 'ok'],
  ['well-formed tagged IPv4 SYN', `02 00 00 00 00 01 02 00 00 00 00 02 8100 0064 0800 ${ip4(40)} ${SYN}`, 'ok'],
];

test('every reason code is exercised by the table', () => {
  const used = new Set(cases.map((c) => c[2]));
  // capture_truncated comes from libpcap's flag, not from bytes
  const missing = DECODE_REASONS.filter((r) => !used.has(r) && r !== 'frame.capture_truncated');
  assert.deepEqual(missing, []);
});

for (const [name, bytes, expected] of cases) {
  test(`parseFrame: ${name} -> ${expected}`, () => {
    const buf = hex(bytes);
    const r = parseFrame(buf, buf.length, createFrameView());
    assert.equal(r === 0 ? 'ok' : DECODE_REASONS[r - 1], expected);
    if (expected !== 'ok') assert.equal(r, REASON_INDEX[expected]);
  });
}

test('object codecs refuse the same malformed headers with the same reasons', () => {
  const check = (name: string, got: { ok: boolean; reason?: string }, want: string) => assert.equal(got.ok ? 'ok' : got.reason, want, name);
  check('eth', decodeEthernet(hex('0200'), 0, 2), 'eth.truncated');
  check('qinq', decodeEthernet(hex('02 00 00 00 00 01 02 00 00 00 00 02 88 a8 0001 0800'), 0, 18), 'vlan.nested');
  const ihl4 = hex(`44 00 0028 0000 4000 4006 0000 c6120002 c6120001`);
  check('ihl', decodeIpv4(ihl4, 0, ihl4.length), 'ipv4.bad_ihl');
  const badsum = hex(`${ip4(20).slice(0, 20)}ffff${ip4(20).slice(24)}`);
  check('ipv4 checksum', decodeIpv4(badsum, 0, badsum.length), 'ipv4.bad_checksum');
  const big = hex(ip4(200));
  check('ipv4 total', decodeIpv4(big, 0, big.length), 'ipv4.bad_total_length');
  const v6 = hex(`60000000 0100 0640 ${V6SRC} ${V6DST}`);
  check('ipv6 plen', decodeIpv6(v6, 0, v6.length), 'ipv6.bad_payload_length');
  const tcp = hex('9c40 1f90 00000001 00000000 4002 faf0 0000 0000');
  check('tcp doff', decodeTcp(tcp, 0, tcp.length), 'tcp.bad_data_offset');
  const udp = hex('9c40 1f90 0007 0000');
  check('udp len', decodeUdp(udp, 0, udp.length), 'udp.bad_length');
});
