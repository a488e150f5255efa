// The goto trie both Aho-Corasick scanners are built from (literal-scan.ts for our rules, suricata/pattern-scanner.ts
// for the signatures' fast patterns): per state a Map byte → next state, and the indexes of the patterns ending there.

export interface Trie {
  readonly go: Map<number, number>[];
  readonly outs: number[][];
}

export function newTrie(): Trie {
  return { go: [new Map()], outs: [[]] };
}

/** Adds text (latin1, one char per byte) as pattern idx, each byte mapped through fold. */
export function trieInsert(t: Trie, text: string, idx: number, fold: Uint8Array): void {
  let s = 0;
  for (let i = 0; i < text.length; i++) {
    const c = fold[text.charCodeAt(i) & 0xff]!;
    let n = t.go[s]!.get(c);
    if (n === undefined) {
      n = t.go.length;
      t.go.push(new Map());
      t.outs.push([]);
      t.go[s]!.set(c, n);
    }
    s = n;
  }
  t.outs[s]!.push(idx);
}
