// A small regular-expression engine that runs in time linear in the input (a Thompson NFA run as a lazily
// built DFA, no backtracking), for rule patterns matched against attacker-controlled bytes. V8's backtracking
// engine can take exponential (or, for patterns like /a.*b.*c/, cubic) time on hostile input; this one costs at
// most O(input length × program size) whatever the pattern.
//
// Supported syntax (a subset of JavaScript/PCRE, enough for signatures):
//   literals, `.`, escapes \d \D \w \W \s \S \t \r \n \0 \xHH and escaped punctuation,
//   classes [abc] [^a-z] (with the escapes above inside), groups (…) and (?:…), alternation |,
//   quantifiers * + ? {n} {n,} {n,m} (a trailing ? for laziness is accepted and ignored: we only test),
//   anchors ^ and $ (start and end of the inspected text only).
// Rejected at load (with a reason): backreferences, lookaround, named groups, \b, nested quantifiers such as
// (a+)+ or (a*b?)*, alternation under an unbounded or large repetition such as (a|a)* (a bound up to {0,16} is
// accepted), oversized patterns or programs. The nesting rules are stricter than this engine needs, so that rules
// also stay safe if someone ports them to a backtracking engine (Suricata's PCRE, for example).
//
// Input is text decoded as latin1, so every char code is 0..255; a character class is a 256-entry bitmap.

import { REGEX_MAX_PROGRAM, REGEX_MAX_REPEAT, REGEX_MAX_SOURCE } from './limits.ts';

type Node =
  | { readonly t: 'set'; readonly set: Uint8Array }
  | { readonly t: 'cat'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly items: readonly Node[] }
  | { readonly t: 'rep'; readonly node: Node; readonly min: number; readonly max: number } // max -1: unbounded
  | { readonly t: 'bol' }
  | { readonly t: 'eol' };

export type RegexCompileResult = { ok: true; regex: LinearRegex } | { ok: false; reason: string };

const OP_SET = 0;
const OP_SPLIT = 1;
const OP_JMP = 2;
const OP_MATCH = 3;
const OP_BOL = 4;
const OP_EOL = 5;

class ParseError extends Error {}

function range(set: Uint8Array, lo: number, hi: number): void {
  for (let c = lo; c <= hi && c < 256; c++) set[c] = 1;
}
const DIGIT = new Uint8Array(256);
range(DIGIT, 0x30, 0x39);
const WORD = new Uint8Array(256);
range(WORD, 0x30, 0x39);
range(WORD, 0x41, 0x5a);
range(WORD, 0x61, 0x7a);
WORD[0x5f] = 1;
const SPACE = new Uint8Array(256);
for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0]) SPACE[c] = 1;

function negate(set: Uint8Array): Uint8Array {
  const out = new Uint8Array(256);
  for (let i = 0; i < 256; i++) out[i] = set[i] ? 0 : 1;
  return out;
}

/** Adds the other case of every letter in the set (latin1 letters included). */
function foldCase(set: Uint8Array): Uint8Array {
  const out = new Uint8Array(set);
  for (let c = 0; c < 256; c++) {
    if (!set[c]) continue;
    const ch = String.fromCharCode(c);
    const lo = ch.toLowerCase().charCodeAt(0);
    const up = ch.toUpperCase().charCodeAt(0);
    if (lo < 256) out[lo] = 1;
    if (up < 256) out[up] = 1;
  }
  return out;
}

