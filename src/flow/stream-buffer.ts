// In-order reassembly of one TCP byte stream (RFC 9293 section 3.10.7.4, "segment text"), bounded by the stored
// byte limit and by a receive window for out-of-order data. Sequence numbers are compared modulo 2^32.

import { concatChunks, copyBytes } from '../wire/bytes.ts';

/** Out-of-order data is accepted up to this far beyond the next expected byte (our advertised window). */
export const RECEIVE_WINDOW = 65535;
/** Out-of-order segments held per flow at most. */
export const MAX_OOO_SEGMENTS = 64;

export type SegmentResult = 'in_order' | 'duplicate' | 'out_of_order' | 'out_of_window';

interface Held {
  readonly seq: number;
  readonly data: Uint8Array;
}

export class StreamBuffer {
  /** Next sequence number expected from the client. */
  rcvNxt: number;
  readonly #maxStored: number;
  readonly #chunks: Uint8Array[] = [];
  #stored = 0;
  #held: Held[] = [];
  #heldBytes = 0;
  /** Bytes received beyond the stored limit (ACKed, not kept). */
  overflow = 0;
  /** Payload length of the first data segment offered (Suricata's dsize of the first packet); 0 before one. */
  firstSegmentLen = 0;
  /** Sees every byte as it becomes in order, stored or not (a greeted flow's dialogue reads the stream here). */
  tap: ((buf: Uint8Array, off: number, len: number) => void) | undefined;

  constructor(initialSeq: number, maxStored: number) {
    this.rcvNxt = initialSeq >>> 0;
    this.#maxStored = maxStored;
  }

  /** Bytes held in memory (stored plus out-of-order). */
  get bufferedBytes(): number {
    return this.#stored + this.#heldBytes;
  }

  /** The stored byte limit. */
  get limit(): number {
    return this.#maxStored;
  }

  get storedBytes(): number {
    return this.#stored;
  }

  get truncated(): boolean {
    return this.overflow > 0;
  }

  /**
   * Offers the segment buf[off, off+len) starting at sequence number `seq`. Copies what it keeps (the buffer is
   * the capture library's and is reused for the next packet).
   */
  add(seq: number, buf: Uint8Array, off: number, len: number): SegmentResult {
    if (this.firstSegmentLen === 0) this.firstSegmentLen = len;
    const rel = (seq - this.rcvNxt) | 0;
    if (rel > 0) {
      if (rel + len > RECEIVE_WINDOW || this.#held.length >= MAX_OOO_SEGMENTS) return 'out_of_window';
      // keep at most one copy per start sequence
      for (const h of this.#held) if (h.seq === (seq >>> 0) && h.data.length >= len) return 'duplicate';
      const data = copyBytes(buf, off, off + len);
      this.#held.push({ seq: seq >>> 0, data });
      this.#heldBytes += len;
      return 'out_of_order';
    }
    const skip = -rel;
    if (skip >= len) return 'duplicate';
    this.#append(buf, off + skip, len - skip);
    this.#drainHeld();
    return 'in_order';
  }

  /** Consumes one sequence number for a FIN at `seq`; true when the FIN is in order. */
  acceptFin(seq: number): boolean {
    if ((seq >>> 0) !== this.rcvNxt) return false;
    this.rcvNxt = (this.rcvNxt + 1) >>> 0;
    return true;
  }

  /** The stored bytes, concatenated (a new buffer). */
  payload(): Uint8Array {
    return concatChunks(this.#chunks, this.#stored);
  }


  #append(buf: Uint8Array, off: number, len: number): void {
    this.rcvNxt = (this.rcvNxt + len) >>> 0;
    this.tap?.(buf, off, len);
    const room = this.#maxStored - this.#stored;
    const keep = len < room ? len : room;
    if (keep > 0) {
      this.#chunks.push(copyBytes(buf, off, off + keep));
      this.#stored += keep;
    }
    this.overflow += len - keep;
  }

  #drainHeld(): void {
    if (this.#held.length === 0) return;
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (let i = 0; i < this.#held.length; i++) {
        const h = this.#held[i]!;
        const rel = (h.seq - this.rcvNxt) | 0;
        if (rel > 0) continue;
        this.#held.splice(i, 1);
        this.#heldBytes -= h.data.length;
        const skip = -rel;
        if (skip < h.data.length) this.#append(h.data, skip, h.data.length - skip);
        progressed = true;
        break;
      }
    }
  }
}
