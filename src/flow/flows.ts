// Per-flow state of acked TCP connections and UDP flows. Created only after a valid handshake (TCP) or for a
// datagram to a monitored port (UDP); capped in number and bytes by the responder.

import type { CapturedFrame } from '../record/captured-frame.ts';
import type { ClientMessage, FinishedFlow } from '../record/finished-flow.ts';
import type { EndReason, SynFingerprint } from '../record/flow-record.ts';
import type { Greeting } from './greeting.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { concatChunks, copyBytes } from '../wire/bytes.ts';

/** Frames kept per flow for pcap archives at most; later frames are counted, not kept. */
export const MAX_FRAMES_PER_FLOW = 256;

/** The 4-tuple as bytes: src address, dst address (4 or 16 bytes each), src port, dst port. */
export function tupleKey(buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, srcPort: number, dstPort: number): Uint8Array {
  const k = new Uint8Array(addrLen * 2 + 4);
  for (let i = 0; i < addrLen; i++) {
    k[i] = buf[srcOff + i]!;
    k[addrLen + i] = buf[dstOff + i]!;
  }
  const p = addrLen * 2;
  k[p] = srcPort >> 8;
  k[p + 1] = srcPort & 0xff;
  k[p + 2] = dstPort >> 8;
  k[p + 3] = dstPort & 0xff;
  return k;
}

export function sameTuple(key: Uint8Array, buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, srcPort: number, dstPort: number): boolean {
  if (key.length !== addrLen * 2 + 4) return false;
  for (let i = 0; i < addrLen; i++) {
    if (key[i] !== buf[srcOff + i] || key[addrLen + i] !== buf[dstOff + i]) return false;
  }
  const p = addrLen * 2;
  return ((key[p]! << 8) | key[p + 1]!) === srcPort && ((key[p + 2]! << 8) | key[p + 3]!) === dstPort;
}

/** The endpoints held in a tuple key. */
export function tupleOf(key: Uint8Array): { src: Uint8Array; dst: Uint8Array; srcPort: number; dstPort: number } {
  const al = key.length === 12 ? 4 : 16;
  return {
    src: key.slice(0, al),
    dst: key.slice(al, al * 2),
    srcPort: (key[al * 2]! << 8) | key[al * 2 + 1]!,
    dstPort: (key[al * 2 + 2]! << 8) | key[al * 2 + 3]!,
  };
}

abstract class BaseFlow {
  readonly key: Uint8Array;
  readonly ipVersion: 4 | 6;
  readonly firstMs: number;
  lastMs: number;
  packets = 0;
  segments = 0;
  /** Buffered bytes last reported to the responder's total. */
  accounted = 0;
  readonly frames: CapturedFrame[] | undefined;
  framesDropped = 0;
  /** Bytes held in `frames`. */
  protected framesBytes = 0;

  constructor(key: Uint8Array, ipVersion: 4 | 6, firstMs: number, keepFrames: boolean) {
    this.key = key;
    this.ipVersion = ipVersion;
    this.firstMs = firstMs;
    this.lastMs = firstMs;
    this.frames = keepFrames ? [] : undefined;
  }

  abstract get bufferedBytes(): number;

  keepFrame(tsMs: number, buf: Uint8Array, len: number): void {
    if (!this.frames) return;
    if (this.frames.length >= MAX_FRAMES_PER_FLOW) {
      this.framesDropped++;
      return;
    }
    this.frames.push({ tsMs, data: copyBytes(buf, 0, len) });
    this.framesBytes += len;
  }
}

/** Client messages kept per flow at most (a long session's later messages are inspected as part of the last). */
const MAX_MESSAGES = 64;

export class TcpFlow extends BaseFlow {
  readonly stream: StreamBuffer;
  /** Our next sequence number (cookie + 1, + 1 after our FIN). */
  sndNxt: number;
  readonly clientIsn: number;
  /** Both sides agreed on window scaling (RFC 7323 section 2.2): our window field is then shifted. */
  readonly windowScaled: boolean;
  readonly syn: SynFingerprint | undefined;
  /** The client's FIN was answered and the record emitted; the entry stays to absorb retransmissions. */
  closed = false;
  /** The dialogue of a greeted port (--greet), else undefined. */
  greeting: Greeting | undefined;
  /** Client messages after the first (data after the server spoke): stream offset and first segment's length. */
  #messages: ClientMessage[] | undefined;