class Parser {
  #src: string;
  #pos = 0;
  #icase: boolean;
  constructor(src: string, icase: boolean) {
    this.#src = src;
    this.#icase = icase;
  }
  parse(): Node {
    const n = this.#alt();
    if (this.#pos < this.#src.length) throw new ParseError(`unexpected ')' at ${this.#pos}`);
    return n;
  }
  #peek(): string | undefined {
    return this.#src[this.#pos];
  }
  #alt(): Node {
    const items = [this.#cat()];
    while (this.#peek() === '|') {
      this.#pos++;
      items.push(this.#cat());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }
  #cat(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.#peek();
      if (c === undefined || c === '|' || c === ')') break;
      items.push(this.#repeat());
    }
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }
  #repeat(): Node {
    const atom = this.#atom();
    const c = this.#peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, -1];
    else if (c === '+') [min, max] = [1, -1];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.#src.slice(this.#pos))) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#src.slice(this.#pos))!;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
      if (min > REGEX_MAX_REPEAT || max > REGEX_MAX_REPEAT) throw new ParseError(`repetition bound over ${REGEX_MAX_REPEAT}`);
      if (max !== -1 && max < min) throw new ParseError('repetition {n,m} with m < n');
      this.#pos += m[0].length - 1;
    } else return atom;
    this.#pos++;
    if (this.#peek() === '?') this.#pos++; // lazy: same answer for a yes/no test
    const q = this.#peek();
    if (q === '*' || q === '+' || q === '?' || q === '{') throw new ParseError('quantifier after a quantifier');
    if (atom.t === 'bol' || atom.t === 'eol') throw new ParseError('quantified anchor');
    if (max !== 1 && hasRepeat(atom)) throw new ParseError('nested quantifier (e.g. (a+)+)');
    if (hasAlt(atom) && (max === -1 || max > 16)) {
      throw new ParseError('alternation repeated without a small bound (e.g. (a|b)*); use a class or {0,16}');
    }
    return { t: 'rep', node: atom, min, max };
  }
  #set(set: Uint8Array): Node {
    return { t: 'set', set: this.#icase ? foldCase(set) : set };
  }
  #char(code: number): Node {
    const s = new Uint8Array(256);
    s[code & 0xff] = 1;
    return this.#set(s);
  }
  #atom(): Node {
    const c = this.#src[this.#pos++];
    switch (c) {
      case '(': {
        if (this.#src.startsWith('?:', this.#pos)) this.#pos += 2;
        else if (this.#peek() === '?') throw new ParseError('lookaround and named groups are not supported');
        const inner = this.#alt();
        if (this.#src[this.#pos++] !== ')') throw new ParseError('missing )');
        return inner;
      }
      case '[':
        return this.#class();
      case '.': {
        const s = new Uint8Array(256).fill(1);
        s[0x0a] = 0;
        return { t: 'set', set: s };
      }
      case '^':
        return { t: 'bol' };
      case '$':
        return { t: 'eol' };
      case '\\':
        return this.#set(this.#escape(false));
      case ')':
        throw new ParseError('unbalanced )');
      case '*':
      case '+':
      case '?':
        throw new ParseError(`nothing to repeat at ${this.#pos - 1}`);
      case undefined:
        throw new ParseError('unexpected end');
      default: {
        const code = c.charCodeAt(0);
        if (code > 255) throw new ParseError('characters above U+00FF never match latin1 text; use \\xHH bytes');
        return this.#char(code);
      }
    }
  }
  /** Parses the escape after a backslash into a set. */
  #escape(inClass: boolean): Uint8Array {
    const c = this.#src[this.#pos++];
    const one = (code: number) => {
      const s = new Uint8Array(256);
      s[code] = 1;
      return s;
    };
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return negate(DIGIT);
      case 'w': return WORD;
      case 'W': return negate(WORD);
      case 's': return SPACE;
      case 'S': return negate(SPACE);
      case 't': return one(0x09);
      case 'r': return one(0x0d);
      case 'n': return one(0x0a);
      case 'f': return one(0x0c);
      case 'v': return one(0x0b);
      case '0': return one(0x00);
      case 'x': {
        const h = this.#src.slice(this.#pos, this.#pos + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new ParseError('\\x needs two hex digits');
        this.#pos += 2;
        return one(parseInt(h, 16));
      }
      case undefined:
        throw new ParseError('trailing backslash');
      default:
        if (/[1-9]/.test(c) || c === 'k') throw new ParseError('backreferences are not supported');
        if (c === 'b' && inClass) return one(0x08);
        if (/[A-Za-z]/.test(c)) throw new ParseError(`unsupported escape \\${c}`);
        return one(c.charCodeAt(0) & 0xff);
    }
  }
  #class(): Node {
    let neg = false;
    if (this.#peek() === '^') {
      neg = true;
      this.#pos++;
    }
    const set = new Uint8Array(256);
    let first = true;
    for (;;) {
      const c = this.#src[this.#pos];
      if (c === undefined) throw new ParseError('missing ]');
      if (c === ']' && !first) {
        this.#pos++;
        break;
      }
      first = false;
      let lo: number;
      if (c === '\\') {
        this.#pos++;
        const s = this.#escape(true);
        let n = 0;
        for (let i = 0; i < 256; i++) n += s[i]!;
        if (n !== 1) {
          for (let i = 0; i < 256; i++) if (s[i]) set[i] = 1;
          continue;
        }
        lo = s.indexOf(1);
      } else {
        lo = c.charCodeAt(0);
        this.#pos++;
      }
      if (this.#peek() === '-' && this.#src[this.#pos + 1] !== ']' && this.#src[this.#pos + 1] !== undefined) {
        this.#pos++;
        let hi: number;
        if (this.#peek() === '\\') {
          this.#pos++;
          const s = this.#escape(true);
          hi = s.indexOf(1);
        } else hi = this.#src.charCodeAt(this.#pos++);
        if (hi < lo) throw new ParseError('bad class range');
        range(set, lo, Math.min(hi, 255));
      } else if (lo < 256) set[lo] = 1;
    }
    const s = this.#icase ? foldCase(set) : set;
    return { t: 'set', set: neg ? negate(s) : s };
  }
}

