// LineOutput on a file descriptor (stdout, stderr): lines are encoded straight into reused 64 KiB chunks and handed
// to the operating system by asynchronous writev calls, several chunks at a time, so a burst of records costs one
// copy per line and no garbage (pino's sonic-boom re-measured its whole pending string on every write: some 15 KB
// of garbage per record, the collector pauses that delayed SYN-ACKs while a flood's records were written). One
// writer serves the records and pino's log lines, so the two never interleave mid-line. Bounded: beyond
// `maxBuffered` bytes waiting (a stalled `docker logs` or pipe) lines are dropped and counted.

import { write as fsWrite, writeSync, writev as fsWritev } from 'node:fs';
import type { LineOutput } from './line-output.ts';

export interface FdOutput extends LineOutput {
  /** What the pino logger writes to (the same writer: no interleaved half lines). */
  readonly stream: { write(text: string): boolean };
  /** Last resort at exit: writes what is buffered synchronously (nothing while an asynchronous write is in flight). */
  flushSync(): void;
}

/** The system calls the writer makes (a test can stand in for the descriptor). */
export interface FdWriter {
  writev(fd: number, chunks: Buffer[], cb: (err: NodeJS.ErrnoException | null, written: number) => void): void;
  writeSync(fd: number, chunk: Buffer): number;
}

const NODE_FS: FdWriter = {
  writev: (fd, chunks, cb) => (chunks.length === 1 ? fsWrite(fd, chunks[0]!, 0, chunks[0]!.length, null, cb) : fsWritev(fd, chunks, null, cb)),
  writeSync: (fd, chunk) => writeSync(fd, chunk),
};

export const CHUNK_BYTES = 64 * 1024;
/** Free chunks kept for reuse (more are left to the collector). */
const POOL = 4;
/** Chunks handed to one writev. */
const WRITEV_MAX = 16;
/** Longest wait of a line in a partly filled chunk. */
const PARTIAL_MS = 50;
/** Wait before retrying a write the descriptor refused for now (EAGAIN on a non-blocking pipe). */
const RETRY_MS = 10;

/** `maxBuffered`: bytes held while the reader is slow; beyond it lines are dropped and counted. */
export function openFdOutput(fd: number, maxBuffered = 64 * 1024 * 1024, io: FdWriter = NODE_FS): FdOutput {
  return new ChunkedFdOutput(fd, maxBuffered, io);
}

class ChunkedFdOutput implements FdOutput {
  readonly #fd: number;
  readonly #max: number;
  readonly #io: FdWriter;
  /** Filled chunks (views of their bytes) in order; the first ones may be in flight. */
  #queue: Buffer[] = [];
  #cur: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  #curLen = 0;
  #free: Buffer[] = [];
  /** Bytes accepted and not yet written. */
  #queued = 0;
  /** Chunks of the write in flight (0: none). */
  #inFlight = 0;
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #dead = false;
  #dropped = 0;
  #waiters: (() => void)[] = [];
  readonly stream = { write: (text: string): boolean => this.write(text) };

  constructor(fd: number, maxBuffered: number, io: FdWriter) {
    this.#fd = fd;
    this.#max = maxBuffered;
    this.#io = io;
  }

  get dropped(): number {
    return this.#dropped;
  }

  get backlogBytes(): number {
    return this.#queued;
  }

  write(text: string): boolean {
    return this.#put(text, 0);
  }

  writeLine(text: string): boolean {
    return this.#put(text, 1);
  }

