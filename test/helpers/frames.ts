// Builds client frames for responder tests with the wire encoders: Ethernet (+802.1Q), IPv4/IPv6, TCP/UDP, with
// correct checksums. Also a small decoder for the frames the responder sends back.

import { parseIp } from '../../src/wire/address.ts';
import { decodeEthernet, encodeEthernet } from '../../src/wire/ethernet.ts';
import { decodeIpv4, encodeIpv4 } from '../../src/wire/ipv4.ts';
import { decodeIpv6, encodeIpv6 } from '../../src/wire/ipv6.ts';
import { decodeTcp, decodeTcpOptions, encodeTcp, encodeTcpOptions, type TcpHeader, type TcpOption } from '../../src/wire/tcp.ts';
import { encodeUdp } from '../../src/wire/udp.ts';
import { setTransportChecksum, transportChecksum } from '../../src/wire/transport-checksum.ts';
import { checksum } from '../../src/wire/checksum.ts';

export const CLIENT_MAC = Uint8Array.from([0x02, 0xc1, 0x1e, 0x00, 0x00, 0x02]);
export const SENSOR_MAC = Uint8Array.from([0x02, 0x5e, 0x50, 0x00, 0x00, 0x01]);

export interface Endpoints {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  vlan?: number;
  ttl?: number;
  ipId?: number;
}

export interface TcpSpec extends Endpoints {
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  options?: TcpOption[];
  payload?: Uint8Array | string;
}

function ipAndLink(e: Endpoints, proto: number, l4Len: number, out: Buffer): { ipOff: number; l4Off: number; v: 4 | 6 } {
  const src = parseIp(e.src)!;
  const dst = parseIp(e.dst)!;
  const v6 = src.length === 16;
  let p = encodeEthernet({ dst: SENSOR_MAC, src: CLIENT_MAC, ...(e.vlan === undefined ? {} : { vlanTci: e.vlan }), etherType: v6 ? 0x86dd : 0x0800 }, out, 0);
  const ipOff = p;
  if (v6) p += encodeIpv6({ trafficClass: 0, flowLabel: 0x12345, payloadLength: l4Len, nextHeader: proto, hopLimit: e.ttl ?? 64, src, dst }, out, p);
  else p += encodeIpv4({ tos: 0, totalLength: 20 + l4Len, id: e.ipId ?? 4321, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: e.ttl ?? 64, protocol: proto, src, dst, options: new Uint8Array(0) }, out, p);
  return { ipOff, l4Off: p, v: v6 ? 6 : 4 };
}

export function tcpFrame(s: TcpSpec): Buffer {
  const payload = typeof s.payload === 'string' ? Buffer.from(s.payload, 'latin1') : s.payload ?? new Uint8Array(0);
  const options = encodeTcpOptions(s.options ?? []);
  const l4Len = 20 + options.length + payload.length;
  const out = Buffer.alloc(18 + 40 + l4Len);
  const { ipOff, l4Off, v } = ipAndLink(s, 6, l4Len, out);
  encodeTcp({ srcPort: s.sport, dstPort: s.dport, seq: s.seq >>> 0, ack: (s.ack ?? 0) >>> 0, flags: s.flags, window: s.window ?? 64240, checksum: 0, urgent: 0, options }, out, l4Off);
  out.set(payload, l4Off + 20 + options.length);
  setTransportChecksum(out, ipOff, v, 6, l4Off, l4Len, l4Off + 16);
  return out.subarray(0, l4Off + l4Len);
}

export function udpFrame(e: Endpoints, payload: Uint8Array | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const l4Len = 8 + data.length;
  const out = Buffer.alloc(18 + 40 + l4Len);
  const { ipOff, l4Off, v } = ipAndLink(e, 17, l4Len, out);
  encodeUdp({ srcPort: e.sport, dstPort: e.dport, length: l4Len, checksum: 0 }, out, l4Off);
  out.set(data, l4Off + 8);
  setTransportChecksum(out, ipOff, v, 17, l4Off, l4Len, l4Off + 6);
  return out.subarray(0, l4Off + l4Len);
}

/** Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
export const LINUX_SYN_OPTIONS = (tsVal = 1000): TcpOption[] => [
  { kind: 'mss', value: 1460 }, { kind: 'sok' }, { kind: 'ts', value: tsVal, echo: 0 }, { kind: 'nop' }, { kind: 'ws', shift: 7 },
];

export interface DecodedReply {
  eth: { dst: Uint8Array; src: Uint8Array; vlanTci?: number };
  ipVersion: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  ttl: number;
  tcp: TcpHeader;
  options: TcpOption[];
  payloadLen: number;
  ipChecksumOk: boolean;
  tcpChecksumOk: boolean;
  /** Offset of the TCP header in the frame. */
  tcpOffset: number;
}

/** Decodes a reply frame sent by the responder; throws if it is not a well-formed TCP frame. */
export function decodeReply(frame: Uint8Array): DecodedReply {
  const eth = decodeEthernet(frame, 0, frame.length);
  if (!eth.ok) throw new Error(`bad ethernet: ${eth.reason}`);
  const off = eth.value.payloadOffset;
  let l4: number;
  let end: number;
  let ipVersion: 4 | 6;
  let src: Uint8Array;
  let dst: Uint8Array;
  let ttl: number;
  let ipChecksumOk = true;
  if (eth.value.header.etherType === 0x0800) {
    const ip = decodeIpv4(frame, off, frame.length);
    if (!ip.ok) throw new Error(`bad ipv4: ${ip.reason}`);
    ipChecksumOk = checksum(frame, off, 20) === 0;
    ({ payloadOffset: l4, payloadEnd: end } = ip.value);
    ({ src, dst, ttl } = ip.value.header);
    ipVersion = 4;
  } else {
    const ip = decodeIpv6(frame, off, frame.length);
    if (!ip.ok) throw new Error(`bad ipv6: ${ip.reason}`);
    ({ payloadOffset: l4, payloadEnd: end } = ip.value);
    ({ src, dst } = ip.value.header);
    ttl = ip.value.header.hopLimit;
    ipVersion = 6;
  }
  const t = decodeTcp(frame, l4, end);
  if (!t.ok) throw new Error(`bad tcp: ${t.reason}`);
  const tcpChecksumOk = transportChecksum(frame, off, ipVersion, 6, l4, end - l4) === 0;
  const options = decodeTcpOptions(t.value.header.options, 0, t.value.header.options.length).options;
  return {
    eth: eth.value.header, ipVersion, src, dst, ttl, tcp: t.value.header, options,
    payloadLen: end - t.value.payloadOffset, ipChecksumOk, tcpChecksumOk, tcpOffset: l4,
  };
}
