// Bounded counting of frequent keys (top sources, user agents, paths), a batched relative of Space-Saving
// (Metwally et al., ICDT 2005) and Misra–Gries: counts are exact until 2 × capacity distinct keys were seen;
// then the lower half of the table (by upper bound) is dropped in one pass and the largest dropped bound becomes
// the `floor`. A key seen again later starts over with `error = floor` (it may have had up to floor
// occurrences before). So, at any time:
//   - a held key's true count is in [count - error, count] (count is an upper bound);
//   - a key not held occurred at most `floor` times (every key above the floor is held).
// Batching keeps the cost per add to one Map lookup (a heap-based Space-Saving spent most of the report's time
// re-ordering its heap on 300,000 distinct sources).

export interface TopEntry {
  readonly key: string;
  /** Upper bound of the true count (exact when `error` is 0). */
  readonly count: number;
  /** count - error is a lower bound of the true count. */
  readonly error: number;
}

interface Slot {
  /** Occurrences since the key was (re)inserted. */
  count: number;
  /** Possible occurrences before (re)insertion (the floor when it was inserted). */
  readonly error: number;
}

export class TopCounter {
  /** Keys kept after a prune; the table holds at most twice this many. */
  readonly capacity: number;
  // One lookup per add: the slot is mutated in place.
  readonly #slots = new Map<string, Slot>();
  #floor = 0;
  #total = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
  }

  /** True once keys were dropped: counts are then upper bounds (see `error`). */
  get approximate(): boolean {
    return this.#floor > 0;
  }

  /** Keys held (= exact number of distinct keys seen while not approximate). */
  get size(): number {
    return this.#slots.size;
  }

  /** Sum of all counts added. */
  get total(): number {
    return this.#total;
  }

  /** Largest possible over-estimate of a held count, and most occurrences a key not held can have had. */
  get maxError(): number {
    return this.#floor;
  }

  add(key: string, n = 1): void {
    this.#total += n;
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      slot.count += n;
      return;
    }
    this.#slots.set(key, { count: n, error: this.#floor });
    if (this.#slots.size >= 2 * this.capacity) this.#prune();
  }

  /** Drops every key whose upper bound is at or below the median bound (at least half of them). */
  #prune(): void {
    const bounds = new Float64Array(this.#slots.size);
    let i = 0;
    for (const s of this.#slots.values()) bounds[i++] = s.count + s.error;
    const cut = select(bounds, bounds.length - this.capacity); // the capacity-th largest bound
    for (const [k, s] of this.#slots) if (s.count + s.error <= cut) this.#slots.delete(k);
    if (cut > this.#floor) this.#floor = cut;
  }

  /** The n largest counts, highest first (ties by key, for stable output). */
  top(n: number): TopEntry[] {
    const all: TopEntry[] = [];
    for (const [key, s] of this.#slots) all.push({ key, count: s.count + s.error, error: s.error });
    all.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return all.slice(0, Math.max(0, n));
  }
}

/** The k-th smallest value (0-based) of a, reordering a in place (Hoare's quickselect). */
export function select(a: Float64Array, k: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
