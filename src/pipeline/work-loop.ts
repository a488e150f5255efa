// Background work (expiring flows, labelling and writing records) in slices of `sliceMs` between capture
// callbacks: libuv polls the capture socket between two setImmediate turns, so a SYN never waits behind more than
// one slice. The clock is read after every record (one record is the unit of work, some 20 µs), so a slice ends
// within one record of its deadline however long the backlog a flood left behind. Expiry runs only while the
// pipeline keeps up, so what waits, waits in the responder's fixed-size tables, not on the heap; a congested sink
// stops the work until the next tick looks again (no busy loop). At shutdown `finish` ends every flow and writes
// every record in slices of STOP_SLICE_MS with a turn of the event loop between them: no long stall, and the
// outputs' writes progress meanwhile.

import type { FinishedFlow } from '../record/finished-flow.ts';

/** The part of the record pipeline the loop drives. */
export interface DrainablePipeline {
  readonly blocked: boolean;
  readonly backlog: number;
  enqueue(f: FinishedFlow): void;
  drain(budget: number, force?: boolean): number;
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

/** Flows expired per step of a slice (cheap: a pending SYN becomes a FinishedFlow). */
const EXPIRE_STEP = 4;
/** Longest slice of the shutdown's work. */
export const STOP_SLICE_MS = 10;

const SYSTEM_CLOCK = { monotonicMs: () => performance.now(), nowMs: () => Date.now() };

export class WorkLoop {
  readonly #o: WorkLoopOptions;
  readonly #clock: { monotonicMs(): number; nowMs(): number };
  readonly #defer: (fn: () => void) => void;
  #expire: Expire = () => false;
  #scheduled = false;
  #stopping = false;

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
    if (this.#slice(this.#o.sliceMs)) this.schedule();
  };

  /**
   * Shutdown: ends every flow with `finishSome` (at most `budget` at a time; true while some are left) and writes
   * every record, congested sinks or not, in slices with a turn of the event loop between them.
   */
  async finish(finishSome: (budget: number) => boolean): Promise<void> {
    this.#stopping = true;
    this.#expire = (_now, budget) => finishSome(budget);
    while (this.#slice(STOP_SLICE_MS)) await new Promise<void>((resolve) => this.#defer(resolve));
  }

  /** One slice: expiry and records, one step at a time, until `ms` have passed; true when work is left. */
  #slice(ms: number): boolean {
    const { pipeline } = this.#o;
    const force = this.#stopping;
    const maxBacklog = this.#o.maxBacklogForExpiry ?? 256;
    const clock = this.#clock;
    const deadline = clock.monotonicMs() + ms;
    const now = clock.nowMs();
    let more: boolean;
    do {
      if (!force && pipeline.blocked) return false;
      const expiring = pipeline.backlog < maxBacklog ? this.#expire(now, EXPIRE_STEP) : true;
      const left = pipeline.drain(1, force);
      more = expiring || left > 0;
    } while (more && clock.monotonicMs() < deadline);
    return more;
  }
}
