// Multi-pattern search for the signature prefilter: a q-gram hash scanner over case-folded text. Each pattern
// of 4 bytes or more is filed under one of its 4-byte substrings (its anchor: the one fewest other patterns
// share, avoiding bytes common in text), in one chained hash table of typed arrays with about eight buckets per
// pattern; a scan rolls the last 4 bytes of the text through that table and compares the few patterns filed
// under a matching gram byte by byte. Patterns of 1-3 bytes sit in direct tables keyed by their first one or two
// bytes, behind one 64 Ki-entry table that says whether the last two bytes can start one (1-byte patterns are
// looked for with the native indexOf before the loop). Building it is linear
// in the patterns' length and allocates a few typed arrays (an Aho-Corasick trie over tens of thousands of ET
// fast patterns held tens of MB while it was built, and its sparse automaton stepped slowly); a scan does a
// shift, a multiply and two table reads per byte. Hand-written because this is the hot path of every payload
// record.
//
// Texts and patterns are compared folded as String.prototype.toLowerCase folds them (a table of 256 entries,
// applied while reading, so a scan allocates nothing): it folds ASCII letters, as Suricata's nocase does, and
// latin1 letters too, so the scanner may report a pattern that a case-sensitive or ASCII-only comparison would
// not; the prefilter only needs a superset (every candidate is evaluated in full), never fewer.

import { Buffer } from 'node:buffer';

const GRAM = 4;

/** Each latin1 character folded by toLowerCase (which keeps every latin1 character in latin1). */
const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) LOWER[c] = String.fromCharCode(c).toLowerCase().charCodeAt(0);
/** The characters that fold to each byte: what a 1-byte pattern is searched for. */
const FOLDS_TO: string[][] = Array.from({ length: 256 }, () => []);
for (let c = 0; c < 256; c++) FOLDS_TO[LOWER[c]!]!.push(String.fromCharCode(c));
/** Golden-ratio multiplier (Knuth's multiplicative hashing). */
const HASH_MUL = 0x9e3779b1;

/** Bytes frequent in requests and text: an anchor made of them would be looked at on many positions. */
const COMMON = new Uint8Array(256);
for (const ch of 'abcdefghijklmnopqrstuvwxyz0123456789 /.=&-_:?,;\r\n\t"\'') COMMON[ch.charCodeAt(0)] = 1;
COMMON[0] = 1;

const gramAt = (p: string, i: number): number =>
  ((p.charCodeAt(i) & 0xff) << 24) | ((p.charCodeAt(i + 1) & 0xff) << 16) | ((p.charCodeAt(i + 2) & 0xff) << 8) | (p.charCodeAt(i + 3) & 0xff);

/** Where each long pattern is filed: the gram fewest patterns contain, common bytes breaking ties. */
function anchorsOf(patterns: readonly string[]): Int32Array {
  const freq = new Map<number, number>();
  const distinct = new Set<number>();
  for (const p of patterns) {
    if (p.length < GRAM) continue;
    distinct.clear();
    for (let i = 0; i + GRAM <= p.length; i++) distinct.add(gramAt(p, i));
    for (const g of distinct) freq.set(g, (freq.get(g) ?? 0) + 1);
  }
  const anchors = new Int32Array(patterns.length).fill(-1);
  patterns.forEach((p, idx) => {
    let best = -1;
    let bestCost = Infinity;
    for (let i = 0; i + GRAM <= p.length; i++) {
      let common = 0;
      for (let k = 0; k < GRAM; k++) common += COMMON[p.charCodeAt(i + k) & 0xff]!;
      const cost = freq.get(gramAt(p, i))! * 8 + common;
      if (cost < bestCost) {
        bestCost = cost;
        best = i;
      }
    }
    anchors[idx] = best;
  });
  return anchors;
}

/** Chained entries in typed arrays: heads by key, then next/pattern/anchor per entry. */
class Chains {
  readonly head: Int32Array;
  readonly next: Int32Array;
  readonly pattern: Int32Array;
  readonly gram: Int32Array;
  readonly offset: Int32Array;
  #n = 0;
  constructor(keys: number, entries: number) {
    this.head = new Int32Array(keys).fill(-1);
    this.next = new Int32Array(entries);
    this.pattern = new Int32Array(entries);
    this.gram = new Int32Array(entries);
    this.offset = new Int32Array(entries);
  }
  add(key: number, pattern: number, gram: number, offset: number): void {
    const e = this.#n++;
    this.next[e] = this.head[key]!;
    this.head[key] = e;
    this.pattern[e] = pattern;
    this.gram[e] = gram;
    this.offset[e] = offset;
  }
}

export class PatternScanner {
  readonly count: number;
  /** The patterns' folded bytes, one after another: pattern p is #bytes[#start[p], #start[p + 1]). */
  readonly #bytes: Uint8Array;
  readonly #start: Int32Array;
  readonly #shift: number;
  /** Patterns of 4 bytes or more by the hash of their anchor gram. */
  readonly #long: Chains;
  /** Patterns of 2 or 3 bytes by their first two bytes; of 1 byte by that byte. */
  readonly #two: Chains | undefined;
  readonly #one: Chains | undefined;
  /** The distinct bytes of the 1-byte patterns. */
  readonly #oneBytes: Uint8Array;
  /** By the last two bytes read: nonzero when a pattern of 2-3 bytes starts with them. */
  readonly #shortAt: Uint8Array | undefined;

