// TopCounter's rules (see top-k.ts) for IPv4 sources, in an open-addressing table of typed arrays keyed by the
// 32-bit address. With hundreds of thousands of distinct sources a Map<string> lookup costs ~600 ns (cache
// misses on its key strings); this table costs a few tens.

import type { TopEntry } from './top-k.ts';
import { select } from './top-k.ts';

/** The address of a canonical dotted quad ("192.0.2.1", no leading zeros), else -1. */
export function parseIpv4(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let value = 0, octet = 0, digits = 0, dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return -1; // leading zero: not canonical
      octet = octet * 10 + (c - 0x30);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

export function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

export class Ipv4TopCounter {
  readonly capacity: number;
  readonly #mask: number;
  readonly #shift: number;
  readonly #keys: Uint32Array;
  /** 0 marks a free slot (a held key has count ≥ 1). */
  readonly #counts: Float64Array;
  readonly #errors: Float64Array;
  #used = 0;
  #floor = 0;
  #total = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
    // At most 2 × capacity keys: a table of 4 × capacity keeps the load at or below one half.
    let bits = 4;
    while (1 << bits < 4 * capacity) bits++;
    this.#shift = 32 - bits;
    this.#mask = (1 << bits) - 1;
    this.#keys = new Uint32Array(1 << bits);
    this.#counts = new Float64Array(1 << bits);
    this.#errors = new Float64Array(1 << bits);
  }

  get approximate(): boolean {
    return this.#floor > 0;
  }

  get size(): number {
    return this.#used;
  }

  get total(): number {
    return this.#total;
  }

  get maxError(): number {
    return this.#floor;
  }

  /** ip: an address from parseIpv4 (0 .. 2^32 - 1). */
  add(ip: number, n = 1): void {
    this.#total += n;
    const keys = this.#keys, counts = this.#counts, mask = this.#mask;
    let h = Math.imul(ip, 0x9e3779b1) >>> this.#shift;
    while (counts[h] !== 0) {
      if (keys[h] === ip) {
        counts[h]! += n;
        return;
      }
      h = (h + 1) & mask;
    }
    keys[h] = ip;
    counts[h] = n;
    this.#errors[h] = this.#floor;
    if (++this.#used >= 2 * this.capacity) this.#prune();
  }

  #prune(): void {
    const counts = this.#counts, errors = this.#errors, keys = this.#keys;
    const bounds = new Float64Array(this.#used);
    let j = 0;
    for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) bounds[j++] = counts[i]! + errors[i]!;
    const cut = select(bounds, bounds.length - this.capacity);
    const kk: number[] = [], cc: number[] = [], ee: number[] = [];
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] !== 0 && counts[i]! + errors[i]! > cut) {
        kk.push(keys[i]!);
        cc.push(counts[i]!);
        ee.push(errors[i]!);
      }
    }
    counts.fill(0);
    this.#used = 0;
    for (let i = 0; i < kk.length; i++) {
      let h = Math.imul(kk[i]!, 0x9e3779b1) >>> this.#shift;
      while (counts[h] !== 0) h = (h + 1) & this.#mask;
      keys[h] = kk[i]!;
      counts[h] = cc[i]!;
      errors[h] = ee[i]!;
      this.#used++;
    }
    if (cut > this.#floor) this.#floor = cut;
  }

  /** The n largest counts, highest first (ties by address). */
  top(n: number): TopEntry[] {
    const rows: { ip: number; count: number; error: number }[] = [];
    for (let i = 0; i < this.#counts.length; i++) {
      if (this.#counts[i] !== 0) rows.push({ ip: this.#keys[i]!, count: this.#counts[i]! + this.#errors[i]!, error: this.#errors[i]! });
    }
    rows.sort((a, b) => b.count - a.count || a.ip - b.ip);
    return rows.slice(0, Math.max(0, n)).map((r) => ({ key: formatIpv4(r.ip), count: r.count, error: r.error }));
  }
}
