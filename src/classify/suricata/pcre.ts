// The `pcre` keyword: `pcre:[!]"/regex/modifiers"` (Suricata user guide, "pcre (Perl Compatible Regular
// Expressions)"). Patterns run on re2js, a linear-time engine; PCRE syntax it lacks is either rewritten to an
// equivalent (\Z, \h, \v, \R, \e, \cX, `$` before a final newline, (?#...), the x flag) or the pattern is
// refused with a counted reason: backreferences, lookahead, atomic groups and possessive quantifiers,
// recursion and conditionals, counted repetition above re2js's 1,000. Those are what make PCRE backtrack; they
// are never handed to V8's RegExp. Captureless lookbehind runs in linear time on re2js (its LOOKBEHINDS flag).
// Subjects are latin1 strings, one character per payload byte.

import { RE2JS } from 're2js';
import { LazyRegex } from './lazy-regex.ts';
import type { Parsed } from './rule-options.ts';

export type PcreSkip = 'pcre:backreference' | 'pcre:lookahead' | 'pcre:atomic' | 'pcre:recursion' | 'pcre:repeat' | 'pcre:unsupported';

/** Modifiers that pick the buffer the pattern inspects (legacy Snort/Suricata letters). */
export const PCRE_BUFFER_MODIFIERS: Readonly<Record<string, string>> = {
  U: 'http.uri', I: 'http.uri.raw', H: 'http.header', D: 'http.header.raw', M: 'http.method', C: 'http.cookie',
  P: 'http.request_body', V: 'http.user_agent', W: 'http.host', Z: 'http.host.raw',
  // server side: skipped by the caller
  Q: 'file.data', S: 'http.stat_code', Y: 'http.stat_msg',
};

export interface PcreSpec {
  readonly negated: boolean;
  readonly source: string;
  readonly flags: { readonly i: boolean; readonly s: boolean; readonly m: boolean; readonly x: boolean; readonly A: boolean; readonly E: boolean; readonly G: boolean };
  readonly relative: boolean;
  /** Buffer picked by a modifier letter, if any. */
  readonly buffer: string | undefined;
}

/** Parses the keyword value; errors for a malformed value or an unknown modifier. */
export function parsePcreValue(value: string): Parsed<PcreSpec> {
  let v = value.trim();
  let negated = false;
  if (v.startsWith('!')) {
    negated = true;
    v = v.slice(1).trim();
  }
  if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) return { ok: false, message: 'pcre must be a quoted "/regex/flags"' };
  v = v.slice(1, -1);
  const last = v.lastIndexOf('/');
  if (!v.startsWith('/') || last <= 0) return { ok: false, message: 'pcre must be written /regex/flags' };
  const source = v.slice(1, last);
  const mods = v.slice(last + 1);
  const flags = { i: false, s: false, m: false, x: false, A: false, E: false, G: false };
  let relative = false;
  let buffer: string | undefined;
  for (const c of mods) {
    if (c in flags) flags[c as keyof typeof flags] = true;
    else if (c === 'R') relative = true;
    else if (c === 'B' || c === 'O') continue; // rawbytes; override the match limit: no meaning for us
    else if (PCRE_BUFFER_MODIFIERS[c] !== undefined) {
      if (buffer !== undefined) return { ok: false, message: 'only one pcre modifier may pick a buffer' };
      buffer = PCRE_BUFFER_MODIFIERS[c];
    } else return { ok: false, message: `unknown pcre modifier '${c}'` };
  }
  return { ok: true, value: { negated, source, flags, relative, buffer } };
}

type Translated = { readonly ok: true; readonly source: string } | { readonly ok: false; readonly reason: PcreSkip };

const VSPACE = '\\n\\x0b\\x0c\\r\\x85';
const HSPACE = '\\t \\xa0';

