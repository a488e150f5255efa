// A forward-only read window over a file, for scanning files that may be larger than memory should hold:
// `ensure` reads ahead, `discard` forgets what was consumed.

import type { FileHandle } from 'node:fs/promises';

const CHUNK = 4 * 1024 * 1024;

export class FileWindow {
  readonly #fh: FileHandle;
  readonly size: number;
  #buf: Buffer = Buffer.alloc(0);
  /** File offset of #buf[0]. */
  #start = 0;

  constructor(fh: FileHandle, size: number) {
    this.#fh = fh;
    this.size = size;
  }

  /** Reads until the window covers [.., end) or the file ends; returns the window's end offset. */
  async ensure(end: number): Promise<number> {
    const want = Math.min(end, this.size);
    while (this.#start + this.#buf.length < want) {
      const from = this.#start + this.#buf.length;
      const n = Math.min(this.size - from, Math.max(CHUNK, want - from));
      const chunk = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await this.#fh.read(chunk, got, n - got, from + got);
        if (bytesRead === 0) break; // the file shrank under us: treat as its end
        got += bytesRead;
      }
      this.#buf = this.#buf.length === 0 ? chunk.subarray(0, got) : Buffer.concat([this.#buf, chunk.subarray(0, got)]);
      if (got < n) {
        (this as { size: number }).size = from + got;
        break;
      }
    }
    return this.#start + this.#buf.length;
  }

  /** Bytes [from, end) of the file, as far as they are in the window. Valid until the next ensure/discard. */
  view(from: number, end = this.#start + this.#buf.length): Buffer {
    if (from < this.#start) throw new RangeError(`offset ${from} was discarded`);
    return this.#buf.subarray(from - this.#start, Math.max(from, end) - this.#start);
  }

  /** Forgets everything before `offset`. */
  discard(offset: number): void {
    if (offset <= this.#start) return;
    const cut = Math.min(offset - this.#start, this.#buf.length);
    // a view: the next `ensure` copies only the rest into a new buffer, so memory stays bounded by the window
    this.#buf = this.#buf.subarray(cut);
    this.#start += cut;
  }
}
