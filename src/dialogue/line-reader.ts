// Client lines, one byte at a time, in a fixed buffer: an endless line costs MAX_LINE bytes, never more (the
// rest of it is counted). Text protocols end lines with CR LF (RFC 5321 2.3.8, RFC 959 4.1, RFC 1939 3); bare LF
// is accepted as real servers do. Telnet (RFC 854, "The NVT printer and keyboard") ends a line with CR LF or
// CR NUL, and character-mode clients send a lone CR: with `crEnds`, CR ends the line and a following LF or NUL is
// skipped.

import { MAX_LINE } from './dialogue.ts';

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

export class LineReader {
  readonly #buf = new Uint8Array(MAX_LINE);
  readonly #crEnds: boolean;
  #len = 0;
  #overflow = 0;
  #skipAfterCr = false;
  /** Bytes of the last line returned that did not fit. */
  lastOverflow = 0;

  constructor(opts: { crEnds?: boolean } = {}) {
    this.#crEnds = opts.crEnds === true;
  }

  /** Bytes of the line being read (kept or not). */
  get pending(): number {
    return this.#len + this.#overflow;
  }

  /** Feeds one byte; returns the line it ended (without its terminator), else null. */
  push(b: number): string | null {
    if (this.#skipAfterCr) {
      this.#skipAfterCr = false;
      if (b === LF || b === NUL) return null;
    }
    if (b === LF) return this.#end();
    if (b === CR && this.#crEnds) {
      this.#skipAfterCr = true;
      return this.#end();
    }
    if (this.#len < MAX_LINE) this.#buf[this.#len++] = b;
    else this.#overflow++;
    return null;
  }

  /** Removes the last byte kept (a backspace typed on a terminal). */
  erase(): boolean {
    if (this.#overflow > 0) {
      this.#overflow--;
      return true;
    }
    if (this.#len === 0) return false;
    this.#len--;
    return true;
  }

  /** Forgets the line being read (a terminal's kill-line). */
  clear(): void {
    this.#len = 0;
    this.#overflow = 0;
  }

  #end(): string {
    let n = this.#len;
    // CR LF: the CR is part of the terminator (without crEnds it was stored)
    if (!this.#crEnds && this.#overflow === 0 && n > 0 && this.#buf[n - 1] === CR) n--;
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.#buf[i]!);
    this.lastOverflow = this.#overflow;
    this.#len = 0;
    this.#overflow = 0;
    return s;
  }
}