  /** `text` and `nl` newlines (0 or 1). */
  #put(text: string, nl: 0 | 1): boolean {
    if (this.#dead) {
      this.#dropped++;
      return false;
    }
    const room = CHUNK_BYTES - this.#curLen;
    const worst = text.length * 3 + nl;
    if (worst <= room && this.#queued + worst <= this.#max) {
      // fits whatever the characters are (UTF-8 takes at most 3 bytes per UTF-16 unit)
      const n = this.#cur.write(text, this.#curLen, 'utf8') + nl;
      if (nl) this.#cur[this.#curLen + n - 1] = 10;
      this.#curLen += n;
      this.#queued += n;
    } else {
      const n = Buffer.byteLength(text, 'utf8') + nl;
      if (this.#queued + n > this.#max) {
        this.#dropped++;
        return false;
      }
      if (n > room) this.#seal();
      if (n > CHUNK_BYTES) {
        const big = Buffer.allocUnsafe(n);
        big.write(text, 0, 'utf8');
        if (nl) big[n - 1] = 10;
        this.#queue.push(big);
      } else {
        this.#cur.write(text, this.#curLen, 'utf8');
        if (nl) this.#cur[this.#curLen + n - 1] = 10;
        this.#curLen += n;
      }
      this.#queued += n;
    }
    this.#schedule();
    return true;
  }

  flush(): Promise<void> {
    if (this.#queued === 0 || this.#dead) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#schedule();
    });
  }

  flushSync(): void {
    if (this.#inFlight > 0 || this.#dead) return;
    this.#seal();
    try {
      for (const chunk of this.#queue) {
        let off = 0;
        while (off < chunk.length) {
          try {
            off += this.#io.writeSync(this.#fd, off === 0 ? chunk : chunk.subarray(off));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
          }
        }
      }
    } catch {
      this.#kill();
      return;
    }
    this.#queue = [];
    this.#queued = 0;
    this.#settled();
  }

  /** The current chunk joins the queue (if it holds anything). */
  #seal(): void {
    if (this.#curLen === 0) return;
    this.#queue.push(this.#cur.subarray(0, this.#curLen));
    this.#cur = this.#free.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    this.#curLen = 0;
  }

  /**
   * Full chunks go out at once (one writev for all that filled up meanwhile); a partly filled chunk waits up to
   * PARTIAL_MS for more lines, so a flood's records cost a system call per 64 KiB, not one per turn of the loop.
   */
  #schedule(): void {
    if (this.#inFlight > 0 || this.#dead) return;
    if (this.#queue.length > 0 || this.#waiters.length > 0) {
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(this.#kick);
    } else if (this.#curLen > 0 && this.#timer === undefined) {
      this.#timer = setTimeout(this.#partial, PARTIAL_MS);
      this.#timer.unref();
    }
  }

  readonly #partial = (): void => {
    this.#timer = undefined;
    if (this.#inFlight > 0 || this.#dead) return;
    if (this.#queue.length === 0) this.#seal();
    this.#kick();
  };

  readonly #kick = (): void => {
    this.#scheduled = false;
    if (this.#inFlight > 0 || this.#dead) return;
    if (this.#queue.length === 0 && this.#waiters.length > 0) this.#seal();
    if (this.#queue.length === 0) {
      this.#settled();
      return this.#schedule();
    }
    const batch = this.#queue.length <= WRITEV_MAX ? this.#queue.slice() : this.#queue.slice(0, WRITEV_MAX);
    this.#inFlight = batch.length;
    this.#io.writev(this.#fd, batch, this.#written);
  };

  readonly #written = (err: NodeJS.ErrnoException | null, written: number): void => {
    const chunks = this.#inFlight;
    this.#inFlight = 0;
    if (err) {
      if (err.code === 'EAGAIN') {
        this.#scheduled = true;
        setTimeout(this.#kick, RETRY_MS);
        return;
      }
      // EPIPE and the like: the reader is gone; nothing more can be shown (records still reach the archive)
      return this.#kill();
    }
    this.#queued -= written;
    // drop what was written; a partial write leaves the rest of its chunk at the head
    let left = written;
    let done = 0;
    while (done < chunks && left >= this.#queue[0]!.length) {
      left -= this.#queue[0]!.length;
      this.#recycle(this.#queue.shift()!);
      done++;
    }
    if (left > 0) this.#queue[0] = this.#queue[0]!.subarray(left);
    this.#schedule();
  };

  #recycle(chunk: Buffer): void {
    if (chunk.buffer.byteLength === CHUNK_BYTES && this.#free.length < POOL) {
      this.#free.push(Buffer.from(chunk.buffer, 0, CHUNK_BYTES));
    }
  }

  #kill(): void {
    this.#dead = true;
    for (const c of this.#queue) this.#dropped += countLines(c);
    this.#dropped += countLines(this.#cur.subarray(0, this.#curLen));
    this.#queue = [];
    this.#curLen = 0;
    this.#queued = 0;
    this.#settled();
  }

  #settled(): void {
    if (this.#queued !== 0 && !this.#dead) return;
    const w = this.#waiters;
    this.#waiters = [];
    for (const resolve of w) resolve();
  }
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}
