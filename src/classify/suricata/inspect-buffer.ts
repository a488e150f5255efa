// Runs one buffer's payload keywords in order, with Suricata's semantics (detect-engine-content-inspection.c):
// a detection pointer (the end of the last match) that relative keywords start from; a content that matched
// but whose relative followers failed is searched again from one byte after its last match start, only when a
// follower depends on it through `within` (or a negated `distance`), since otherwise a later occurrence cannot
// help; a failed independent content ends the inspection at once. Results: 1 match, 0 no match, -1 give up.
// Total work per buffer is capped by a recursion budget (Suricata's inspection-recursion-limit, 3000).

import type { ByteExtractStep, ByteJumpStep, ByteTestStep, ContentStep, NumArg, PcreStep, Step, UintTest } from './signature.ts';

export const RECURSION_LIMIT = 3000;

export interface InspectState {
  /** The detection pointer: end of the last match in this buffer. */
  offset: number;
  /** byte_extract values of the rule. */
  readonly vars: Float64Array;
  budget: number;
}

type R = 1 | 0 | -1;

const arg = (a: NumArg, vars: Float64Array): number => ('v' in a ? a.v : vars[a.var]!);

/** Case-insensitive (ASCII) search of needle in hay[from, to). hayLower is hay in ASCII lower case. */
function findNocase(hayLower: string, hay: string, step: ContentStep, from: number, to: number): number {
  const n = step.lower;
  for (let i = hayLower.indexOf(n, from); i >= 0 && i + n.length <= to; i = hayLower.indexOf(n, i + 1)) {
    // toLowerCase also folds latin1 letters; Suricata's nocase is ASCII only, so check the bytes again
    let same = true;
    for (let k = 0; k < n.length && same; k++) {
      const a = hay.charCodeAt(i + k);
      const b = step.text.charCodeAt(k);
      same = a === b || (lowerAscii(a) === lowerAscii(b));
    }
    if (same) return i;
  }
  return -1;
}

