// Picks each signature's fast pattern and builds one PatternScanner per buffer, so a record only runs the
// signatures whose fast pattern occurs (case-insensitively) in the right buffer. Any non-negated content is a
// necessary condition of its rule, so the prefilter never drops a match; the choice (the content marked
// fast_pattern, else the longest, a protocol buffer preferred over the payload on a tie) only decides how
// selective it is. Signatures without a usable content run on every record of their protocol.

import { addressIndexOf } from './net-spec.ts';
import { PatternScanner } from './pattern-scanner.ts';
import type { RecordViews } from './record-views.ts';
import { appOfBuffer } from './keyword-table.ts';
import type { AppProto, BufferKey, ContentStep, Signature } from './signature.ts';
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
  /** The application protocol the buffer belongs to (undefined: the payload): only such records have it. */
  readonly app: AppProto | undefined;
  readonly scanner: PatternScanner;
  /** Signature indexes of pattern p: sigIds[sigStart[p] .. sigStart[p + 1]) (one typed array, not one per pattern). */
  readonly sigStart: Int32Array;
  readonly sigIds: Int32Array;
  /** Scan number at which each pattern was last reported: a pattern's signatures are added once per buffer. */
  readonly seen: Uint32Array;
}

/** Group of the signatures without a fast pattern: transport (tcp, udp, ip) × application protocol (or none). */
const PROTOS = ['tcp', 'udp', 'ip'] as const;
const APPS = [undefined, 'http', 'tls', 'dns', 'ssh', 'sip'] as const;
const groupOf = (proto: string, app: string | undefined) => PROTOS.indexOf(proto as (typeof PROTOS)[number]) * APPS.length + APPS.indexOf(app as (typeof APPS)[number]);

/** Signatures without a fast pattern, by protocol group; those with keyword lists need a payload. */
interface AlwaysGroup {
  readonly any: number[];
  readonly withPayload: number[];
}

/**
 * Where candidates go (one object per SignatureSet, reused): each signature once per record (stamp === epoch
 * marks it), and only when its transport and application protocol can be the record's (a necessary condition
 * of its header, so nothing that could match is dropped).
 */
export interface CandidateSink {
  out: number[];
  readonly stamp: Uint32Array;
  epoch: number;
  /** Per signature: transport bits | application protocol code << 2. */
  readonly kind: Uint8Array;
  /** The record's transport bit and application protocol code. */
  want: number;
  app: number;
}

function add(sink: CandidateSink, sig: number): void {
  if (sink.stamp[sig] === sink.epoch) return;
  const k = sink.kind[sig]!;
  if ((k & sink.want) === 0 || (k >> 2 !== 0 && k >> 2 !== sink.app)) return;
  sink.stamp[sig] = sink.epoch;
  sink.out.push(sig);
}

/** Signatures indexed per piece of work between two yields while the index is built. */
const SIGNATURES_PER_STEP = 512;

export class Prefilter {
  readonly #scanners: BufferScanner[] = [];
  readonly #always: (AlwaysGroup | undefined)[] = [];
  /** Signatures without a fast pattern whose source (or destination) is a list of addresses, by /16. */
  readonly #bySource = new Map<number, number[]>();
  readonly #byDest = new Map<number, number[]>();
  /** The same signatures when their list has IPv6 items: tried on every IPv6 record. */
  readonly #indexedV6: number[] = [];
  #withoutPattern = 0;
  #epoch = 0;
  readonly #hits: number[] = [];

  /** An index of the signatures; without them, an empty one to fill() (piecewise, for a compile that yields). */
  constructor(sigs?: readonly Signature[]) {
    if (!sigs) return;
    const steps = this.fill(sigs);
    while (!steps.next().done);
  }

  /** Signatures evaluated on every record of their protocol (or address), having no content to prefilter on. */
  get withoutPattern(): number {
    return this.#withoutPattern;
  }

