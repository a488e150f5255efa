// Regular expressions for patterns matched against attacker-controlled bytes, through re2js (a linear-time RE2
// port in plain JavaScript, no native build): whatever the pattern, matching costs at most O(input × program).
// V8's RegExp is never used for rule patterns: it backtracks, and hostile input can make it exponential.
//
// On top of what RE2 refuses (backreferences, lookaround), the `portable` policy used by our own JSON rules also
// refuses the shapes that are catastrophic on backtracking engines (nested quantifiers such as (a+)+, alternation
// under a large repetition such as (a|b)*), so a rule stays safe if someone ports it to Suricata's PCRE. The
// `linear` policy (community signatures) refuses only what RE2 cannot run and oversized programs.
//
// Inputs are text decoded as latin1 (every char code 0..255); patterns may not name characters above U+00FF.

import { RE2JS } from 're2js';
import { REGEX_MAX_PROGRAM, REGEX_MAX_REPEAT, REGEX_MAX_SOURCE } from './limits.ts';

export interface SafeRegex {
  /** True when the pattern matches anywhere in `text`. */
  test(text: string): boolean;
}

export interface RegexOptions {
  readonly nocase?: boolean;
  /** `.` matches a newline too (PCRE /s). */
  readonly dotAll?: boolean;
  /** `^` and `$` match at line boundaries (PCRE /m). */
  readonly multiline?: boolean;
  /** portable (default): our own rules' stricter shape rules; linear: only what RE2 cannot run is refused. */
  readonly policy?: 'portable' | 'linear';
  /** Largest counted repetition accepted (default REGEX_MAX_REPEAT; RE2's own ceiling is 1000). */
  readonly maxRepeat?: number;
  readonly maxProgram?: number;
}

export type RegexCompileResult = { readonly ok: true; readonly regex: SafeRegex } | { readonly ok: false; readonly reason: string };

/** Compiles `source`, or says why not. Never throws. */
export function compileSafeRegex(source: string, opts: RegexOptions = {}): RegexCompileResult {
  const portable = (opts.policy ?? 'portable') === 'portable';
  if (portable && source.length > REGEX_MAX_SOURCE) return fail(`longer than ${REGEX_MAX_SOURCE} characters`);
  for (let i = 0; i < source.length; i++) {
    if (source.charCodeAt(i) > 0xff) return fail('characters above U+00FF never occur in latin1 payload text; write \\xHH');
  }
  const shape = checkShape(source, portable, opts.maxRepeat ?? REGEX_MAX_REPEAT);
  if (shape !== undefined) return fail(shape);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, (opts.nocase ? RE2JS.CASE_INSENSITIVE : 0) | (opts.dotAll ? RE2JS.DOTALL : 0) | (opts.multiline ? RE2JS.MULTILINE : 0));
  } catch (err) {
    return fail(err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err));
  }
  const size = re.re2().prog.inst.length;
  const maxProgram = opts.maxProgram ?? REGEX_MAX_PROGRAM;
  if (size > maxProgram) return fail(`compiles to ${size} instructions (at most ${maxProgram})`);
  return { ok: true, regex: { test: (text) => re.test(text) } };
}

const fail = (reason: string): RegexCompileResult => ({ ok: false, reason });

interface Group {
  quantified: boolean; // holds a quantifier
  alternation: boolean; // holds a |
}

/**
 * One pass over the pattern's syntax (escapes, classes, groups, quantifiers): the constructs RE2 accepts that we
 * refuse. Returns the reason, or undefined when the pattern is fine. RE2's parser judges everything else.
 */
function checkShape(src: string, portable: boolean, maxRepeat: number): string | undefined {
  const stack: Group[] = [{ quantified: false, alternation: false }];
  let last: Group | 'atom' | null = null; // what a quantifier here would repeat
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      if (/[1-9k]/.test(src[i + 1] ?? '')) return 'backreferences are not supported';
      i++;
      last = 'atom';
    } else if (c === '[') {
      i = classEnd(src, i);
      last = 'atom';
    } else if (c === '(') {
      if (/^\(\?<?[=!]/.test(src.slice(i, i + 4))) return 'lookaround is not supported';
      if (/^\(\?P?<[A-Za-z_]/.test(src.slice(i, i + 5))) return 'named groups are not supported';
      const flags = /^\(\?[a-zA-Z-]*([:)])/.exec(src.slice(i, i + 12)); // (?:...), (?i:...), (?i)
      if (flags && flags[1] === ')') {
        i += flags[0].length - 1;
        continue;
      }
      if (flags) i += flags[0].length - 1;
      stack.push({ quantified: false, alternation: false });
      last = null;
    } else if (c === ')') {
      if (stack.length === 1) return 'unbalanced )';
      last = stack.pop()!;
    } else if (c === '|') {
      stack[stack.length - 1]!.alternation = true;
      last = null;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      const q = readQuantifier(src, i);
      if (q === null) {
        last = 'atom'; // a literal {
        continue;
      }
      if (q.max > maxRepeat || q.min > maxRepeat) return `repetition bound above ${maxRepeat}`;
      if (last === null) return `quantifier ${src.slice(i, q.end + 1)} repeats nothing`;
      if (portable && last !== 'atom' && q.max !== 1) {
        if (last.quantified) return 'nested quantifier (a quantified group that holds a quantifier)';
        if (last.alternation && (q.max < 0 || q.max > 16)) return 'alternation under an unbounded or large repetition';
      }
      stack[stack.length - 1]!.quantified = true;
      i = q.end;
      if (src[i + 1] === '?') i++; // lazy: we only test for a match
      last = null;
    } else {
      last = 'atom';
    }
  }
  return undefined;
}

/** Index of the `]` closing the class that opens at `i` (or the end: RE2 reports the error). */
function classEnd(src: string, i: number): number {
  let j = i + 1;
  if (src[j] === '^') j++;
  if (src[j] === ']') j++;
  for (; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === '[' && src[j + 1] === ':') {
      const k = src.indexOf(':]', j + 2);
      if (k > 0) j = k + 1;
    } else if (src[j] === ']') return j;
  }
  return src.length;
}

/** The quantifier at `i`: bounds (max -1 = unbounded) and its last index; null for a `{` that is a literal. */
function readQuantifier(src: string, i: number): { min: number; max: number; end: number } | null {
  const c = src[i];
  if (c === '*') return { min: 0, max: -1, end: i };
  if (c === '+') return { min: 1, max: -1, end: i };
  if (c === '?') return { min: 0, max: 1, end: i };
  const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
  if (!m) return null;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
  return { min, max, end: i + m[0].length - 1 };
}
