// Matching a record against the loaded signatures: prefilter candidates, then per candidate the header
// (protocol, application protocol, addresses and ports, either way for <>), the record conditions (flow state,
// dsize, the SYN's flags/window/ttl/id, TLS version), every buffer's keyword list, and flowbits. Flowbits live
// for one record: signatures that only set bits run first, then those that test bits, repeated until nothing
// changes (bounded), so a chain set-then-isset decides within one client payload. Labels come in load order.

import type { CommunityLabel } from '../../record/flow-record.ts';
import { inspectBuffer, uintMatch } from './inspect-buffer.ts';
import { Prefilter } from './prefilter.ts';
import { RecordViews, type SignatureInput } from './record-views.ts';
import type { Signature, TcpFlagsTest } from './signature.ts';
import type { Steps } from '../slices.ts';

/** The label of a matching community rule. */
export type SignatureLabel = CommunityLabel;

const FLOWBIT_ROUNDS = 4;
/** TCP flags of a data segment from a client (ACK, PSH) and of its SYN. */
const DATA_FLAGS = 0x18;
const SYN_FLAGS = 0x02;

function flagsMatch(t: TcpFlagsTest, flags: number): boolean {
  const f = flags & ~t.ignore & 0xff;
  switch (t.mode) {
    case 'exact': return f === t.mask;
    case 'plus': return (f & t.mask) === t.mask;
    case 'any': return (f & t.mask) !== 0;
    case 'not': return (f & t.mask) === 0;
  }
}

export class SignatureSet {
  readonly signatures: readonly Signature[];
  readonly #prefilter: Prefilter;
  readonly #stamp: Uint32Array;
  #epoch = 0;
  readonly #readsBits: Uint8Array;

  readonly #usePrefilter: boolean;

  /**
   * options.prefilter false: every signature is a candidate for every record (tests compare both ways); a
   * Prefilter: the one built for these signatures by `build`.
   */
  constructor(signatures: readonly Signature[], options: { prefilter?: boolean | Prefilter } = {}) {
    this.signatures = signatures;
    this.#usePrefilter = options.prefilter !== false;
    this.#prefilter = options.prefilter instanceof Prefilter ? options.prefilter : new Prefilter(this.#usePrefilter ? signatures : []);
    this.#stamp = new Uint32Array(signatures.length);
    this.#readsBits = Uint8Array.from(signatures, (s) => (s.flowbits.some((f) => f.op === 'isset' || f.op === 'isnotset') ? 1 : 0));
  }

  /** The set built in steps (the prefilter's tables take most of the time). */
  static *build(signatures: readonly Signature[]): Steps<SignatureSet> {
    return new SignatureSet(signatures, { prefilter: yield* Prefilter.build(signatures) });
  }

  get size(): number {
    return this.signatures.length;
  }

  /** Signatures evaluated on every record of their protocol, having no content to prefilter on. */
  get withoutFastPattern(): number {
    return this.#prefilter.withoutPattern;
  }

