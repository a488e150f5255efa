// What a greeted flow's dialogue said, in one growing buffer that is both the send buffer (our sequence number of
// byte i is the greeting's base + i, and retransmissions read from it) and the record's `dialogue.server`; and the
// order of the turns. Bounded: past MAX_SERVER_BYTES the dialogue is cut short (the greeter then closes).

import type { Output } from '../dialogue/dialogue.ts';
import { MAX_TURNS, type Turn, type TurnSide } from '../record/dialogue.ts';

/** Bytes a dialogue may send per connection; real sessions stay far below (an SSH greeting is about 1.2 KB). */
export const MAX_SERVER_BYTES = 8192;

export class Transcript implements Output {
  #buf = new Uint8Array(256);
  #len = 0;
  readonly #turns: [TurnSide, number][] = [];
  #pendingServer = 0;
  turnsTruncated = false;
  /** The dialogue tried to say more than MAX_SERVER_BYTES. */
  overflow = false;
  /** Where the greeting paused (Output.pause), -1 when it did not, and for how long. */
  pauseAt = -1;
  pauseMs = 0;

  get length(): number {
    return this.#len;
  }

  /** Memory held (for the responder's byte cap). */
  get capacity(): number {
    return this.#buf.length;
  }

  /** The bytes [from, to) (a view: copy what outlives the call). */
  view(from: number, to: number): Uint8Array {
    return this.#buf.subarray(from, to);
  }

  bytes(data: Uint8Array): void {
    const n = this.#room(data.length);
    this.#buf.set(n === data.length ? data : data.subarray(0, n), this.#len);
    this.#wrote(n);
  }

  text(s: string): void {
    const n = this.#room(s.length);
    for (let i = 0; i < n; i++) this.#buf[this.#len + i] = s.charCodeAt(i) & 0xff;
    this.#wrote(n);
  }

  /** How much of `want` bytes fits (the rest is the overflow), with the buffer grown to hold it. */
  #room(want: number): number {
    const room = MAX_SERVER_BYTES - this.#len;
    const n = want <= room ? want : room;
    if (n < want) this.overflow = true;
    this.#reserve(this.#len + n);
    return n;
  }

  #wrote(n: number): void {
    this.#len += n;
    this.#pendingServer += n;
  }

  pause(ms: number): void {
    if (this.pauseAt >= 0) return;
    this.pauseAt = this.#len;
    this.pauseMs = ms;
  }

  /** Client bytes arrive: what the server said so far is a turn before them. */
  beforeClient(): void {
    this.#flushServer();
  }

  /** `n` client bytes were read (after `beforeClient`; what the server said while reading them follows them). */
  client(n: number): void {
    if (n > 0) this.#push('c', n);
  }

  /** The turns, with the server's side cut at `sent` bytes (what was never sent is not part of the dialogue). */
  turns(sent: number): Turn[] {
    this.#flushServer();
    const out: Turn[] = [];
    let server = 0;
    for (const [side, n] of this.#turns) {
      if (side === 'c') out.push([side, n]);
      else if (server < sent) {
        const k = Math.min(n, sent - server);
        server += k;
        out.push([side, k]);
      }
    }
    return out;
  }

  #flushServer(): void {
    if (this.#pendingServer === 0) return;
    this.#push('s', this.#pendingServer);
    this.#pendingServer = 0;
  }

  #push(side: TurnSide, n: number): void {
    const last = this.#turns[this.#turns.length - 1];
    if (last && last[0] === side) {
      last[1] += n;
      return;
    }
    if (this.#turns.length >= MAX_TURNS) {
      this.turnsTruncated = true;
      return;
    }
    this.#turns.push([side, n]);
  }

  #reserve(n: number): void {
    if (n <= this.#buf.length) return;
    let cap = this.#buf.length;
    while (cap < n) cap *= 2;
    const b = new Uint8Array(Math.min(cap, MAX_SERVER_BYTES));
    b.set(this.#buf.subarray(0, this.#len));
    this.#buf = b;
  }
}
