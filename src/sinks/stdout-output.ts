// LineOutput over pino's destination (sonic-boom) on a file descriptor: buffered, asynchronous, bounded.

import pino from 'pino';
import type { LineOutput } from './line-output.ts';

export interface FdOutput extends LineOutput {
  /** The destination itself, so the pino logger can share it (one writer: no interleaved half lines). */
  readonly stream: pino.DestinationStream;
  /** Last resort at exit: writes what is buffered synchronously. */
  flushSync(): void;
}

/** `maxBuffered`: bytes held while the reader is slow; beyond it lines are dropped and counted. */
export function openFdOutput(fd: 1 | 2, maxBuffered = 64 * 1024 * 1024): FdOutput {
  const dest = pino.destination({ dest: fd, sync: false, minLength: 4096, maxLength: maxBuffered, periodicFlush: 200 });
  let dropped = 0;
  let queued = 0;
  dest.on('drop', (data: string) => {
    dropped++;
    queued -= Buffer.byteLength(data);
  });
  dest.on('write', (n: number) => {
    queued -= n;
  });
  // EPIPE when the reader went away: nothing more can be shown; keep running (records still reach the archive)
  dest.on('error', () => {});
  return {
    stream: dest,
    write(text) {
      const before = dropped;
      queued += Buffer.byteLength(text);
      dest.write(text);
      return dropped === before;
    },
    flush() {
      return new Promise((resolve) => {
        try {
          dest.flush(() => resolve());
        } catch {
          resolve();
        }
      });
    },
    flushSync() {
      try {
        dest.flushSync();
      } catch {
        // a write in flight: the async flush will finish it
      }
    },
    get dropped() {
      return dropped;
    },
    get backlogBytes() {
      return queued;
    },
  };
}
