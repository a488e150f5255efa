// Estimated number of distinct strings in fixed memory: HyperLogLog (Flajolet et al. 2007) with 2^14 one-byte
// registers (16 KiB, standard error about 0.8 %), with the small-range (linear counting) correction. Used for
// "distinct sources" once there are too many to count exactly.

const P = 14;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's finaliser to spread the bits. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** murmur3's 32-bit finaliser. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class DistinctCounter {
  readonly #registers = new Uint8Array(M);

  add(s: string): void {
    this.addHash(hash32(s));
  }

  /** Adds an already hashed value (a well-mixed 32-bit hash). */
  addHash(h: number): void {
    const idx = h >>> (32 - P);
    // rank = position of the first 1 bit in the remaining 32 - P bits (1-based), 32 - P + 1 when they are all 0
    const rest = (h << P) >>> 0;
    const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
    if (rank > this.#registers[idx]!) this.#registers[idx] = rank;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.#registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = (ALPHA * M * M) / sum;
    if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(raw);
  }
}
