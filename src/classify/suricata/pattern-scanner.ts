// Multi-pattern search for the signature prefilter: Aho-Corasick over ASCII-case-folded bytes, one pass per
// buffer whatever the number of patterns. Tens of thousands of fast patterns make a complete DFA table too big
// (states × 256 entries), so transitions are stored sparsely (sorted edge arrays, binary search), with dense rows
// only for the root and its children, where most of the time is spent. Outputs are reached through dictionary
// suffix links, so no state stores its suffixes' patterns. Patterns are latin1 strings (one char per byte).

const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;

export class PatternScanner {
  readonly count: number;
  /** Dense rows: row index per state (-1: sparse), 256 entries each. */
  readonly #denseRow: Int32Array;
  readonly #dense: Int32Array;
  readonly #edgeStart: Int32Array;
  readonly #edgeByte: Uint8Array;
  readonly #edgeTo: Int32Array;
  readonly #fail: Int32Array;
  /** Nearest state on the failure chain (itself included) that ends a pattern, or -1. */
  readonly #outLink: Int32Array;
  readonly #outStart: Int32Array;
  readonly #outIds: Int32Array;

  constructor(patterns: readonly string[]) {
    this.count = patterns.length;
    const children: Map<number, number>[] = [new Map()];
    const depth: number[] = [0];
    const own: number[][] = [[]];
    patterns.forEach((p, idx) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = FOLD[p.charCodeAt(i) & 0xff]!;
        let n = children[s]!.get(c);
        if (n === undefined) {
          n = children.length;
          children.push(new Map());
          depth.push(depth[s]! + 1);
          own.push([]);
          children[s]!.set(c, n);
        }
        s = n;
      }
      own[s]!.push(idx);
    });
    const n = children.length;
    // sparse edges, sorted by byte
    this.#edgeStart = new Int32Array(n + 1);
    let edges = 0;
    for (let s = 0; s < n; s++) {
      this.#edgeStart[s] = edges;
      edges += children[s]!.size;
    }
    this.#edgeStart[n] = edges;
    this.#edgeByte = new Uint8Array(edges);
    this.#edgeTo = new Int32Array(edges);
    for (let s = 0; s < n; s++) {
      const sorted = [...children[s]!].sort((a, b) => a[0] - b[0]);
      sorted.forEach(([c, t], k) => {
        this.#edgeByte[this.#edgeStart[s]! + k] = c;
        this.#edgeTo[this.#edgeStart[s]! + k] = t;
      });
    }
    this.#fail = new Int32Array(n);
    this.#outLink = new Int32Array(n).fill(-1);
    this.#outStart = new Int32Array(n + 1);
    const ids: number[] = [];
    for (let s = 0; s < n; s++) {
      this.#outStart[s] = ids.length;
      ids.push(...own[s]!);
    }
    this.#outStart[n] = ids.length;
    this.#outIds = Int32Array.from(ids);
    this.#denseRow = new Int32Array(n).fill(-1);
    const denseStates = [0, ...children[0]!.values()];
    this.#dense = new Int32Array(denseStates.length * 256);
    denseStates.forEach((s, row) => (this.#denseRow[s] = row));
    this.#link(children, own);
  }

  /** Sparse goto: the child of s on byte c, or -1. */
  #child(s: number, c: number): number {
    let lo = this.#edgeStart[s]!;
    let hi = this.#edgeStart[s + 1]! - 1;
    const bytes = this.#edgeByte;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = bytes[mid]!;
      if (b === c) return this.#edgeTo[mid]!;
      if (b < c) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Failure and output links, breadth first; dense rows completed into DFA rows. */
  #link(children: readonly Map<number, number>[], own: readonly number[][]): void {
    const queue: number[] = [];
    for (let c = 0; c < 256; c++) this.#dense[c] = children[0]!.get(c) ?? 0;
    for (const t of children[0]!.values()) {
      this.#fail[t] = 0;
      queue.push(t);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = this.#fail[s]!;
      this.#outLink[s] = own[s]!.length > 0 ? s : this.#outLink[f]!;
      for (const [c, t] of children[s]!) {
        this.#fail[t] = this.step(f, c);
        queue.push(t);
      }
      const row = this.#denseRow[s]!;
      if (row > 0) for (let c = 0; c < 256; c++) this.#dense[row * 256 + c] = children[s]!.get(c) ?? this.step(f, c);
    }
  }

  /** One transition on a folded byte. */
  step(s: number, c: number): number {
    for (;;) {
      const row = this.#denseRow[s]!;
      if (row >= 0) return this.#dense[row * 256 + c]!;
      const t = this.#child(s, c);
      if (t >= 0) return t;
      s = this.#fail[s]!;
    }
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
        const t = this.#child(s, c);
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
