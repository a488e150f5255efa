// byte_test, byte_jump, byte_extract, isdataat and the size tests dsize, bsize, urilen (Suricata user guide,
// "Payload Keywords"). Arguments are parsed as Suricata documents them; `dce` (DCERPC byte order) and anything
// else unknown is an error or a skip with the option named.

import type { RuleDraft } from './rule-draft.ts';
import { ruleError, ruleSkip, type RuleProblem } from './rule-problem.ts';
import { parseInteger, parseUnsigned, splitArgs } from './rule-options.ts';
import { numArg } from './content-keywords.ts';
import type { ByteTestStep, NumArg, UintTest } from './signature.ts';

const BASES: Readonly<Record<string, number>> = { hex: 16, dec: 10, oct: 8 };

/** dsize/bsize/urilen style comparisons: N, =N, !N, <N, >N, <=N, >=N, A<>B, A-B (A < x < B). */
export function parseUint(text: string, max = 0xffffffff): UintTest | null {
  const t = text.replace(/\s+/g, '');
  const range = /^(\d+)(?:<>|-)(\d+)$/.exec(t);
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    return a < b && b <= max ? { op: '<>', a, b } : null;
  }
  const m = /^(<=|>=|<|>|!|=)?(\d+)$/.exec(t);
  if (!m) return null;
  const a = Number(m[2]);
  if (a > max) return null;
  return { op: (m[1] ?? '=') as UintTest['op'], a, b: 0 };
}

interface ByteOptions {
  relative: boolean;
  little: boolean;
  base: number;
  bitmask: number | undefined;
  rest: Map<string, string>;
}

/** The shared trailing options: relative, big/little, string,<type>, bitmask <v>, and word[ value] extras. */
function byteOptions(args: readonly string[], option: string, stringDefault = 10): ByteOptions | RuleProblem {
  const o: ByteOptions = { relative: false, little: false, base: 0, bitmask: undefined, rest: new Map() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [word, arg] = a.split(/\s+/, 2) as [string, string | undefined];
    if (a === 'relative') o.relative = true;
    else if (a === 'big') o.little = false;
    else if (a === 'little') o.little = true;
    else if (a === 'dce') return ruleSkip('keyword:dce', option);
    else if (a === 'string') {
      const next = args[i + 1];
      if (next !== undefined && BASES[next] !== undefined) {
        o.base = BASES[next]!;
        i++;
      } else o.base = stringDefault;
    } else if (BASES[a] !== undefined) o.base = BASES[a]!;
    else if (word === 'bitmask') {
      const m = arg === undefined ? null : parseUnsigned(arg, 0xffffffff);
      if (m === null || m === 0) return ruleError('option.value', `invalid bitmask in ${option}`, option);
      o.bitmask = m;
    } else o.rest.set(word, arg ?? '');
  }
  return o;
}

const isProblem = (x: unknown): x is RuleProblem => typeof x === 'object' && x !== null && 'kind' in x && ((x as RuleProblem).kind === 'error' || (x as RuleProblem).kind === 'skip');

/** Bytes to read: 1-8 binary, 0-23 as text (0: the number runs to the first non-digit, as strtoull reads). */
function nbytesOf(text: string | undefined, base: number): number | null {
  return text === undefined ? null : parseInteger(text, base === 0 ? 1 : 0, base === 0 ? 8 : 23);
}

export function addByteTest(d: RuleDraft, value: string | undefined, option: string): RuleProblem | undefined {
  const args = splitArgs(value ?? '');
  if (args.length < 4) return ruleError('option.value', 'byte_test needs bytes, operator, value, offset', option);
  const o = byteOptions(args.slice(4), option);
  if (isProblem(o)) return o;
  if (o.rest.size > 0) return ruleError('option.value', `unknown byte_test option ${[...o.rest.keys()][0]}`, option);
  const nbytes = nbytesOf(args[0], o.base);
  const opm = /^(!?)\s*(<=|>=|<|>|=|&|\^)?$/.exec(args[1]!);
  const val: NumArg | null = parseUnsigned(args[2]!) !== null ? { v: parseUnsigned(args[2]!)! } : numArg(d, args[2]!, 0, 0);
  const offset = numArg(d, args[3]!, -65535, 65535);
  if (nbytes === null || !opm || (opm[1] === '' && opm[2] === undefined) || !val || !offset) {
    return ruleError('option.value', `malformed byte_test ${JSON.stringify(value)}`, option);
  }
  const step: ByteTestStep = {
    kind: 'byte_test', nbytes, op: (opm[2] ?? '=') as ByteTestStep['op'], negated: opm[1] === '!', value: val, offset,
    relative: o.relative, little: o.little, base: o.base, bitmask: o.bitmask,
  };
  d.add(step);
  return undefined;
}

