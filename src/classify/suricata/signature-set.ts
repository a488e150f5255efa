// Matching a record against the loaded signatures: prefilter candidates, then per candidate the header
// (protocol, application protocol, addresses and ports, either way for <>), the record conditions (flow state,
// dsize, the SYN's flags/window/ttl/id, TLS version), every buffer's keyword list, and flowbits. Flowbits live
// for one record: signatures that only set bits run first, then those that test bits, repeated until nothing
// changes (bounded), so a chain set-then-isset decides within one client payload. Labels come in load order.

import type { CommunityLabel } from '../../record/flow-record.ts';
import type { Parsed } from '../extract/facts.ts';
import { inspectBuffer, uintMatch } from './inspect-buffer.ts';
import { Prefilter, type CandidateSink } from './prefilter.ts';
import { RecordViews, type SignatureInput } from './record-views.ts';
import type { AppProto, Signature, TcpFlagsTest } from './signature.ts';

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

/** Application protocol codes of the candidate pre-check (0: the signature asks for none). */
const APP_CODE: Readonly<Record<AppProto, number>> = { http: 1, tls: 2, dns: 3, ssh: 4, sip: 5 };
const PROTO_BITS = { tcp: 1, udp: 2, ip: 3 } as const;

/** What a record's matching needs besides the views: reused fields, no closure per record. */
interface MatchState {
  readonly views: RecordViews;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly epoch: number;
  bits: Set<string> | undefined;
  readonly matched: number[];
}

export class SignatureSet {
  readonly signatures: readonly Signature[];
  readonly #prefilter: Prefilter;
  /** Per signature: the record epoch it was last made a candidate in, and last matched in. */
  readonly #stamp: Uint32Array;
  readonly #matchedAt: Uint32Array;
  #epoch = 0;
  readonly #readsBits: Uint8Array;
  /** Per signature: transport bits (tcp 1, udp 2) | application protocol code << 2, checked before the header. */
  readonly #kind: Uint8Array;
  readonly #cands: CandidateSink;

  readonly #usePrefilter: boolean;

  /**
   * options.prefilter false: every signature is a candidate for every record (tests compare both ways);
   * options.prebuilt: the prefilter already filled with these signatures (compileSignaturesAsync builds it in slices).
   */
  constructor(signatures: readonly Signature[], options: { prefilter?: boolean; prebuilt?: Prefilter } = {}) {
    this.signatures = signatures;
    this.#usePrefilter = options.prefilter ?? true;
    this.#prefilter = options.prebuilt ?? new Prefilter(this.#usePrefilter ? signatures : []);
    this.#stamp = new Uint32Array(signatures.length);
    this.#matchedAt = new Uint32Array(signatures.length);
    this.#readsBits = Uint8Array.from(signatures, (s) => (s.flowbits.some((f) => f.op === 'isset' || f.op === 'isnotset') ? 1 : 0));
    this.#kind = Uint8Array.from(signatures, (s) => PROTO_BITS[s.proto] | ((s.app === undefined ? 0 : APP_CODE[s.app]) << 2));
    this.#cands = { out: [], stamp: this.#stamp, epoch: 0, kind: this.#kind, want: 0, app: 0 };
  }

  get size(): number {
    return this.signatures.length;
  }

  /** Signatures evaluated on every record of their protocol, having no content to prefilter on. */
  get withoutFastPattern(): number {
    return this.#prefilter.withoutPattern;
  }

  /**
   * The labels of the signatures that match the record. parsed: the built-in classifier's parse of the same
   * payload, as a separate argument (copying the record to add it costs more than the parse on small records).
   */
  match(input: SignatureInput, parsed?: Parsed): SignatureLabel[] {
    const views = new RecordViews(input, parsed ?? input.parsed);
    const epoch = this.#nextEpoch();
    const cands = this.#candidates(views, epoch);
    if (cands.length === 0) return [];
    const src = views.srcIp;
    const dst = views.dstIp;
    if (!src || !dst) return [];
    const st: MatchState = { views, src, dst, epoch, bits: undefined, matched: [] };
    for (const idx of cands) if (this.#readsBits[idx] === 0) this.#tryOne(idx, st);
    for (let round = 0; round < FLOWBIT_ROUNDS; round++) {
      const before = st.matched.length;
      for (const idx of cands) if (this.#readsBits[idx] === 1 && this.#matchedAt[idx] !== epoch) this.#tryOne(idx, st);
      if (st.matched.length === before) break;
    }
    const out: SignatureLabel[] = [];
    for (const idx of st.matched.sort((a, b) => a - b)) {
      const s = this.signatures[idx]!;
      if (s.noalert) continue;
      out.push({ sid: s.sid, ...(s.gid !== 1 && { gid: s.gid }), rev: s.rev, name: s.msg, category: s.classtype ?? '', severity: s.severity, ruleset: s.ruleset });
    }
    return out;
  }

  #tryOne(idx: number, st: MatchState): void {
    const sig = this.signatures[idx]!;
    if (!this.#header(sig, st.views, st.src, st.dst) || !this.#conditions(sig, st.views) || !this.#bitsHold(sig, st.bits)) return;
    if (!this.#lists(sig, st.views)) return;
    this.#matchedAt[idx] = st.epoch;
    st.matched.push(idx);
    if (sig.flowbits.length === 0) return;
    const bits = (st.bits ??= new Set<string>());
    for (const f of sig.flowbits) {
      for (const b of f.bits) {
        if (f.op === 'set') bits.add(b);
        else if (f.op === 'unset') bits.delete(b);
        else if (f.op === 'toggle') bits.has(b) ? bits.delete(b) : bits.add(b);
      }
    }
  }

  #nextEpoch(): number {
    if (++this.#epoch === 0xffffffff) {
      this.#stamp.fill(0);
      this.#matchedAt.fill(0);
      this.#epoch = 1;
    }
    return this.#epoch;
  }

  #candidates(views: RecordViews, epoch: number): number[] {
    if (!this.#usePrefilter) return this.signatures.map((_, i) => i);
    const sink = this.#cands;
    sink.out = [];
    sink.epoch = epoch;
    sink.want = views.input.proto === 'tcp' ? 1 : 2;
    sink.app = views.app === undefined ? 0 : APP_CODE[views.app];
    this.#prefilter.candidates(views, sink);
    return sink.out.sort((a, b) => a - b);
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

  #bitsHold(sig: Signature, bits: ReadonlySet<string> | undefined): boolean {
    if (sig.flowbits.length === 0) return true;
    const none: ReadonlySet<string> = bits ?? NO_BITS;
    for (const f of sig.flowbits) {
      if (f.op !== 'isset' && f.op !== 'isnotset') continue;
      const want = f.op === 'isset';
      const ok = f.any ? f.bits.some((b) => none.has(b) === want) : f.bits.every((b) => none.has(b) === want);
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
const NO_BITS: ReadonlySet<string> = new Set();
