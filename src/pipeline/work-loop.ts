// Background work (expiring flows, labelling and writing records) in slices of `sliceMs` between capture
// callbacks: libuv polls the capture socket between two setImmediate turns, so a SYN never waits behind more than
// one slice. Expiry runs only while the pipeline keeps up, so what waits, waits in the responder's fixed-size
// tables, not on the heap; a congested sink stops the work until the next tick looks again (no busy loop).

import type { FinishedFlow } from '../record/finished-flow.ts';

/** The part of the record pipeline the loop drives. */
export interface DrainablePipeline {
  readonly blocked: boolean;
  readonly backlog: number;
  enqueue(f: FinishedFlow): void;
  drain(budget: number): number;
}

/** Expires up to `budget` flows that are due at `nowMs`; true when more may be due. */
export type Expire = (nowMs: number, budget: number) => boolean;

export interface WorkLoopOptions {
  readonly pipeline: DrainablePipeline;
  readonly sliceMs: number;
  /** Expiry starts only while fewer records than this wait to be written. */
  readonly maxBacklogForExpiry?: number;
  readonly clock?: { monotonicMs(): number; nowMs(): number };
  readonly defer?: (fn: () => void) => void;
}

const SYSTEM_CLOCK = { monotonicMs: () => performance.now(), nowMs: () => Date.now() };

export class WorkLoop {
  readonly #o: WorkLoopOptions;
  readonly #clock: { monotonicMs(): number; nowMs(): number };
  readonly #defer: (fn: () => void) => void;
  #expire: Expire = () => false;
  #scheduled = false;

  constructor(o: WorkLoopOptions) {
    this.#o = o;
    this.#clock = o.clock ?? SYSTEM_CLOCK;
    this.#defer = o.defer ?? setImmediate;
  }

  /** The responder's expiry (set once the responder exists: it emits into this loop). */
  expireWith(expire: Expire): void {
    this.#expire = expire;
  }

  /** A finished flow from the responder: queued, and a slice scheduled. O(1). */
  readonly enqueue = (f: FinishedFlow): void => {
    this.#o.pipeline.enqueue(f);
    this.schedule();
  };

  /** Schedules one slice unless one is pending (called by the ticker too). */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#defer(this.#run);
  }

  readonly #run = (): void => {
    this.#scheduled = false;
    const { pipeline, sliceMs } = this.#o;
    const maxBacklog = this.#o.maxBacklogForExpiry ?? 256;
    const deadline = this.#clock.monotonicMs() + sliceMs;
    const now = this.#clock.nowMs();
    let more = true;
    while (more && this.#clock.monotonicMs() < deadline) {
      if (pipeline.blocked) return;
      const expiring = pipeline.backlog < maxBacklog ? this.#expire(now, 16) : true;
      const left = pipeline.drain(8);
      more = expiring || left > 0;
    }
    if (more) this.schedule();
  };
}
