// Splits a byte stream into lines on Buffers, without turning chunks into strings. Lines are handed out as
// (buffer, start, end) views that are only valid during the callback. A line longer than `maxLineBytes` is
// dropped (reported, not buffered), so one corrupt file cannot exhaust memory.

export interface LineHandler {
  /** A line without its "\n". `complete` is false for the last line of the stream when it has no "\n". */
  line(buf: Buffer, start: number, end: number, lineNo: number, complete: boolean): void;
  /** A line over the size cap was skipped. */
  overlong(lineNo: number, bytes: number): void;
}

export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

export class LineSplitter {
  readonly #handler: LineHandler;
  readonly #max: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes of the current line that were dropped because it went over the cap. */
  #dropping = 0;
  #lineNo: number;
  /** Input bytes up to and including the last "\n" seen. */
  #completeBytes = 0;
  #seenBytes = 0;

  /** `firstLineNo`: number of the first line, to continue a count (a salvage pass after a first one). */
  constructor(handler: LineHandler, maxLineBytes = DEFAULT_MAX_LINE_BYTES, firstLineNo = 1) {
    this.#handler = handler;
    this.#max = maxLineBytes;
    this.#lineNo = firstLineNo - 1;
  }

  /** Number of the last line handed out (complete or not, including overlong ones). */
  get lines(): number {
    return this.#lineNo;
  }

  /** Bytes pushed up to and including the last newline: everything before it was handed out as lines. */
  get completeBytes(): number {
    return this.#completeBytes;
  }

  push(chunk: Buffer): void {
    let start = 0;
    const len = chunk.length;
    const base = this.#seenBytes;
    this.#seenBytes += len;
    while (start < len) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.#keep(chunk.subarray(start));
        return;
      }
      this.#completeBytes = base + nl + 1;
      const lineNo = ++this.#lineNo;
      if (this.#dropping > 0) {
        this.#handler.overlong(lineNo, this.#dropping + (nl - start));
        this.#dropping = 0;
      } else if (this.#pendingBytes > 0) {
        if (this.#pendingBytes + (nl - start) > this.#max) {
          this.#handler.overlong(lineNo, this.#pendingBytes + (nl - start));
        } else {
          this.#pending.push(chunk.subarray(start, nl));
          const joined = Buffer.concat(this.#pending, this.#pendingBytes + (nl - start));
          this.#handler.line(joined, 0, joined.length, lineNo, true);
        }
        this.#pending = [];
        this.#pendingBytes = 0;
      } else if (nl - start > this.#max) {
        this.#handler.overlong(lineNo, nl - start);
      } else {
        this.#handler.line(chunk, start, nl, lineNo, true);
      }
      start = nl + 1;
    }
  }

  /** End of stream: hands out a last line without "\n", if any. */
  end(): void {
    if (this.#dropping > 0) {
      this.#handler.overlong(++this.#lineNo, this.#dropping);
    } else if (this.#pendingBytes > 0) {
      const joined = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#handler.line(joined, 0, joined.length, ++this.#lineNo, false);
    }
    this.#dropping = 0;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #keep(rest: Buffer): void {
    if (this.#dropping > 0) {
      this.#dropping += rest.length;
    } else if (this.#pendingBytes + rest.length > this.#max) {
      this.#dropping = this.#pendingBytes + rest.length;
      this.#pending = [];
      this.#pendingBytes = 0;
    } else {
      // Copy: the chunk's memory may be reused by the producer (zlib output buffers are not, but be safe and
      // keep only the small tail rather than pinning a whole large chunk).
      this.#pending.push(Buffer.from(rest));
      this.#pendingBytes += rest.length;
    }
  }
}
