// Reads classic libpcap files (the format tcpdump -w writes): enough for test fixtures and pcap archives.
import { readFileSync } from 'node:fs';
import { encodeFrames, pcapGlobalHeader } from '../../src/sinks/archive/pcap-format.ts';

export interface PcapRecord {
  readonly tsMs: number;
  readonly data: Buffer;
  readonly origLen: number;
}

export function readPcap(path: string): { linkType: number; records: PcapRecord[] } {
  return parsePcap(readFileSync(path));
}

export function parsePcap(buf: Buffer): { linkType: number; records: PcapRecord[] } {
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  let nanos = false;
  if (magic === 0xa1b2c3d4) le = true;
  else if (magic === 0xd4c3b2a1) le = false;
  else if (magic === 0xa1b23c4d) { le = true; nanos = true; }
  else if (magic === 0x4d3cb2a1) { le = false; nanos = true; }
  else throw new Error(`not a pcap file (magic ${magic.toString(16)})`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const records: PcapRecord[] = [];
  for (let p = 24; p + 16 <= buf.length; ) {
    const sec = u32(p);
    const frac = u32(p + 4);
    const incl = u32(p + 8);
    const orig = u32(p + 12);
    if (p + 16 + incl > buf.length) break;
    records.push({ tsMs: sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3), data: buf.subarray(p + 16, p + 16 + incl), origLen: orig });
    p += 16 + incl;
  }
  return { linkType, records };
}

/** A pcap file holding `frames` (timestamps zero), written with the archive's own pcap encoder. */
export function pcapOf(frames: readonly Uint8Array[]): Buffer {
  return Buffer.concat([pcapGlobalHeader(), encodeFrames(frames.map((data) => ({ tsMs: 0, data })))]);
}

/** A pcapng file (one section, one interface of `linkType`, an Enhanced Packet Block per frame, microseconds). */
export function pcapngOf(frames: readonly Uint8Array[], linkType = 1): Buffer {
  const block = (type: number, body: Buffer) => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const b = Buffer.alloc(12 + padded.length);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(b.length, 4);
    padded.copy(b, 8);
    b.writeUInt32LE(b.length, b.length - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.fill(0xff, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(linkType, 0);
  idb.writeUInt32LE(262144, 4);
  const epbs = frames.map((f, i) => {
    const body = Buffer.alloc(20 + f.length);
    body.writeUInt32LE(0, 0);
    body.writeUInt32LE(0, 4);
    body.writeUInt32LE(1_000_000 + i, 8);
    body.writeUInt32LE(f.length, 12);
    body.writeUInt32LE(f.length, 16);
    body.set(f, 20);
    return block(6, body);
  });
  return Buffer.concat([block(0x0a0d0d0a, shb), block(1, idb), ...epbs]);
}
