// One pass over a record's text finds which of all the rules' prefilter literals occur in it (Aho-Corasick,
// ASCII case-insensitive). Checking each rule's literals with indexOf instead costs O(text × literal) per rule
// on hostile text such as 8 KiB of "%" against "%24%7b"; this costs one table lookup per byte, whatever the
// rules say.

/** Maps a byte to its lower-case form (ASCII and latin1 letters, as String.prototype.toLowerCase does). */
const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const l = String.fromCharCode(c).toLowerCase().charCodeAt(0);
  FOLD[c] = l < 256 ? l : c;
}

export class LiteralScanner {
  /** delta[state * width + cls[byte]] = next state (a complete DFA over byte classes). */
  #delta: Int32Array;
  /** Byte → class: bytes that occur in no literal share class 0, which keeps the table small and cache-friendly. */
  #cls: Uint8Array;
  #shift: number;
  /** Literal indexes reported at each state (its own and those of its suffix states). */
  #out: (readonly number[] | null)[];
  /** 1 where #out has entries: a typed check in the hot loop instead of an array-or-null one. */
  #hasOut: Uint8Array;
  readonly count: number;

  /** literals: lower-case strings of latin1 characters, non-empty. */
  constructor(literals: readonly string[]) {
    this.count = literals.length;
    const go: Map<number, number>[] = [new Map()];
    const outs: number[][] = [[]];
    literals.forEach((lit, idx) => {
      let s = 0;
      for (let i = 0; i < lit.length; i++) {
        const c = FOLD[lit.charCodeAt(i) & 0xff]!;
        let n = go[s]!.get(c);
        if (n === undefined) {
          n = go.length;
          go.push(new Map());
          outs.push([]);
          go[s]!.set(c, n);
        }
        s = n;
      }
      outs[s]!.push(idx);
    });
    const n = go.length;
    const cls = new Uint8Array(256);
    let classes = 1;
    for (const g of go) for (const c of g.keys()) if (cls[c] === 0) cls[c] = classes++;
    const shift = Math.max(1, Math.ceil(Math.log2(classes)));
    const width = 1 << shift;
    const delta = new Int32Array(n * width);
    const fail = new Int32Array(n);
    // Transitions by class: class 0 never continues a literal, so it behaves like any unused byte.
    const goCls = go.map((g) => {
      const m = new Map<number, number>();
      for (const [c, t] of g) m.set(cls[c]!, t);
      return m;
    });
    // Breadth-first: complete the DFA row of each state from its failure state's row.
    const queue: number[] = [];
    for (let c = 0; c < width; c++) {
      const t = goCls[0]!.get(c);
      delta[c] = t ?? 0;
      if (t !== undefined) queue.push(t);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = fail[s]!;
      if (outs[f]!.length > 0) outs[s] = [...outs[s]!, ...outs[f]!];
      for (let c = 0; c < width; c++) {
        const t = goCls[s]!.get(c);
        if (t === undefined) delta[s * width + c] = delta[f * width + c]!;
        else {
          fail[t] = delta[f * width + c]!;
          delta[s * width + c] = t;
          queue.push(t);
        }
      }
    }
    // Class numbers were given to folded bytes; route every raw byte through FOLD once, here.
    const raw = new Uint8Array(256);
    for (let c = 0; c < 256; c++) raw[c] = cls[FOLD[c]!]!;
    this.#cls = raw;
    this.#shift = shift;
    this.#delta = delta;
    this.#out = outs.map((o) => (o.length > 0 ? o : null));
    this.#hasOut = Uint8Array.from(outs, (o) => (o.length > 0 ? 1 : 0));
  }

  #report(s: number, found: Uint8Array): void {
    for (const k of this.#out[s]!) found[k] = 1;
  }

  /** Sets found[i] = 1 for each literal i occurring in bytes (found must have `count` entries, zeroed). */
  scan(bytes: Uint8Array, found: Uint8Array): void {
    const delta = this.#delta;
    const hasOut = this.#hasOut;
    const cls = this.#cls;
    const shift = this.#shift;
    const n = bytes.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      s = delta[(s << shift) | cls[bytes[i]!]!]!;
      if (hasOut[s] === 1) this.#report(s, found);
    }
  }
}
