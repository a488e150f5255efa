// Picks each signature's fast pattern and builds one PatternScanner per buffer, so a record only runs the
// signatures whose fast pattern occurs (case-insensitively) in the right buffer. Any non-negated content is a
// necessary condition of its rule, so the prefilter never drops a match; the choice (the content marked
// fast_pattern, else the longest, a protocol buffer preferred over the payload on a tie) only decides how
// selective it is. Signatures without a usable content run on every record of their protocol.

import { addressIndexOf } from './net-spec.ts';
import { PatternScanner } from './pattern-scanner.ts';
import type { RecordViews } from './record-views.ts';
import type { BufferKey, ContentStep, Signature } from './signature.ts';
import { bufferKeyId } from './signature.ts';

export interface FastPattern {
  readonly key: BufferKey;
  readonly text: string;
}

export function fastPatternOf(sig: Signature): FastPattern | undefined {
  let best: { key: BufferKey; c: ContentStep } | undefined;
  const score = (k: BufferKey, c: ContentStep) => (c.fastPattern ? 1e6 : 0) + c.text.length * 2 + (k.name === 'payload' ? 0 : 1);
  for (const l of sig.lists) {
    for (const s of l.steps) {
      if (s.kind !== 'content' || s.negated) continue;
      if (!best || score(l.key, s) > score(best.key, best.c)) best = { key: l.key, c: s };
    }
  }
  if (!best) return undefined;
  const chop = best.c.fastPatternChop;
  return { key: best.key, text: chop ? best.c.text.slice(chop[0], chop[0] + chop[1]) : best.c.text };
}

interface BufferScanner {
  readonly key: BufferKey;
  readonly scanner: PatternScanner;
  /** Signature indexes of pattern p: sigIds[sigStart[p] .. sigStart[p + 1]) (one typed array, not one per pattern). */
  readonly sigStart: Int32Array;
  readonly sigIds: Int32Array;
  /** Scan number at which each pattern was last reported: a pattern's signatures are added once per buffer. */
  readonly seen: Uint32Array;
}

/** Group key of the signatures without a fast pattern: transport and application protocol. */
const groupKey = (proto: string, app: string | undefined) => `${proto}/${app ?? '*'}`;

/** Signatures without a fast pattern, by protocol group; those with keyword lists need a payload. */
interface AlwaysGroup {
  readonly any: number[];
  readonly withPayload: number[];
}

export class Prefilter {
  readonly #scanners: BufferScanner[] = [];
  readonly #always = new Map<string, AlwaysGroup>();
  /** Signatures without a fast pattern whose source (or destination) is a list of addresses, by /16. */
  readonly #bySource = new Map<number, number[]>();
  readonly #byDest = new Map<number, number[]>();
  /** The same signatures when their list has IPv6 items: tried on every IPv6 record. */
  readonly #indexedV6: number[] = [];
  readonly withoutPattern: number;
  #epoch = 0;
  readonly #hits: number[] = [];

  constructor(sigs: readonly Signature[]) {
    const byBuffer = new Map<string, { key: BufferKey; patterns: Map<string, number[]> }>();
    let without = 0;
    sigs.forEach((sig, idx) => {
      const fp = fastPatternOf(sig);
      if (!fp) {
        without++;
        const srcIx = sig.bidirectional ? undefined : addressIndexOf(sig.src);
        const dstIx = sig.bidirectional || srcIx ? undefined : addressIndexOf(sig.dst);
        const ix = srcIx ?? dstIx;
        if (ix) {
          const map = srcIx ? this.#bySource : this.#byDest;
          for (const b of ix.v4Buckets) (map.get(b) ?? map.set(b, []).get(b)!).push(idx);
          if (ix.v6) this.#indexedV6.push(idx);
          return;
        }
        const k = groupKey(sig.proto, sig.app);
        let g = this.#always.get(k);
        if (!g) this.#always.set(k, (g = { any: [], withPayload: [] }));
        (sig.lists.length > 0 ? g.withPayload : g.any).push(idx);
        return;
      }
      const id = bufferKeyId(fp.key);
      let b = byBuffer.get(id);
      if (!b) byBuffer.set(id, (b = { key: fp.key, patterns: new Map() }));
      const folded = fp.text.toLowerCase();
      (b.patterns.get(folded) ?? b.patterns.set(folded, []).get(folded)!).push(idx);
    });
    this.withoutPattern = without;
    for (const b of byBuffer.values()) {
      const patterns = [...b.patterns.keys()];
      const lists = [...b.patterns.values()];
      const sigStart = new Int32Array(patterns.length + 1);
      lists.forEach((l, p) => (sigStart[p + 1] = sigStart[p]! + l.length));
      this.#scanners.push({
        key: b.key, scanner: new PatternScanner(patterns), sigStart, sigIds: Int32Array.from(lists.flat()),
        seen: new Uint32Array(patterns.length),
      });
    }
  }

  #resetEpochs(): void {
    for (const s of this.#scanners) s.seen.fill(0);
    this.#epoch = 1;
  }

  /** Calls add(signatureIndex) for every candidate of the record (possibly more than once). */
  candidates(views: RecordViews, add: (sig: number) => void): void {
    const epoch = ++this.#epoch;
    const hits = this.#hits;
    if (epoch === 0xffffffff) this.#resetEpochs();
    for (const s of this.#scanners) {
      const buf = views.get(s.key);
      if (buf === null || buf.text.length === 0) continue;
      hits.length = 0;
      s.scanner.scan(buf.lower, s.seen, epoch, hits);
      const { sigStart, sigIds } = s;
      for (const p of hits) for (let k = sigStart[p]!; k < sigStart[p + 1]!; k++) add(sigIds[k]!);
    }
    const proto = views.input.proto;
    const hasPayload = views.payload.text.length > 0;
    for (const k of [groupKey(proto, undefined), groupKey('ip', undefined), ...(views.app ? [groupKey(proto, views.app), groupKey('ip', views.app)] : [])]) {
      const g = this.#always.get(k);
      if (!g) continue;
      for (const sig of g.any) add(sig);
      if (hasPayload) for (const sig of g.withPayload) add(sig);
    }
    const src = views.srcIp;
    const dst = views.dstIp;
    if (src?.length === 4) for (const sig of this.#bySource.get((src[0]! << 8) | src[1]!) ?? []) add(sig);
    if (dst?.length === 4) for (const sig of this.#byDest.get((dst[0]! << 8) | dst[1]!) ?? []) add(sig);
    if (src?.length === 16) for (const sig of this.#indexedV6) add(sig);
  }
}
