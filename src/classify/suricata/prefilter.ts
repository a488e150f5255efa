// Picks each signature's fast pattern and builds one PatternScanner per buffer, so a record only runs the
// signatures whose fast pattern occurs (case-insensitively) in the right buffer. Any non-negated content is a
// necessary condition of its rule, so the prefilter never drops a match; the choice (the content marked
// fast_pattern, else the longest, a protocol buffer preferred over the payload on a tie) only decides how
// selective it is. Signatures without a usable content run on every record of their protocol.

import { addressIndexOf } from './net-spec.ts';
import { PatternScanner, scannerTables } from './pattern-scanner.ts';
import { drain, type Steps } from '../slices.ts';
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
  /** Signature indexes per pattern index. */
  readonly sigsOf: readonly (readonly number[])[];
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
  #epoch = 0;
  readonly #hits: number[] = [];

  /** `deferred`: left to `build`, which does the work in steps. */
  constructor(sigs: readonly Signature[], deferred = false) {
    if (deferred) return;
    drain(this.#group(sigs));
    for (const b of this.#pending) this.#addScanner(b, new PatternScanner([...b.patterns.keys()]));
    this.#pending = [];
  }

  /** The prefilter of sigs, built in steps. */
  static *build(sigs: readonly Signature[]): Steps<Prefilter> {
    const p = new Prefilter(sigs, true);
    yield* p.#group(sigs);
    for (const b of p.#pending) p.#addScanner(b, new PatternScanner(yield* scannerTables([...b.patterns.keys()])));
    p.#pending = [];
    return p;
  }

  get withoutPattern(): number {
    return this.#without;
  }

  /** Each signature's fast pattern by buffer into #pending, the others by protocol or address. */
  *#group(sigs: readonly Signature[]): Steps<void> {
    const byBuffer = new Map<string, { key: BufferKey; patterns: Map<string, number[]> }>();
    for (let idx = 0; idx < sigs.length; idx++) {
      const sig = sigs[idx]!;
      if (idx % 1024 === 1023) yield;
      const fp = fastPatternOf(sig);
      if (!fp) {
        this.#without++;
        this.#addWithoutPattern(sig, idx);
        continue;
      }
      const id = bufferKeyId(fp.key);
      let b = byBuffer.get(id);
      if (!b) byBuffer.set(id, (b = { key: fp.key, patterns: new Map() }));
      const folded = fp.text.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
      (b.patterns.get(folded) ?? b.patterns.set(folded, []).get(folded)!).push(idx);
    }
    this.#pending = [...byBuffer.values()];
  }

  #without = 0;
  #pending: readonly { readonly key: BufferKey; readonly patterns: ReadonlyMap<string, number[]> }[] = [];

  #addScanner(b: { readonly key: BufferKey; readonly patterns: ReadonlyMap<string, number[]> }, scanner: PatternScanner): void {
    const patterns = [...b.patterns.keys()];
    this.#scanners.push({ key: b.key, scanner, sigsOf: patterns.map((p) => b.patterns.get(p)!), seen: new Uint32Array(patterns.length) });
  }

  #addWithoutPattern(sig: Signature, idx: number): void {
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
      s.scanner.scan(buf.text, s.seen, epoch, hits);
      for (const p of hits) for (const sig of s.sigsOf[p]!) add(sig);
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