const lowerAscii = (c: number) => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/** The buffer being inspected, with its lower-cased text made on first need. */
export class InspectBuffer {
  readonly text: string;
  #lower: string | undefined;
  constructor(text: string) {
    this.text = text;
  }
  get lower(): string {
    return (this.#lower ??= this.text.toLowerCase());
  }
}

function find(buf: InspectBuffer, step: ContentStep, from: number, to: number): number {
  if (to - from < step.text.length) return -1;
  if (step.nocase) return findNocase(buf.lower, buf.text, step, from, to);
  const i = buf.text.indexOf(step.text, from);
  return i >= 0 && i + step.text.length <= to ? i : -1;
}

/** The search window [offset, depth) of a content, as Suricata computes it. */
function window(step: ContentStep, prev: number, len: number, vars: Float64Array): [number, number] {
  let depth = len;
  let offset = 0;
  if (step.distance !== undefined || step.within !== undefined) {
    offset = prev;
    let distance = 0;
    if (step.distance !== undefined) {
      distance = arg(step.distance, vars);
      offset = distance < 0 && -distance > offset ? 0 : offset + distance;
    }
    if (step.within !== undefined) depth = Math.min(depth, prev + arg(step.within, vars) + distance);
  } else {
    if (step.depth !== undefined) depth = arg(step.depth, vars);
    if (step.offset !== undefined) offset = arg(step.offset, vars);
    // a depth from a variable counts from the offset
    if (step.depth !== undefined && 'var' in step.depth) depth += offset;
    else if (step.offset !== undefined && 'var' in step.offset && step.depth !== undefined) depth += offset;
  }
  return [offset, Math.min(depth, len)];
}

function content(steps: readonly Step[], i: number, step: ContentStep, buf: InspectBuffer, st: InspectState): R {
  const len = buf.text.length;
  const relative = step.distance !== undefined || step.within !== undefined;
  const single = !relative && !step.relativeNext && step.offset === undefined && step.depth === undefined;
  const prevBufferOffset = relative ? st.offset : 0;
  let retryFrom = 0;
  for (;;) {
    let [offset, depth] = window(step, prevBufferOffset, len, st.vars);
    if (retryFrom !== 0) offset = retryFrom;
    if (offset > depth || depth === 0) return step.negated ? next(steps, i, buf, st) : 0;
    const at = step.endsWith && depth < len ? -1 : find(buf, step, offset, depth);
    if (at < 0) {
      if (step.negated) return next(steps, i, buf, st);
      return relative ? 0 : -1;
    }
    const end = at + step.text.length;
    if (step.negated) {
      if (step.endsWith && depth - offset !== end) return next(steps, i, buf, st);
      return single ? -1 : 0;
    }
    st.offset = end;
    if (!step.endsWith || end === len) {
      if (i + 1 >= steps.length) return 1;
      const r = inspectFrom(steps, i + 1, buf, st);
      if (r !== 0) return r;
      if (!step.withinNext) return -1;
    }
    retryFrom = at + 1;
  }
}

function pcre(steps: readonly Step[], i: number, step: PcreStep, buf: InspectBuffer, st: InspectState): R {
  const base = step.relative ? st.offset : 0;
  const subject = base === 0 ? buf.text : buf.text.slice(base);
  if (!step.relativeNext || step.negated) {
    const hit = step.regex.compiled.test(subject);
    return hit === step.negated ? 0 : next(steps, i, buf, st);
  }
  const m = step.regex.compiled.matcher(subject);
  const saved = st.offset;
  for (let from = 0; from <= subject.length && m.find(from); ) {
    st.offset = base + m.end();
    const r = inspectFrom(steps, i + 1, buf, st);
    if (r !== 0) return r;
    st.offset = saved;
    from = m.start() + 1;
    if (--st.budget <= 0) return -1;
  }
  return 0;
}

/** Reads nbytes at p as a binary (base 0) or text number; [value, bytes used] or null. */
function readNumber(text: string, p: number, nbytes: number, little: boolean, base: number): [number, number] | null {
  if (p < 0 || p + nbytes > text.length) return null;
  if (base === 0) {
    let v = 0;
    for (let k = 0; k < nbytes; k++) v = v * 256 + text.charCodeAt(little ? p + nbytes - 1 - k : p + k);
    return [v, nbytes];
  }
  // strtoull over the nbytes characters: optional blanks, then digits of the base
  let q = p;
  const end = nbytes === 0 ? Math.min(text.length, p + 23) : p + nbytes;
  while (q < end && (text[q] === ' ' || text[q] === '\t')) q++;
  if (base === 16 && text[q] === '0' && (text[q + 1] === 'x' || text[q + 1] === 'X')) q += 2;
  let v = 0;
  const start = q;
  for (; q < end; q++) {
    const d = parseInt(text[q]!, base);
    if (Number.isNaN(d)) break;
    v = v * base + d;
  }
  return q === start ? null : [v, q - p];
}

function masked(v: number, mask: number | undefined): number {
  if (mask === undefined) return v;
  let m = v & mask;
  if (m !== 0) for (let s = mask; (s & 1) === 0 && s !== 0; s >>>= 1) m >>>= 1;
  return m >>> 0;
}

function byteTest(step: ByteTestStep, buf: InspectBuffer, st: InspectState): boolean {
  const text = buf.text;
  if (text.length === 0) return false;
  const off = arg(step.offset, st.vars) + (step.relative ? st.offset : 0);
  if (step.relative && text.length - off <= 0) return false;
  const r = readNumber(text, off, step.nbytes, step.little, step.base);
  if (!r) return false;
  const v = masked(r[0], step.bitmask);
  const t = arg(step.value, st.vars);
  let m: boolean;
  switch (step.op) {
    case '=': m = v === t; break;
    case '<': m = v < t; break;
    case '>': m = v > t; break;
    case '<=': m = v <= t; break;
    case '>=': m = v >= t; break;
    case '&': m = (Number(BigInt(Math.trunc(v)) & BigInt(Math.trunc(t)))) !== 0; break;
    case '^': m = (Number(BigInt(Math.trunc(v)) ^ BigInt(Math.trunc(t)))) !== 0; break;
  }
  return m !== step.negated;
}

function byteJump(step: ByteJumpStep, buf: InspectBuffer, st: InspectState): boolean {
  const len = buf.text.length;
  if (len === 0) return false;
  const p = arg(step.offset, st.vars) + (step.relative ? st.offset : 0);
  if (step.relative && step.nbytes > 0 && len - p <= 0) return false;
  const r = readNumber(buf.text, p, step.nbytes, step.little, step.base);
  if (!r) return false;
  let v = masked(r[0], step.bitmask) * step.multiplier;
  if (step.align && v % 4 !== 0) v += 4 - (v % 4);
  v += step.postOffset;
  let to = step.fromBeginning ? v : step.fromEnd ? len + v : p + r[1] + v;
  if (to < 0) to = 0;
  else if (to > len) return false;
  st.offset = to;
  return true;
}

function byteExtract(step: ByteExtractStep, buf: InspectBuffer, st: InspectState): boolean {
  const len = buf.text.length;
  if (len === 0) return false;
  const p = step.offset + (step.relative ? st.offset : 0);
  if (step.relative && len - p <= 0) return false;
  const r = readNumber(buf.text, p, step.nbytes, step.little, step.base);
  if (!r) return false;
  let v = masked(r[0], step.bitmask) * step.multiplier;
  if (step.align > 1 && v % step.align !== 0) v += step.align - (v % step.align);
  st.vars[step.slot] = v;
  st.offset = p + r[1];
  return true;
}

export function uintMatch(t: UintTest, v: number): boolean {
  switch (t.op) {
    case '=': return v === t.a;
    case '!': return v !== t.a;
    case '<': return v < t.a;
    case '>': return v > t.a;
    case '<=': return v <= t.a;
    case '>=': return v >= t.a;
    case '<>': return v > t.a && v < t.b;
  }
}

function next(steps: readonly Step[], i: number, buf: InspectBuffer, st: InspectState): R {
  return i + 1 >= steps.length ? 1 : inspectFrom(steps, i + 1, buf, st);
}

function inspectFrom(steps: readonly Step[], i: number, buf: InspectBuffer, st: InspectState): R {
  if (--st.budget <= 0) return -1;
  const step = steps[i]!;
  switch (step.kind) {
    case 'content': return content(steps, i, step, buf, st);
    case 'pcre': return pcre(steps, i, step, buf, st);
    case 'byte_test': return byteTest(step, buf, st) ? next(steps, i, buf, st) : 0;
    case 'byte_jump': return byteJump(step, buf, st) ? next(steps, i, buf, st) : 0;
    case 'byte_extract': return byteExtract(step, buf, st) ? next(steps, i, buf, st) : 0;
    case 'isdataat': {
      const at = arg(step.at, st.vars);
      const has = step.relative ? st.offset + at <= buf.text.length : at < buf.text.length;
      if (has === step.negated) return step.relative && step.negated ? 0 : 'v' in step.at ? -1 : 0;
      return next(steps, i, buf, st);
    }
    case 'bsize':
    case 'urilen':
      return uintMatch(step.test, buf.text.length) ? next(steps, i, buf, st) : -1;
  }
}

/** True when the steps match the buffer. vars carries byte_extract values across the rule's buffers. */
export function inspectBuffer(steps: readonly Step[], buf: InspectBuffer, vars: Float64Array): boolean {
  if (steps.length === 0) return true;
  const st: InspectState = { offset: 0, vars, budget: RECURSION_LIMIT };
  return inspectFrom(steps, 0, buf, st) === 1;
}
