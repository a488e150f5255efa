// Long builds written once as generators that yield at safe points (a rule parsed, part of an index
// built), run either to completion at once (`drain`: start-up, `synbait label`) or in slices that give the
// thread back (`drainSliced`: a running sensor's reload, where capture callbacks must run every few ms).

/** A build that yields between units of work and returns its result. */
export type Steps<R> = Generator<void, R, void>;

/** How a sliced build shares the thread: it pauses once a slice has run for `sliceMs`. */
export interface CompileSlicing {
  /** Longest run between two pauses (default 4 ms). */
  readonly sliceMs?: number;
  /** How to give the event loop back (default: a macrotask, setImmediate, so pending I/O callbacks run first). */
  readonly yieldTo?: () => Promise<void>;
  /** Milliseconds, monotonic (default performance.now). */
  readonly now?: () => number;
}

export function drain<R>(steps: Steps<R>): R {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export async function drainSliced<R>(steps: Steps<R>, slicing: CompileSlicing = {}): Promise<R> {
  const sliceMs = slicing.sliceMs ?? 4;
  const yieldTo = slicing.yieldTo ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const now = slicing.now ?? (() => performance.now());
  let sliceStart = now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (now() - sliceStart < sliceMs) continue;
    await yieldTo();
    sliceStart = now();
  }
}
