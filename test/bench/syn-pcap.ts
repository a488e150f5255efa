// Generates a pcap of N TCP SYNs from random (spoofed) sources to random ports of one target, as a masscan/zmap
// burst or a spoofed flood looks on the wire. Deterministic for a seed.

import { writeFileSync } from 'node:fs';
import { parseIp } from '../../src/wire/address.ts';
import { encodeEthernet, parseMac } from '../../src/wire/ethernet.ts';
import { encodeIpv4 } from '../../src/wire/ipv4.ts';
import { encodeTcp, encodeTcpOptions } from '../../src/wire/tcp.ts';
import { setTransportChecksum } from '../../src/wire/transport-checksum.ts';

export interface SynPcapSpec {
  readonly count: number;
  readonly dstIp: string;
  readonly dstMac: string;
  readonly srcMac: string;
  /** Ports never used as destination (the sensor's excluded ports). */
  readonly excludePorts?: readonly number[];
  /** Every source distinct (true) or drawn at random. */
  readonly distinctSources?: boolean;
  /** Destination ports drawn from this list instead of 1-65535 (e.g. the greeted ports). */
  readonly ports?: readonly number[];
  readonly seed?: number;
}

/** xorshift32: fast, deterministic. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const LINUX_OPTS = encodeTcpOptions([{ kind: 'mss', value: 1460 }, { kind: 'sok' }, { kind: 'ts', value: 12345, echo: 0 }, { kind: 'nop' }, { kind: 'ws', shift: 7 }]);
const NMAP_OPTS = encodeTcpOptions([{ kind: 'mss', value: 1460 }]);

/** A public unicast IPv4 source in 11.0.0.0-123.255.255.255 (clear of 0/8, 10/8, 127/8, multicast, reserved). */
function sourceAddress(n: number): number {
  return (0x0b000000 + (n % 0x70000000)) >>> 0;
}

export function writeSynPcap(path: string, spec: SynPcapSpec): void {
  const next = rng(spec.seed ?? 1);
  const dst = parseIp(spec.dstIp)!;
  const dstMac = parseMac(spec.dstMac)!;
  const srcMac = parseMac(spec.srcMac)!;
  const excluded = new Set(spec.excludePorts ?? []);
  const frameMax = 14 + 20 + 40;
  const rec = 16 + frameMax;
  const out = Buffer.alloc(24 + spec.count * rec);
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(65535, 16);
  out.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  let p = 24;
  const src = new Uint8Array(4);
  const frame = Buffer.alloc(frameMax);
  for (let i = 0; i < spec.count; i++) {
    const s = spec.distinctSources ? sourceAddress((i * 7919) % 0x70000000) : sourceAddress(next());
    src[0] = s >>> 24; src[1] = (s >>> 16) & 0xff; src[2] = (s >>> 8) & 0xff; src[3] = s & 0xff;
    let dport = spec.ports ? spec.ports[next() % spec.ports.length]! : (next() % 65535) + 1;
    while (!spec.ports && excluded.has(dport)) dport = (dport % 65535) + 1;
    const sport = (next() % 64512) + 1024;
    // two thirds look like Linux clients, one third like nmap/masscan probes
    const opts = i % 3 === 2 ? NMAP_OPTS : LINUX_OPTS;
    let q = encodeEthernet({ dst: dstMac, src: srcMac, etherType: 0x0800 }, frame, 0);
    const l4Len = 20 + opts.length;
    q += encodeIpv4({ tos: 0, totalLength: 20 + l4Len, id: next() & 0xffff, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 40 + (next() % 24), protocol: 6, src, dst, options: new Uint8Array(0) }, frame, q);
    encodeTcp({ srcPort: sport, dstPort: dport, seq: next(), ack: 0, flags: 0x02, window: opts === NMAP_OPTS ? 1024 : 64240, checksum: 0, urgent: 0, options: opts }, frame, q);
    setTransportChecksum(frame, 14, 4, 6, q, l4Len, q + 16);
    const len = q + l4Len;
    out.writeUInt32LE(Math.floor(i / 1_000_000), p);
    out.writeUInt32LE(i % 1_000_000, p + 4);
    out.writeUInt32LE(len, p + 8);
    out.writeUInt32LE(len, p + 12);
    frame.copy(out, p + 16, 0, len);
    p += 16 + len;
  }
  writeFileSync(path, out.subarray(0, p));
}