  /** Indexes the signatures (once, on an empty prefilter), yielding between pieces of work. */
  *fill(sigs: readonly Signature[]): Generator<void, void> {
    const byBuffer = new Map<string, { key: BufferKey; patterns: Map<string, number[]> }>();
    for (let idx = 0; idx < sigs.length; idx++) {
      if (idx % SIGNATURES_PER_STEP === SIGNATURES_PER_STEP - 1) yield;
      const sig = sigs[idx]!;
      const fp = fastPatternOf(sig);
      if (!fp) {
        this.#withoutPattern++;
        this.#indexWithout(sig, idx);
        continue;
      }
      const id = bufferKeyId(fp.key);
      let b = byBuffer.get(id);
      if (!b) byBuffer.set(id, (b = { key: fp.key, patterns: new Map() }));
      const folded = fp.text.toLowerCase();
      (b.patterns.get(folded) ?? b.patterns.set(folded, []).get(folded)!).push(idx);
    }
    for (const b of byBuffer.values()) {
      yield;
      const patterns = [...b.patterns.keys()];
      const lists = [...b.patterns.values()];
      const sigStart = new Int32Array(patterns.length + 1);
      lists.forEach((l, p) => (sigStart[p + 1] = sigStart[p]! + l.length));
      this.#scanners.push({
        key: b.key, app: appOfBuffer(b.key.name), scanner: new PatternScanner(patterns), sigStart, sigIds: Int32Array.from(lists.flat()),
        seen: new Uint32Array(patterns.length),
      });
    }
  }

  #indexWithout(sig: Signature, idx: number): void {
    const srcIx = sig.bidirectional ? undefined : addressIndexOf(sig.src);
    const dstIx = sig.bidirectional || srcIx ? undefined : addressIndexOf(sig.dst);
    const ix = srcIx ?? dstIx;
    if (ix) {
      const map = srcIx ? this.#bySource : this.#byDest;
      for (const b of ix.v4Buckets) (map.get(b) ?? map.set(b, []).get(b)!).push(idx);
      if (ix.v6) this.#indexedV6.push(idx);
      return;
    }
    const k = groupOf(sig.proto, sig.app);
    const g = (this.#always[k] ??= { any: [], withPayload: [] });
    (sig.lists.length > 0 ? g.withPayload : g.any).push(idx);
  }

  #resetEpochs(): void {
    for (const s of this.#scanners) s.seen.fill(0);
    this.#epoch = 1;
  }

  /** Adds every candidate of the record to the sink. */
  candidates(views: RecordViews, sink: CandidateSink): void {
    const epoch = ++this.#epoch;
    const hits = this.#hits;
    if (epoch === 0xffffffff) this.#resetEpochs();
    // every buffer is the payload or a view of it: a record without payload has none to scan
    const scanners = views.payload.text.length > 0 ? this.#scanners : [];
    for (const s of scanners) {
      if (s.app !== undefined && s.app !== views.app) continue;
      const buf = views.get(s.key);
      if (buf === null || buf.text.length === 0) continue;
      hits.length = 0;
      s.scanner.scan(buf.text, s.seen, epoch, hits);
      const { sigStart, sigIds } = s;
      for (const p of hits) for (let k = sigStart[p]!; k < sigStart[p + 1]!; k++) add(sink, sigIds[k]!);
    }
    const proto = views.input.proto;
    const hasPayload = views.payload.text.length > 0;
    const groups = [groupOf(proto, undefined), groupOf('ip', undefined)];
    if (views.app) groups.push(groupOf(proto, views.app), groupOf('ip', views.app));
    for (const k of groups) {
      const g = this.#always[k];
      if (!g) continue;
      for (const sig of g.any) add(sink, sig);
      if (hasPayload) for (const sig of g.withPayload) add(sink, sig);
    }
    const src = this.#bySource.size > 0 || this.#indexedV6.length > 0 ? views.srcIp : null;
    const dst = this.#byDest.size > 0 ? views.dstIp : null;
    const bySrc = src?.length === 4 ? this.#bySource.get((src[0]! << 8) | src[1]!) : src?.length === 16 ? this.#indexedV6 : undefined;
    if (bySrc) for (const sig of bySrc) add(sink, sig);
    const byDst = dst?.length === 4 ? this.#byDest.get((dst[0]! << 8) | dst[1]!) : undefined;
    if (byDst) for (const sig of byDst) add(sink, sig);
  }
}
