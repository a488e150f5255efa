// A clock for tests of code that waits (backoff, rate limits, deadlines): `now` only moves when the code sleeps
// or the test advances it, and every requested sleep is recorded, so tests assert on the delays the code chose
// instead of on wall-clock gaps.
import type { SenderClock } from '../../src/sinks/alerts/http-sender.ts';

export class FakeClock implements SenderClock {
  #now: number;
  /** Every sleep requested, in ms, in order. */
  readonly sleeps: number[] = [];

  constructor(startMs = 1_800_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  /** Yields to the event loop once (so I/O in flight can progress), then jumps the clock by `ms`. */
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal.aborted) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#now += Math.max(0, ms);
  }
}