  constructor(patterns: readonly string[]) {
    this.count = patterns.length;
    const folded = patterns.map((p) => p.toLowerCase());
    this.#start = new Int32Array(folded.length + 1);
    folded.forEach((p, i) => (this.#start[i + 1] = this.#start[i]! + p.length));
    this.#bytes = Buffer.from(folded.join(''), 'latin1');
    const anchors = anchorsOf(folded);
    const longCount = folded.filter((p) => p.length >= GRAM).length;
    // about eight buckets per pattern: most positions of a text find an empty bucket
    let bits = 8;
    while (1 << bits < longCount * 8 && bits < 18) bits++;
    this.#shift = 32 - bits;
    this.#long = new Chains(1 << bits, longCount);
    const twos = folded.filter((p) => p.length === 2 || p.length === 3).length;
    const ones = folded.filter((p) => p.length === 1).length;
    this.#two = twos > 0 ? new Chains(1 << 16, twos) : undefined;
    this.#one = ones > 0 ? new Chains(256, ones) : undefined;
    this.#shortAt = twos > 0 ? new Uint8Array(1 << 16) : undefined;
    this.#oneBytes = Uint8Array.from(new Set(folded.filter((p) => p.length === 1).map((p) => p.charCodeAt(0) & 0xff)));
    folded.forEach((p, idx) => {
      const c0 = p.charCodeAt(0) & 0xff;
      if (p.length >= GRAM) {
        const g = gramAt(p, anchors[idx]!);
        this.#long.add(Math.imul(g, HASH_MUL) >>> this.#shift, idx, g, anchors[idx]!);
      } else if (p.length >= 2) {
        const key = (c0 << 8) | (p.charCodeAt(1) & 0xff);
        this.#two!.add(key, idx, 0, 0);
        this.#shortAt![key] |= 2;
      } else if (p.length === 1) {
        this.#one!.add(c0, idx, 0, 0);
      }
    });
  }

  /** Bytes held by the tables (for the benchmark's memory notes). */
  get tableBytes(): number {
    const size = (c: Chains | undefined) => (c ? c.head.byteLength + c.next.byteLength * 4 : 0);
    return size(this.#long) + size(this.#two) + size(this.#one) + (this.#shortAt?.byteLength ?? 0) + this.#bytes.byteLength + this.#start.byteLength;
  }

  /**
   * Appends to out every pattern occurring in text (a latin1 string), folded, once: seen[p] === epoch marks a
   * pattern already reported (seen has `count` entries; the caller bumps epoch per scan).
   */
  scan(text: string, seen: Uint32Array, epoch: number, out: number[]): void {
    const n = text.length;
    const lower = LOWER;
    const { head, next, gram, offset, pattern } = this.#long;
    const shift = this.#shift;
    const shortAt = this.#shortAt;
    if (this.#one !== undefined) this.#ones(this.#one, text, seen, epoch, out);
    let g = 0;
    for (let i = 0; i < n; i++) {
      g = (g << 8) | lower[text.charCodeAt(i) & 0xff]!;
      if (shortAt !== undefined && i >= 1 && shortAt[g & 0xffff] !== 0) this.#short(this.#two!, g & 0xffff, i - 1, text, seen, epoch, out);
      for (let e = head[Math.imul(g, HASH_MUL) >>> shift]!; e >= 0; e = next[e]!) {
        if (gram[e] !== g) continue;
        const p = pattern[e]!;
        if (seen[p] === epoch) continue;
        // start < 0: fewer than 4 bytes read yet, g holds zero bytes that only a pattern of zeros can match
        if (this.#at(p, text, i - (GRAM - 1) - offset[e]!)) {
          seen[p] = epoch;
          out.push(p);
        }
      }
    }
  }

  /** True when pattern p occurs (folded) in text at start. */
  #at(p: number, text: string, start: number): boolean {
    const from = this.#start[p]!;
    const len = this.#start[p + 1]! - from;
    if (start < 0 || start + len > text.length) return false;
    const bytes = this.#bytes;
    for (let k = 0; k < len; k++) if (LOWER[text.charCodeAt(start + k) & 0xff] !== bytes[from + k]) return false;
    return true;
  }

  /** Patterns of one byte: a native search for each (a byte such as a space would stop the loop at every position). */
  #ones(t: Chains, text: string, seen: Uint32Array, epoch: number, out: number[]): void {
    for (let k = 0; k < this.#oneBytes.length; k++) {
      const c = this.#oneBytes[k]!;
      if (!FOLDS_TO[c]!.some((ch) => text.includes(ch))) continue;
      for (let e = t.head[c]!; e >= 0; e = t.next[e]!) {
        const p = t.pattern[e]!;
        if (seen[p] !== epoch) {
          seen[p] = epoch;
          out.push(p);
        }
      }
    }
  }

  #short(t: Chains, key: number, start: number, text: string, seen: Uint32Array, epoch: number, out: number[]): void {
    for (let e = t.head[key]!; e >= 0; e = t.next[e]!) {
      const p = t.pattern[e]!;
      if (seen[p] !== epoch && this.#at(p, text, start)) {
        seen[p] = epoch;
        out.push(p);
      }
    }
  }
}