/** Escapes after a backslash: the RE2 text outside and inside a class, or a reason to refuse. */
function escapeFor(c: string, next: string, inClass: boolean): { out: string; used: number } | PcreSkip {
  switch (c) {
    case 'Z': return inClass ? 'pcre:unsupported' : { out: '(?:\\n?\\z)', used: 1 };
    case 'h': return { out: inClass ? HSPACE : `[${HSPACE}]`, used: 1 };
    case 'H': return inClass ? 'pcre:unsupported' : { out: `[^${HSPACE}]`, used: 1 };
    case 'v': return { out: inClass ? VSPACE : `[${VSPACE}]`, used: 1 };
    case 'V': return inClass ? 'pcre:unsupported' : { out: `[^${VSPACE}]`, used: 1 };
    case 'R': return inClass ? 'pcre:unsupported' : { out: `(?:\\r\\n|[${VSPACE}])`, used: 1 };
    case 'N': return inClass ? 'pcre:unsupported' : { out: '[^\\n]', used: 1 };
    case 'e': return { out: '\\x1b', used: 1 };
    case 'K': return inClass ? 'pcre:unsupported' : { out: '', used: 1 }; // resets the reported start only
    case 'c': {
      if (next === '' || next.charCodeAt(0) > 0x7e) return 'pcre:unsupported';
      const code = next.toUpperCase().charCodeAt(0) ^ 0x40;
      return { out: `\\x${code.toString(16).padStart(2, '0')}`, used: 2 };
    }
    case 'g': case 'k': return 'pcre:backreference';
    case 'G': case 'X': case 'C': case 'o': return 'pcre:unsupported';
    default:
      if (c >= '1' && c <= '9' && !inClass) return 'pcre:backreference';
      return { out: `\\${c}`, used: 1 };
  }
}

/** What a group opener `(` followed by text means: the RE2 opener to write and the characters it took. */
function groupFor(rest: string): { out: string; used: number; extended?: boolean } | PcreSkip | 'comment' {
  if (!rest.startsWith('?') && !rest.startsWith('*')) return { out: '(', used: 1 };
  if (rest.startsWith('*')) return 'pcre:unsupported'; // (*UTF), (*CR) ... verbs
  if (rest.startsWith('?=') || rest.startsWith('?!')) return 'pcre:lookahead';
  if (rest.startsWith('?<=') || rest.startsWith('?<!')) return { out: `(${rest.slice(0, 3)}`, used: 4 };
  if (rest.startsWith('?>')) return 'pcre:atomic';
  if (rest.startsWith('?#')) return 'comment';
  if (rest.startsWith('?P=') || rest.startsWith('?P>') || rest.startsWith('?&')) return 'pcre:backreference';
  if (/^\?(?:R|[+-]?\d)/.test(rest) || rest.startsWith('?(')) return 'pcre:recursion';
  const quoted = /^\?'([A-Za-z_][A-Za-z0-9_]*)'/.exec(rest);
  if (quoted) return { out: `(?P<${quoted[1]}>`, used: quoted[0].length + 1 };
  const named = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
  if (named) return { out: `(?P<${named[1]}>`, used: named[0].length + 1 };
  if (rest.startsWith('?:')) return { out: '(?:', used: 3 };
  const flags = /^\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
  if (!flags || /[^imsxU]/.test(flags[1]! + (flags[2] ?? ''))) return 'pcre:unsupported';
  // RE2 has no x flag: it is applied while translating, and dropped from the group
  const on = flags[1]!.replace(/x/g, '');
  const off = (flags[2] ?? '').replace(/x/g, '');
  const body = `${on}${off !== '' ? `-${off}` : ''}`;
  const out = body === '' ? (flags[3] === ':' ? '(?:' : '') : `(?${body}${flags[3]}`;
  return { out, used: flags[0].length + 1, extended: flags[1]!.includes('x') };
}

interface Scan {
  readonly source: string;
  readonly opts: { readonly multiline: boolean; readonly dollarEndOnly: boolean };
  inClass: boolean;
  extended: boolean;
}

/** One token at i: the RE2 text it becomes and where the next token starts, or why it cannot run. */
type Step = { readonly out: string; readonly next: number } | PcreSkip;

