// A SYN never followed by the handshake's ACK (state "syn"), as the record pipeline receives it. A flood leaves
// tens of thousands of these waiting to be written at once (the pending-SYN table's 65,536 when it overflows), so
// each keeps only what its record needs of the stored SYN — the bytes from the IP source address to the end of the
// TCP options, as a one-byte string (a string is a third of the memory of the smallest typed array) — and a few
// numbers (about 250 bytes; a plain FinishedFlow with its own address arrays and fingerprint object was 650), and
// the record's values are made when it is built.

import type { CapturedFrame } from './captured-frame.ts';
import { fingerprintOf, readSynFields, type FinishedFlow, type SynFields } from './finished-flow.ts';
import type { EndReason, SynFingerprint } from './flow-record.ts';
import { describeTcpOptionBytes } from '../wire/tcp.ts';

const EMPTY = new Uint8Array(0);
const FIELDS: SynFields = { ttl: 0, ipId: 0, window: 0, l4: 0, hlen: 0, addrOff: 0, addrLen: 0 };

export class SynOnlyFlow implements FinishedFlow {
  /** The SYN's bytes from the IP source address to the end of the TCP header, one character per byte. */
  readonly #bytes: string;
  /** Where the TCP options start in #bytes. */
  readonly #optAt: number;
  readonly #addrLen: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly packets: number;
  readonly endReason: EndReason;
  readonly frames: readonly CapturedFrame[] | undefined;
  readonly #ttl: number;
  readonly #ipId: number;
  readonly #window: number;
  #syn: SynFingerprint | undefined;

  private constructor(bytes: string, addrLen: number, f: SynFields, frame: Uint8Array, firstMs: number, lastMs: number, packets: number, endReason: EndReason, frames: readonly CapturedFrame[] | undefined) {
    this.#bytes = bytes;
    this.#optAt = f.l4 + 20 - f.addrOff;
    this.#addrLen = addrLen;
    this.srcPort = (frame[f.l4]! << 8) | frame[f.l4 + 1]!;
    this.dstPort = (frame[f.l4 + 2]! << 8) | frame[f.l4 + 3]!;
    this.firstMs = firstMs;
    this.lastMs = lastMs;
    this.packets = packets;
    this.endReason = endReason;
    this.frames = frames;
    this.#ttl = f.ttl;
    this.#ipId = f.ipId;
    this.#window = f.window;
    this.#syn = undefined;
  }

  /** From a stored SYN frame (read now, not kept); undefined if it does not decode as a TCP SYN. */
  static fromFrame(frame: Uint8Array, firstMs: number, lastMs: number, packets: number, endReason: EndReason, frames?: readonly CapturedFrame[]): SynOnlyFlow | undefined {
    const f = FIELDS;
    if (!readSynFields(frame, f)) return undefined;
    const bytes = Buffer.from(frame.buffer, frame.byteOffset + f.addrOff, f.l4 + f.hlen - f.addrOff).toString('latin1');
    return new SynOnlyFlow(bytes, f.addrLen, f, frame, firstMs, lastMs, packets, endReason, frames);
  }

  get proto(): 'tcp' {
    return 'tcp';
  }
  get ipVersion(): 4 | 6 {
    return this.#addrLen === 16 ? 6 : 4;
  }
  get src(): Uint8Array {
    return this.#addr(0);
  }
  get dst(): Uint8Array {
    return this.#addr(this.#addrLen);
  }
  get state(): 'syn' {
    return 'syn';
  }
  get payload(): Uint8Array {
    return EMPTY;
  }
  get truncated(): boolean {
    return false;
  }
  get segments(): number {
    return 0;
  }
  get syn(): SynFingerprint {
    if (this.#syn === undefined) {
      const opts = Buffer.from(this.#bytes.slice(this.#optAt), 'latin1');
      this.#syn = fingerprintOf(this.#ttl, this.#window, this.#ipId, describeTcpOptionBytes(opts, 0, opts.length), this.packets);
    }
    return this.#syn;
  }

  #addr(at: number): Uint8Array {
    const out = new Uint8Array(this.#addrLen);
    for (let i = 0; i < out.length; i++) out[i] = this.#bytes.charCodeAt(at + i);
    return out;
  }
}
