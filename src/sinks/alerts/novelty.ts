// "Seen for the first time in a window": last-seen time per key (a label id, a payload shape), in a Map kept in
// least-recently-seen order (re-inserted on each sighting) and capped, the oldest key going first. An evicted key
// alerts again when it comes back: the cap bounds memory, at the price of a repeat alert for something quiet.

export class NoveltyWindow {
  readonly #windowMs: number;
  readonly #max: number;
  readonly #lastSeen = new Map<string, number>();
  evictions = 0;

  constructor(windowMs: number, maxKeys: number) {
    if (maxKeys < 1) throw new RangeError('maxKeys must be at least 1');
    this.#windowMs = windowMs;
    this.#max = maxKeys;
  }

  get size(): number {
    return this.#lastSeen.size;
  }

  /** Records a sighting; true when the key was not seen within the window before it. O(1). */
  touch(key: string, nowMs: number): boolean {
    const last = this.#lastSeen.get(key);
    if (last !== undefined) this.#lastSeen.delete(key);
    else if (this.#lastSeen.size >= this.#max) {
      const oldest = this.#lastSeen.keys().next();
      if (!oldest.done) this.#lastSeen.delete(oldest.value);
      this.evictions++;
    }
    this.#lastSeen.set(key, nowMs);
    return last === undefined || nowMs - last > this.#windowMs;
  }
}