function hasRepeat(n: Node): boolean {
  switch (n.t) {
    case 'rep': return true;
    case 'cat':
    case 'alt': return n.items.some(hasRepeat);
    default: return false;
  }
}
function hasAlt(n: Node): boolean {
  switch (n.t) {
    case 'alt': return true;
    case 'cat': return n.items.some(hasAlt);
    default: return false;
  }
}

interface Program {
  op: number[];
  x: number[]; // SET: set index; SPLIT/JMP: first target
  y: number[]; // SPLIT: second target
  sets: Uint8Array[];
}

class Emitter {
  readonly p: Program = { op: [], x: [], y: [], sets: [] };
  emit(op: number, x = 0, y = 0): number {
    if (this.p.op.length >= REGEX_MAX_PROGRAM) throw new ParseError(`compiled pattern over ${REGEX_MAX_PROGRAM} instructions`);
    this.p.op.push(op);
    this.p.x.push(x);
    this.p.y.push(y);
    return this.p.op.length - 1;
  }
  node(n: Node): void {
    switch (n.t) {
      case 'set':
        this.p.sets.push(n.set);
        this.emit(OP_SET, this.p.sets.length - 1);
        return;
      case 'bol':
        this.emit(OP_BOL);
        return;
      case 'eol':
        this.emit(OP_EOL);
        return;
      case 'cat':
        for (const i of n.items) this.node(i);
        return;
      case 'alt': {
        // split L1, next ; L1: a ; jmp end ; next: split ...
        const jumps: number[] = [];
        for (let i = 0; i < n.items.length; i++) {
          if (i < n.items.length - 1) {
            const s = this.emit(OP_SPLIT);
            this.p.x[s] = s + 1;
            this.node(n.items[i]!);
            jumps.push(this.emit(OP_JMP));
            this.p.y[s] = this.p.op.length;
          } else this.node(n.items[i]!);
        }
        for (const j of jumps) this.p.x[j] = this.p.op.length;
        return;
      }
      case 'rep': {
        for (let i = 0; i < n.min; i++) this.node(n.node);
        if (n.max === -1) {
          const s = this.emit(OP_SPLIT);
          this.p.x[s] = s + 1;
          this.node(n.node);
          this.emit(OP_JMP, s);
          this.p.y[s] = this.p.op.length;
        } else {
          const splits: number[] = [];
          for (let i = n.min; i < n.max; i++) {
            const s = this.emit(OP_SPLIT);
            this.p.x[s] = s + 1;
            splits.push(s);
            this.node(n.node);
          }
          for (const s of splits) this.p.y[s] = this.p.op.length;
        }
        return;
      }
    }
  }
}

/** DFA states cached per pattern; when full the cache is dropped and rebuilt (RE2's policy), so memory stays bounded. */
const DFA_MAX_STATES = 256;

interface DState {
  /** NFA instructions in the state: SET, MATCH and EOL only (after following JMP/SPLIT/BOL). */
  readonly pcs: Int32Array;
  readonly match: boolean;
  /** Next state index per input byte; -1 not computed yet. */
  readonly next: Int32Array;
}

/**
 * A compiled pattern. `test` simulates the NFA as a lazily built DFA (each state a set of NFA instructions), so each
 * input byte costs one table lookup once warm, and at most one O(program) state construction when not: the whole
 * search is O(input × program) in the worst case, never exponential. Not re-entrant (scratch is reused), fine in JS.
 */
export class LinearRegex {
  readonly source: string;
  readonly flags: string;
  #op: Uint8Array;
  #x: Int32Array;
  #y: Int32Array;
  #sets: Uint8Array[];
  #anchored: boolean;
  #mark: Uint32Array;
  #gen = 0;
  #stack: Int32Array;
  #scratch: Int32Array;
  #states: DState[] = [];
  #index = new Map<string, number>();
  #start = -1;

  constructor(source: string, flags: string, p: Program, anchored: boolean) {
    this.source = source;
    this.flags = flags;
    this.#op = Uint8Array.from(p.op);
    this.#x = Int32Array.from(p.x);
    this.#y = Int32Array.from(p.y);
    this.#sets = p.sets;
    this.#anchored = anchored;
    const n = p.op.length;
    this.#mark = new Uint32Array(n);
    this.#stack = new Int32Array(n * 2 + 2);
    this.#scratch = new Int32Array(n);
  }

  get programSize(): number {
    return this.#op.length;
  }