export function addByteJump(d: RuleDraft, value: string | undefined, option: string): RuleProblem | undefined {
  const args = splitArgs(value ?? '');
  if (args.length < 2) return ruleError('option.value', 'byte_jump needs bytes and offset', option);
  const o = byteOptions(args.slice(2), option);
  if (isProblem(o)) return o;
  const nbytes = nbytesOf(args[0], o.base);
  const offset = numArg(d, args[1]!, -65535, 65535);
  const multiplier = o.rest.has('multiplier') ? parseInteger(o.rest.get('multiplier')!, 1, 65535) : 1;
  const postOffset = o.rest.has('post_offset') ? parseInteger(o.rest.get('post_offset')!, -65535, 65535) : 0;
  for (const k of o.rest.keys()) {
    if (!['multiplier', 'post_offset', 'align', 'from_beginning', 'from_end'].includes(k)) {
      return ruleError('option.value', `unknown byte_jump option ${k}`, option);
    }
  }
  if (nbytes === null || !offset || multiplier === null || postOffset === null) {
    return ruleError('option.value', `malformed byte_jump ${JSON.stringify(value)}`, option);
  }
  d.add({
    kind: 'byte_jump', nbytes, offset, relative: o.relative, little: o.little, base: o.base, multiplier,
    align: o.rest.has('align'), fromBeginning: o.rest.has('from_beginning'), fromEnd: o.rest.has('from_end'),
    postOffset, bitmask: o.bitmask,
  });
  return undefined;
}

export function addByteExtract(d: RuleDraft, value: string | undefined, option: string): RuleProblem | undefined {
  const args = splitArgs(value ?? '');
  if (args.length < 3) return ruleError('option.value', 'byte_extract needs bytes, offset, name', option);
  const o = byteOptions(args.slice(3), option);
  if (isProblem(o)) return o;
  const nbytes = nbytesOf(args[0], o.base);
  const offset = parseInteger(args[1]!, -65535, 65535);
  const name = args[2]!;
  const multiplier = o.rest.has('multiplier') ? parseInteger(o.rest.get('multiplier')!, 1, 65535) : 1;
  const align = o.rest.has('align') ? parseInteger(o.rest.get('align')!, 2, 4) : 1;
  for (const k of o.rest.keys()) {
    if (k !== 'multiplier' && k !== 'align') return ruleError('option.value', `unknown byte_extract option ${k}`, option);
  }
  if (nbytes === null || offset === null || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || multiplier === null || align === null) {
    return ruleError('option.value', `malformed byte_extract ${JSON.stringify(value)}`, option);
  }
  if (d.slots.has(name)) return ruleError('option.value', `byte_extract variable ${name} defined twice`, option);
  const slot = d.slots.size;
  d.slots.set(name, slot);
  d.add({ kind: 'byte_extract', nbytes, offset, slot, relative: o.relative, little: o.little, base: o.base, multiplier, align, bitmask: o.bitmask });
  return undefined;
}

export function addIsDataAt(d: RuleDraft, value: string | undefined, option: string): RuleProblem | undefined {
  const args = splitArgs(value ?? '');
  let first = args[0] ?? '';
  const negated = first.startsWith('!');
  if (negated) first = first.slice(1).trim();
  const at = numArg(d, first, 0, 65535);
  const flags = args.slice(1);
  if (!at || flags.some((f) => f !== 'relative' && f !== 'rawbytes')) {
    return ruleError('option.value', `malformed isdataat ${JSON.stringify(value)}`, option);
  }
  d.add({ kind: 'isdataat', at, relative: flags.includes('relative'), negated });
  return undefined;
}

export function addSizeTest(d: RuleDraft, kind: 'bsize' | 'urilen', value: string | undefined, option: string): RuleProblem | undefined {
  const args = splitArgs(value ?? '');
  const test = parseUint(args[0] ?? '');
  const mode = args[1];
  if (!test || args.length > 2 || (mode !== undefined && mode !== 'norm' && mode !== 'raw')) {
    return ruleError('option.value', `malformed ${kind} ${JSON.stringify(value)}`, option);
  }
  if (kind === 'bsize') {
    if (d.current.name === 'payload') return ruleError('option.value', 'bsize needs a sticky buffer', option);
    d.add({ kind, test });
  } else {
    d.add({ kind, test }, mode === 'raw' ? 'http.uri.raw' : 'http.uri');
  }
  return undefined;
}
