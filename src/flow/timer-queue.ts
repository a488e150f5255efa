// Retransmission timers of greeted flows: a binary min-heap on the deadline whose entries know their own position,
// so re-arming and cancelling are O(log n) and each flow is in it at most once (the heap never outgrows the flow
// table). Expiry pops only what is due.

export interface Timed {
  /** ms since the epoch; Infinity when not armed. */
  deadline: number;
  /** Position in the heap, -1 when not in it. */
  heapIndex: number;
}

export class TimerQueue<T extends Timed> {
  readonly #heap: T[] = [];

  get size(): number {
    return this.#heap.length;
  }

  /** The entry due first, or undefined. */
  peek(): T | undefined {
    return this.#heap[0];
  }

  /** Arms (or re-arms) `t` for `deadline`. */
  set(t: T, deadline: number): void {
    if (t.heapIndex >= 0) this.remove(t);
    t.deadline = deadline;
    t.heapIndex = this.#heap.length;
    this.#heap.push(t);
    this.#up(t.heapIndex);
  }

  remove(t: T): void {
    const i = t.heapIndex;
    if (i < 0) return;
    const last = this.#heap.pop()!;
    if (last !== t) {
      this.#heap[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
    t.heapIndex = -1;
    t.deadline = Infinity;
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.deadline <= h[i]!.deadline) break;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.deadline < h[m]!.deadline) m = l;
      if (r < h.length && h[r]!.deadline < h[m]!.deadline) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }

  #swap(a: number, b: number): void {
    const h = this.#heap;
    const x = h[a]!;
    const y = h[b]!;
    h[a] = y;
    h[b] = x;
    x.heapIndex = b;
    y.heapIndex = a;
  }
}