  #nextGen(): void {
    this.#gen = (this.#gen + 1) >>> 0;
    if (this.#gen === 0) {
      this.#mark.fill(0);
      this.#gen = 1;
    }
  }

  /** Adds pc's closure to scratch[0..len); BOL passes only if bol, EOL passes only if eol (else kept as a member). */
  #close(len: number, pc0: number, bol: boolean, eol: boolean): number {
    const op = this.#op;
    const mark = this.#mark;
    const gen = this.#gen;
    const stack = this.#stack;
    const out = this.#scratch;
    let sp = 0;
    stack[sp++] = pc0;
    while (sp > 0) {
      const pc = stack[--sp]!;
      if (mark[pc] === gen) continue;
      mark[pc] = gen;
      switch (op[pc]) {
        case OP_JMP:
          stack[sp++] = this.#x[pc]!;
          break;
        case OP_SPLIT:
          stack[sp++] = this.#y[pc]!;
          stack[sp++] = this.#x[pc]!;
          break;
        case OP_BOL:
          if (bol) stack[sp++] = pc + 1;
          break;
        case OP_EOL:
          if (eol) stack[sp++] = pc + 1;
          else out[len++] = pc;
          break;
        default:
          out[len++] = pc;
      }
    }
    return len;
  }

  #intern(len: number): number {
    const pcs = this.#scratch.slice(0, len).sort();
    const key = pcs.join(',');
    const hit = this.#index.get(key);
    if (hit !== undefined) return hit;
    if (this.#states.length >= DFA_MAX_STATES) this.#flush();
    let match = false;
    for (const pc of pcs) if (this.#op[pc] === OP_MATCH) match = true;
    this.#states.push({ pcs, match, next: new Int32Array(256).fill(-1) });
    this.#index.set(key, this.#states.length - 1);
    return this.#states.length - 1;
  }

  #flush(): void {
    this.#states = [];
    this.#index.clear();
    this.#start = -1;
  }

  #startState(): number {
    if (this.#start < 0 || this.#start >= this.#states.length) {
      this.#nextGen();
      this.#start = this.#intern(this.#close(0, 0, true, false));
    }
    return this.#start;
  }

  #step(from: number, c: number): number {
    const st = this.#states[from]!;
    this.#nextGen();
    let len = 0;
    for (const pc of st.pcs) {
      if (this.#op[pc] === OP_SET && this.#sets[this.#x[pc]!]![c] === 1) len = this.#close(len, pc + 1, false, false);
    }
    if (!this.#anchored) len = this.#close(len, 0, false, false);
    const to = this.#intern(len);
    // A flush inside intern invalidates `from`; only cache the edge when both ends are still the same objects.
    if (this.#states[from] === st) st.next[c] = to;
    return to;
  }

  #acceptsAtEnd(s: number): boolean {
    const st = this.#states[s]!;
    if (st.match) return true;
    this.#nextGen();
    for (const pc of st.pcs) {
      if (this.#op[pc] !== OP_EOL) continue;
      const len = this.#close(0, pc, false, true);
      for (let i = 0; i < len; i++) if (this.#op[this.#scratch[i]!] === OP_MATCH) return true;
    }
    return false;
  }

  /** True if the pattern matches somewhere in text[0, end). */
  test(text: string, end = text.length): boolean {
    if (end > text.length) end = text.length;
    let s = this.#startState();
    let states = this.#states;
    let st = states[s]!;
    for (let pos = 0; pos < end; pos++) {
      if (st.match) return true;
      const c = text.charCodeAt(pos) & 0xff;
      const n = st.next[c]!;
      if (n >= 0) {
        s = n;
        st = states[n]!;
        continue;
      }
      if (this.#anchored && st.pcs.length === 0) return false;
      s = this.#step(s, c);
      states = this.#states; // a flush replaces the state list
      st = states[s]!;
    }
    return this.#acceptsAtEnd(s);
  }
}

/** Compiles a pattern for linear-time search; flags may contain only "i". Never throws. */
export function compileLinearRegex(source: string, flags = ''): RegexCompileResult {
  if (typeof source !== 'string' || source.length === 0) return { ok: false, reason: 'empty pattern' };
  if (source.length > REGEX_MAX_SOURCE) return { ok: false, reason: `pattern longer than ${REGEX_MAX_SOURCE} characters` };
  if (!/^i?$/.test(flags)) return { ok: false, reason: `unsupported flags "${flags}" (only "i")` };
  try {
    const ast = new Parser(source, flags === 'i').parse();
    const e = new Emitter();
    e.node(ast);
    e.emit(OP_MATCH);
    const anchored = startsAnchored(ast);
    return { ok: true, regex: new LinearRegex(source, flags, e.p, anchored) };
  } catch (err) {
    if (err instanceof ParseError) return { ok: false, reason: err.message };
    throw err;
  }
}

function startsAnchored(n: Node): boolean {
  if (n.t === 'bol') return true;
  if (n.t === 'cat') return n.items.length > 0 && startsAnchored(n.items[0]!);
  if (n.t === 'alt') return n.items.every(startsAnchored);
  return false;
}