  constructor(key: Uint8Array, ipVersion: 4 | 6, firstMs: number, keepFrames: boolean, clientIsn: number, sndNxt: number, windowScaled: boolean, maxPayload: number, syn: SynFingerprint | undefined) {
    super(key, ipVersion, firstMs, keepFrames);
    this.clientIsn = clientIsn >>> 0;
    this.sndNxt = sndNxt >>> 0;
    this.windowScaled = windowScaled;
    this.stream = new StreamBuffer((clientIsn + 1) >>> 0, maxPayload);
    this.syn = syn;
  }


  /**
   * The client resumed sending after the server spoke, with a segment at `seq` of `len` bytes: a new message
   * starts there (community rules inspect each one as Suricata inspects each stream chunk).
   */
  markMessage(seq: number, len: number): void {
    const offset = (seq - this.clientIsn - 1) >>> 0;
    if (offset === 0 || offset >= this.stream.limit) return;
    const m = (this.#messages ??= []);
    if (m.length < MAX_MESSAGES && (m.length === 0 || m[m.length - 1]!.offset < offset)) m.push({ offset, dsize: len });
  }

  get bufferedBytes(): number {
    return this.stream.bufferedBytes + this.framesBytes + (this.greeting?.bufferedBytes ?? 0);
  }

  /** The flow as the record pipeline takes it (an `acked` record). */
  finished(reason: EndReason): FinishedFlow {
    return {
      proto: 'tcp',
      ipVersion: this.ipVersion,
      ...tupleOf(this.key),
      state: 'acked',
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      payload: this.stream.payload(),
      truncated: this.stream.truncated,
      firstDataLen: this.stream.firstSegmentLen,
      ...(this.#messages ? { messages: this.#messages } : {}),
      packets: this.packets + (this.syn?.syn_count ?? 0),
      segments: this.segments,
      endReason: reason,
      ...(this.syn ? { syn: this.syn } : {}),
      ...(this.frames ? { frames: this.frames } : {}),
      ...(this.greeting ? { dialogue: this.greeting.finished() } : {}),
    };
  }
}

export class UdpFlow extends BaseFlow {
  readonly #chunks: Uint8Array[] = [];
  #stored = 0;
  overflow = 0;
  /** Length of the first datagram (Suricata's dsize). */
  firstDatagramLen = -1;
  readonly #max: number;

  constructor(key: Uint8Array, ipVersion: 4 | 6, firstMs: number, keepFrames: boolean, maxPayload: number) {
    super(key, ipVersion, firstMs, keepFrames);
    this.#max = maxPayload;
  }

  add(buf: Uint8Array, off: number, len: number): void {
    if (this.firstDatagramLen < 0) this.firstDatagramLen = len;
    const room = this.#max - this.#stored;
    const keep = len < room ? len : room;
    if (keep > 0) {
      this.#chunks.push(copyBytes(buf, off, off + keep));
      this.#stored += keep;
    }
    this.overflow += len - keep;
  }


  get bufferedBytes(): number {
    return this.#stored + this.framesBytes;
  }

  get truncated(): boolean {
    return this.overflow > 0;
  }

  payload(): Uint8Array {
    return concatChunks(this.#chunks, this.#stored);
  }

  /** The flow as the record pipeline takes it (a `udp` record). */
  finished(reason: EndReason): FinishedFlow {
    return {
      proto: 'udp',
      ipVersion: this.ipVersion,
      ...tupleOf(this.key),
      state: 'udp',
      firstMs: this.firstMs,
      lastMs: this.lastMs,
      payload: this.payload(),
      truncated: this.truncated,
      firstDataLen: Math.max(0, this.firstDatagramLen),
      packets: this.packets,
      segments: this.segments,
      endReason: reason,
      ...(this.frames ? { frames: this.frames } : {}),
    };
  }
}
