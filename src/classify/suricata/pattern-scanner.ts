// Multi-pattern search for the signature prefilter: Aho-Corasick over ASCII-case-folded bytes, one pass per
// buffer whatever the number of patterns. Tens of thousands of fast patterns make a complete DFA table too big
// (states × 256 entries), so transitions are stored sparsely (sorted edge arrays, binary search), with dense rows
// only for the root and its children, where most of the time is spent. Outputs are reached through dictionary
// suffix links, so no state stores its suffixes' patterns. Patterns are latin1 strings (one char per byte).

import { drain, type Steps } from '../slices.ts';
import { newTrie, trieInsert } from '../trie.ts';

const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;

/** A scanner's tables: what the constructor of a scanner built in steps (`scannerTables`) takes. */
export interface ScannerTables {
  readonly count: number;
  /** Dense rows: row index per state (-1: sparse), 256 entries each. */
  readonly denseRow: Int32Array;
  readonly dense: Int32Array;
  readonly edgeStart: Int32Array;
  readonly edgeByte: Uint8Array;
  readonly edgeTo: Int32Array;
  readonly fail: Int32Array;
  /** Nearest state on the failure chain (itself included) that ends a pattern, or -1. */
  readonly outLink: Int32Array;
  readonly outStart: Int32Array;
  readonly outIds: Int32Array;
}

/** Work between two yields of scannerTables: states sorted or linked, pattern bytes inserted. */
const STEP_STATES = 512;
const STEP_BYTES = 16_384;

/** The tables for patterns, yielding every STEP_STATES states or STEP_BYTES pattern bytes (so a sliced build can pause there). */
export function* scannerTables(patterns: readonly string[]): Steps<ScannerTables> {
  const trie = newTrie();
  let bytes = 0;
  for (let idx = 0; idx < patterns.length; idx++) {
    trieInsert(trie, patterns[idx]!, idx, FOLD);
    bytes += patterns[idx]!.length;
    if (bytes >= STEP_BYTES) {
      bytes = 0;
      yield;
    }
  }
  const { go: children, outs: own } = trie;
  const n = children.length;
  // sparse edges, sorted by byte
  const edgeStart = new Int32Array(n + 1);
  let edges = 0;
  for (let s = 0; s < n; s++) {
    edgeStart[s] = edges;
    edges += children[s]!.size;
  }
  edgeStart[n] = edges;
  const edgeByte = new Uint8Array(edges);
  const edgeTo = new Int32Array(edges);
  for (let s = 0; s < n; s++) {
    const sorted = [...children[s]!].sort((a, b) => a[0] - b[0]);
    sorted.forEach(([c, t], k) => {
      edgeByte[edgeStart[s]! + k] = c;
      edgeTo[edgeStart[s]! + k] = t;
    });
    if (s % STEP_STATES === STEP_STATES - 1) yield;
  }
  const outStart = new Int32Array(n + 1);
  const ids: number[] = [];
  for (let s = 0; s < n; s++) {
    outStart[s] = ids.length;
    for (const id of own[s]!) ids.push(id);
  }
  outStart[n] = ids.length;
  const denseRow = new Int32Array(n).fill(-1);
  const denseStates = [0, ...children[0]!.values()];
  denseStates.forEach((s, row) => (denseRow[s] = row));
  const t: ScannerTables = {
    count: patterns.length, denseRow, dense: new Int32Array(denseStates.length * 256), edgeStart, edgeByte, edgeTo,
    fail: new Int32Array(n), outLink: new Int32Array(n).fill(-1), outStart, outIds: Int32Array.from(ids),
  };
  yield;
  yield* link(t, children, own);
  return t;
}

/** Sparse goto: the child of s on byte c, or -1. */
function child(t: ScannerTables, s: number, c: number): number {
  let lo = t.edgeStart[s]!;
  let hi = t.edgeStart[s + 1]! - 1;
  const bytes = t.edgeByte;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const b = bytes[mid]!;
    if (b === c) return t.edgeTo[mid]!;
    if (b < c) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** One transition on a folded byte. */
function step(t: ScannerTables, s: number, c: number): number {
  for (;;) {
    const row = t.denseRow[s]!;
    if (row >= 0) return t.dense[row * 256 + c]!;
    const next = child(t, s, c);
    if (next >= 0) return next;
    s = t.fail[s]!;
  }
}

/** Failure and output links, breadth first; dense rows completed into DFA rows. */
function* link(t: ScannerTables, children: readonly Map<number, number>[], own: readonly number[][]): Steps<void> {
  const queue: number[] = [];
  for (let c = 0; c < 256; c++) t.dense[c] = children[0]!.get(c) ?? 0;
  for (const s of children[0]!.values()) {
    t.fail[s] = 0;
    queue.push(s);
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi]!;
    const f = t.fail[s]!;
    t.outLink[s] = own[s]!.length > 0 ? s : t.outLink[f]!;
    for (const [c, next] of children[s]!) {
      t.fail[next] = step(t, f, c);
      queue.push(next);
    }
    const row = t.denseRow[s]!;
    if (row > 0) for (let c = 0; c < 256; c++) t.dense[row * 256 + c] = children[s]!.get(c) ?? step(t, f, c);
    if (qi % STEP_STATES === STEP_STATES - 1) yield;
  }
}

export class PatternScanner {
  readonly count: number;
  readonly #denseRow: Int32Array;
  readonly #dense: Int32Array;
  readonly #fail: Int32Array;
  readonly #outLink: Int32Array;
  readonly #outStart: Int32Array;
  readonly #outIds: Int32Array;
  readonly #t: ScannerTables;

  /** Patterns: the tables are built at once; tables: those scannerTables built in steps. */
  constructor(patterns: readonly string[] | ScannerTables) {
    const t = isTables(patterns) ? patterns : drain(scannerTables(patterns));
    this.#t = t;
    this.count = t.count;
    this.#denseRow = t.denseRow;
    this.#dense = t.dense;
    this.#fail = t.fail;
    this.#outLink = t.outLink;
    this.#outStart = t.outStart;
    this.#outIds = t.outIds;
  }

  /** One transition on a folded byte. */
  step(s: number, c: number): number {
    return step(this.#t, s, c);
  }

  /**
   * Appends to out every pattern occurring in text, once: seen[p] === epoch marks a pattern already reported
   * (seen has `count` entries; the caller bumps epoch per scan).
   */
  scan(text: string, seen: Uint32Array, epoch: number, out: number[]): void {
    const denseRow = this.#denseRow;
    const dense = this.#dense;
    const fail = this.#fail;
    const outLink = this.#outLink;
    const outStart = this.#outStart;
    const outIds = this.#outIds;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = FOLD[text.charCodeAt(i) & 0xff]!;
      // inlined step(): dense rows are complete DFA rows; sparse states fall back along failure links
      for (;;) {
        const row = denseRow[s]!;
        if (row >= 0) {
          s = dense[(row << 8) | c]!;
          break;
        }
        const t = child(this.#t, s, c);
        if (t >= 0) {
          s = t;
          break;
        }
        s = fail[s]!;
      }
      for (let o = outLink[s]!; o > 0; o = outLink[fail[o]!]!) {
        for (let k = outStart[o]!; k < outStart[o + 1]!; k++) {
          const p = outIds[k]!;
          if (seen[p] !== epoch) {
            seen[p] = epoch;
            out.push(p);
          }
        }
      }
    }
  }
}

function isTables(x: readonly string[] | ScannerTables): x is ScannerTables {
  return !Array.isArray(x);
}
