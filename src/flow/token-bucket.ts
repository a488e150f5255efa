// Rate limits against reflection. A spoofed SYN flood that names one victim must not become a SYN-ACK flood at
// the victim: every SYN-ACK spends a token from its destination's bucket and from the global bucket.
//
// Per-destination buckets live in a fixed array indexed by a keyed hash of the destination (/32 for IPv4, /64 for
// IPv6), so memory is constant whatever the number of sources: addresses that collide share a budget (the
// limit only gets stricter for them, never looser), and with 65,536 buckets a collision between two active
// addresses is rare.

export class TokenBucket {
  readonly #rate: number; // tokens per ms
  readonly #burst: number;
  #tokens: number;
  #last: number;

  /** `ratePerSecond` 0 disables the bucket (always allows). */
  constructor(ratePerSecond: number, burst: number, nowMs = 0) {
    this.#rate = ratePerSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = nowMs;
  }

  tryTake(nowMs: number): boolean {
    if (this.#rate === 0) return true;
    if (nowMs > this.#last) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (nowMs - this.#last) * this.#rate);
      this.#last = nowMs;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Gives back a token taken by `tryTake` when a later check refused the send. */
  refund(): void {
    if (this.#rate !== 0) this.#tokens = Math.min(this.#burst, this.#tokens + 1);
  }
}

export class BucketArray {
  readonly #rate: number; // tokens per ms
  readonly #burst: number;
  readonly #mask: number;
  readonly #tokens: Float64Array;
  readonly #last: Float64Array;

  /** `size` is rounded up to a power of two. `ratePerSecond` 0 disables (always allows). */
  constructor(ratePerSecond: number, burst: number, size = 65536) {
    let n = 1;
    while (n < size) n <<= 1;
    this.#rate = ratePerSecond / 1000;
    this.#burst = burst;
    this.#mask = n - 1;
    this.#tokens = new Float64Array(ratePerSecond === 0 ? 0 : n).fill(burst);
    // a bucket never touched is full: last = -Infinity refills it to the burst on first use
    this.#last = new Float64Array(ratePerSecond === 0 ? 0 : n).fill(-Infinity);
  }

  get enabled(): boolean {
    return this.#rate !== 0;
  }

  /** Takes a token from bucket `hash & mask`. */
  tryTake(hash: number, nowMs: number): boolean {
    if (this.#rate === 0) return true;
    const i = hash & this.#mask;
    const last = this.#last[i]!;
    let t = this.#tokens[i]!;
    if (nowMs > last) {
      t = Math.min(this.#burst, t + (nowMs - last) * this.#rate);
      this.#last[i] = nowMs;
    }
    if (t >= 1) {
      this.#tokens[i] = t - 1;
      return true;
    }
    this.#tokens[i] = t;
    return false;
  }
}