function escapeAt(st: Scan, i: number): Step {
  const src = st.source;
  const e = src[i + 1] ?? '';
  if (e === 'Q') {
    const end = src.indexOf('\\E', i + 2);
    const lit = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
    return { out: lit.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&'), next: end < 0 ? src.length : end + 2 };
  }
  const r = escapeFor(e, src[i + 2] ?? '', st.inClass);
  return typeof r === 'string' ? r : { out: r.out, next: i + 1 + r.used };
}

function classAt(st: Scan, i: number): Step {
  const src = st.source;
  const c = src[i]!;
  if (c === ']') st.inClass = false;
  else if (c === '[' && src[i + 1] === ':') {
    const end = src.indexOf(':]', i + 2);
    if (end > 0) return { out: src.slice(i, end + 2), next: end + 2 };
  }
  return { out: c, next: i + 1 };
}

/** Quantifiers: possessive forms (a++, a{2}+) have no linear-time equivalent; {n,m} above 1,000 neither. */
function quantifierAt(st: Scan, i: number): Step | undefined {
  const src = st.source;
  const c = src[i]!;
  let out: string;
  let next: number;
  if (c === '*' || c === '+' || c === '?') {
    out = c;
    next = i + 1;
  } else {
    const m = /^\{(\d*)(?:,(\d*))?\}/.exec(src.slice(i, i + 24));
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return c === '{' ? { out: '\\{', next: i + 1 } : undefined;
    const lo = m[1] === '' ? 0 : Number(m[1]);
    const hi = m[2] === undefined || m[2] === '' ? lo : Number(m[2]);
    if (lo > 1000 || hi > 1000) return 'pcre:repeat';
    out = m[1] === '' ? `{0,${m[2]}}` : m[0];
    next = i + m[0].length;
  }
  if (src[next] === '+') return 'pcre:atomic';
  if (src[next] === '?') return { out: `${out}?`, next: next + 1 };
  return { out, next };
}

function tokenAt(st: Scan, i: number): Step {
  const src = st.source;
  const c = src[i]!;
  if (c === '\\') return escapeAt(st, i);
  if (st.inClass) return classAt(st, i);
  if (st.extended && /[ \t\n\r\f\v]/.test(c)) return { out: '', next: i + 1 };
  if (st.extended && c === '#') {
    const nl = src.indexOf('\n', i);
    return { out: '', next: nl < 0 ? src.length : nl + 1 };
  }
  if (c === '[') {
    st.inClass = true;
    // a ']' (or '^]') right after the opening bracket is a literal, in PCRE and RE2 alike
    const lit = /^\[\^?\]?/.exec(src.slice(i))![0];
    return { out: lit, next: i + lit.length };
  }
  if (c === '(') {
    const g = groupFor(src.slice(i + 1, i + 40));
    if (g === 'comment') {
      const end = src.indexOf(')', i);
      return { out: '', next: end < 0 ? src.length : end + 1 };
    }
    if (typeof g === 'string') return g;
    if (g.extended) st.extended = true; // (?x): extended from here on (an approximation for a scoped group)
    return { out: g.out, next: i + g.used };
  }
  const q = quantifierAt(st, i);
  if (q !== undefined) return q;
  if (c === '$' && !st.opts.multiline && !st.opts.dollarEndOnly) return { out: '(?:\\n?\\z)', next: i + 1 };
  return { out: c, next: i + 1 };
}

/** Rewrites PCRE syntax to RE2 syntax, or names what re2js cannot run. Linear in the pattern length. */
export function translatePcre(source: string, opts: { extended: boolean; multiline: boolean; dollarEndOnly: boolean }): Translated {
  const st: Scan = { source, opts, inClass: false, extended: opts.extended };
  let out = '';
  for (let i = 0; i < source.length; ) {
    const r = tokenAt(st, i);
    if (typeof r === 'string') return { ok: false, reason: r };
    out += r.out;
    i = r.next;
  }
  return { ok: true, source: out };
}

export type CompiledPcre = { readonly ok: true; readonly regex: LazyRegex } | { readonly ok: false; readonly reason: PcreSkip };

/** Compiles a parsed pcre for re2js, or returns why it cannot run there. */
export function compilePcre(spec: PcreSpec): CompiledPcre {
  const t = translatePcre(spec.source, { extended: spec.flags.x, multiline: spec.flags.m, dollarEndOnly: spec.flags.E });
  if (!t.ok) return t;
  let src = t.source;
  if (spec.flags.G) src = `(?U)${src}`;
  if (spec.flags.A) src = `\\A(?:${src})`;
  let flags = RE2JS.LOOKBEHINDS;
  if (spec.flags.i) flags |= RE2JS.CASE_INSENSITIVE;
  if (spec.flags.s) flags |= RE2JS.DOTALL;
  if (spec.flags.m) flags |= RE2JS.MULTILINE;
  try {
    RE2JS.compile(src, flags); // proves it runs; LazyRegex compiles it again when first needed
    return { ok: true, regex: new LazyRegex(src, flags) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : '';
    if (/repeat count|expression too large/.test(msg)) return { ok: false, reason: 'pcre:repeat' };
    if (/nested repetition/.test(msg)) return { ok: false, reason: 'pcre:atomic' };
    if (/escape sequence: `\\\d/.test(msg)) return { ok: false, reason: 'pcre:backreference' };
    return { ok: false, reason: 'pcre:unsupported' };
  }
}