  match(input: SignatureInput): SignatureLabel[] {
    const views = new RecordViews(input);
    const cands = this.#candidates(views);
    if (cands.length === 0) return [];
    const src = views.srcIp;
    const dst = views.dstIp;
    if (!src || !dst) return [];
    const bits = new Set<string>();
    const matched = new Set<number>();
    const tryOne = (idx: number) => {
      const sig = this.signatures[idx]!;
      if (!this.#header(sig, views, src, dst) || !this.#conditions(sig, views) || !this.#bitsHold(sig, bits)) return;
      if (!this.#lists(sig, views)) return;
      matched.add(idx);
      for (const f of sig.flowbits) {
        for (const b of f.bits) {
          if (f.op === 'set') bits.add(b);
          else if (f.op === 'unset') bits.delete(b);
          else if (f.op === 'toggle') bits.has(b) ? bits.delete(b) : bits.add(b);
        }
      }
    };
    for (const idx of cands) if (this.#readsBits[idx] === 0) tryOne(idx);
    for (let round = 0; round < FLOWBIT_ROUNDS; round++) {
      const before = matched.size;
      for (const idx of cands) if (this.#readsBits[idx] === 1 && !matched.has(idx)) tryOne(idx);
      if (matched.size === before) break;
    }
    const out: SignatureLabel[] = [];
    for (const idx of [...matched].sort((a, b) => a - b)) {
      const s = this.signatures[idx]!;
      if (s.noalert) continue;
      out.push({ sid: s.sid, ...(s.gid !== 1 && { gid: s.gid }), rev: s.rev, name: s.msg, category: s.classtype ?? '', severity: s.severity, ruleset: s.ruleset });
    }
    return out;
  }

  #candidates(views: RecordViews): number[] {
    const epoch = ++this.#epoch;
    if (epoch === 0xffffffff) {
      this.#stamp.fill(0);
      this.#epoch = 1;
    }
    const stamp = this.#stamp;
    const out: number[] = [];
    if (!this.#usePrefilter) return this.signatures.map((_, i) => i);
    this.#prefilter.candidates(views, (i) => {
      if (stamp[i] === epoch) return;
      stamp[i] = epoch;
      out.push(i);
    });
    return out.sort((a, b) => a - b);
  }

  #header(sig: Signature, views: RecordViews, src: Uint8Array, dst: Uint8Array): boolean {
    const r = views.input;
    if (sig.proto !== 'ip' && sig.proto !== r.proto) return false;
    if (sig.app !== undefined && sig.app !== views.app) return false;
    if (sig.src(src) && sig.srcPorts(r.src_port) && sig.dst(dst) && sig.dstPorts(r.dst_port)) return true;
    return sig.bidirectional && sig.src(dst) && sig.srcPorts(r.dst_port) && sig.dst(src) && sig.dstPorts(r.src_port);
  }

  #conditions(sig: Signature, views: RecordViews): boolean {
    const r = views.input;
    const acked = r.proto === 'tcp' && r.state === 'acked';
    if (sig.established !== undefined && sig.established !== acked) return false;
    const payloadLen = views.payload.text.length;
    if (sig.dsize && !uintMatch(sig.dsize, r.dsize ?? payloadLen)) return false;
    if (sig.flags || sig.window || sig.ttl || sig.ipId) {
      if (r.proto !== 'tcp' && (sig.flags || sig.window)) return false;
      const syn = r.syn;
      if (sig.flags && !flagsMatch(sig.flags, sig.lists.length > 0 ? DATA_FLAGS : SYN_FLAGS)) return false;
      if (sig.window && (!syn || !uintMatch(sig.window, syn.window))) return false;
      if (sig.ttl && (!syn || !uintMatch(sig.ttl, syn.ttl))) return false;
      if (sig.ipId && (!syn || syn.ip_id === undefined || !uintMatch(sig.ipId, syn.ip_id))) return false;
    }
    if (sig.tlsVersions && !(views.parsed.tls && sig.tlsVersions.includes(views.parsed.tls.legacyVersion))) return false;
    return true;
  }

  #bitsHold(sig: Signature, bits: ReadonlySet<string>): boolean {
    for (const f of sig.flowbits) {
      if (f.op !== 'isset' && f.op !== 'isnotset') continue;
      const want = f.op === 'isset';
      const ok = f.any ? f.bits.some((b) => bits.has(b) === want) : f.bits.every((b) => bits.has(b) === want);
      if (!ok) return false;
    }
    return true;
  }

  #lists(sig: Signature, views: RecordViews): boolean {
    const vars = sig.slots > 0 ? new Float64Array(sig.slots) : EMPTY;
    for (const l of sig.lists) {
      const buf = views.get(l.key);
      if (buf === null || (l.key.name === 'payload' && buf.text.length === 0)) return false;
      if (!inspectBuffer(l.steps, buf, vars)) return false;
    }
    return true;
  }
}

const EMPTY = new Float64Array(0);
