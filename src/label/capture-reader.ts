// Reads a capture file (pcap or pcapng, optionally gzip-compressed) as a stream and hands each packet to the
// caller as an Ethernet frame, the form the sensor's decoder takes. Files of any size: the reader holds one chunk
// and at most one record beyond it. A damaged or truncated file stops the read with a CaptureFileError naming the
// file and the byte offset, after every packet before it was delivered.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { CaptureFileError } from '../errors.ts';
import {
  createCaptureState, decodeCaptureStep, linkPayload, LINKTYPE_ETHERNET, MAX_CAPTURE_RECORD, type CapturePacket,
} from '../wire/capture-file.ts';

export interface CaptureSink {
  /** One packet as an Ethernet frame: frame[0, len) is valid only during the call (the buffer is reused). */
  onPacket(frame: Uint8Array, len: number, tsMs: number): void;
  /** After each chunk: bytes of the file read so far (compressed bytes for a .gz file); may wait (backpressure). */
  afterChunk?(bytesRead: number, bytesTotal: number): Promise<void> | void;
}

export interface CaptureSummary {
  readonly packets: number;
  /** Packets of link types we do not read (counted, skipped). */
  readonly skipped: number;
  readonly bytes: number;
}

const CHUNK = 1 << 20;
/** An Ethernet header with zero MACs in front of an IP packet, for link types without one. */
const ETH_HEADER = 14;

export async function readCaptureFile(path: string, sink: CaptureSink): Promise<CaptureSummary> {
  let total: number;
  try {
    total = (await stat(path)).size;
  } catch (err) {
    throw new CaptureFileError(path, 0, `cannot read it: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  const gz = await isGzip(path);
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  let compressedRead = 0;
  raw.on('data', (c: Buffer | string) => { compressedRead += c.length; });
  const stream = gz ? raw.pipe(createGunzip()) : raw;
  const state = createCaptureState();
  const frame = new Uint8Array(ETH_HEADER + MAX_CAPTURE_RECORD);
  let carry: Buffer = Buffer.alloc(0);
  let base = 0; // file offset of carry[0] (of the decompressed stream for .gz)
  let packets = 0;
  let skipped = 0;
  const deliver = (buf: Buffer, p: CapturePacket) => {
    const f = toEthernet(buf, p, frame);
    if (f < 0) {
      skipped++;
      return;
    }
    packets++;
    sink.onPacket(f === 0 ? buf.subarray(p.dataOff, p.dataOff + p.dataLen) : frame, f === 0 ? p.dataLen : f, p.tsMs);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf: Buffer = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      let off = 0;
      for (;;) {
        const r = decodeCaptureStep(buf, off, buf.length, state);
        if (!r.ok) {
          if (r.reason === 'capture.need_more') break;
          throw new CaptureFileError(path, base + off, describe(r.reason));
        }
        if (r.value.packet) deliver(buf, r.value.packet);
        off = r.value.next;
      }
      carry = buf.subarray(off);
      base += off;
      await sink.afterChunk?.(compressedRead, total);
    }
  } catch (err) {
    if (err instanceof CaptureFileError) throw err;
    throw new CaptureFileError(path, base, gz ? `not a complete gzip stream (${(err as Error).message})` : (err as Error).message, { cause: err });
  }
  if (state.format === undefined && base + carry.length === 0) throw new CaptureFileError(path, 0, 'the file is empty');
  if (carry.length > 0) {
    throw new CaptureFileError(path, base, state.format === undefined ? describe('capture.unknown_format') : `truncated: the file ends inside a record (${carry.length} bytes left)`);
  }
  return { packets, skipped, bytes: total };
}

async function isGzip(path: string): Promise<boolean> {
  const s = createReadStream(path, { start: 0, end: 1 });
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
  const b = Buffer.concat(chunks);
  return b.length === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Writes the packet as an Ethernet frame into `out` when it needs a header of ours; returns its length, 0 when the
 * packet already is an Ethernet frame (use it in place), -1 for a link type we do not read.
 */
function toEthernet(buf: Buffer, p: CapturePacket, out: Uint8Array): number {
  if (p.linkType === LINKTYPE_ETHERNET) return 0;
  const lp = linkPayload(p.linkType, buf, p.dataOff, p.dataLen);
  if (lp === null || lp.etherType === 0) return -1;
  const ipLen = Math.min(p.dataOff + p.dataLen - lp.ipOff, out.length - ETH_HEADER);
  out.fill(0, 0, 12);
  out[12] = lp.etherType >> 8;
  out[13] = lp.etherType & 0xff;
  out.set(buf.subarray(lp.ipOff, lp.ipOff + ipLen), ETH_HEADER);
  return ETH_HEADER + ipLen;
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  'capture.unknown_format': 'not a pcap or pcapng file (unknown magic number)',
  'pcap.bad_version': 'a pcap header with a version other than 2.x',
  'pcap.record_too_large': 'a pcap record longer than any capture (damaged data)',
  'pcapng.bad_byte_order': 'a pcapng section header with a bad byte-order magic',
  'pcapng.bad_block_length': 'a pcapng block with an impossible length (damaged data)',
  'pcapng.block_before_section': 'a pcapng block before any section header',
  'pcapng.unknown_interface': 'a pcapng packet for an interface that was never described',
  'pcapng.bad_packet_length': 'a pcapng packet longer than its block',
};

const describe = (reason: string): string => `${DESCRIPTIONS[reason] ?? reason} [${reason}]`;
