// Rule documents in, a Classifier out. Every rule is validated here, at load, with a RulesError naming the rule:
// unknown or missing fields, bad ids, duplicate ids, bad hex, bad ports, unsafe regular expressions. Matching
// never fails at run time because nothing unchecked gets this far.
//
// Cost model, per record: the payload is cut to INSPECT_LIMIT bytes and decoded as latin1 once; facts are
// extracted once; the required literals of all rules (derived from their conditions) are found in one
// Aho-Corasick pass; each rule is first filtered by proto/state/port, then by its literals (at least one must
// occur), and only then are its conditions, and last its regular expressions (re2js, linear-time), evaluated.

import { Buffer } from 'node:buffer';
import { RulesError } from '../errors.ts';
import type { Label } from '../record/flow-record.ts';
import { dataset, DATASET_NAMES } from './datasets.ts';
import { ThresholdTracker, type ThresholdSpec } from './detectors.ts';
import { drain, drainSliced, type CompileSlicing, type Steps } from './slices.ts';
import { extractFacts, type Parsed } from './extract/facts.ts';
import { fieldSpec, Inspection } from './inspection.ts';
import {
  CONDITION_MAX_DEPTH, DETECTOR_MAX_COUNT, DETECTOR_MAX_WINDOW_S, INSPECT_LIMIT, LITERAL_MAX,
} from './limits.ts';
import { percentDecode } from './percent-decode.ts';
import { compileSafeRegex } from './safe-regex.ts';
import { LiteralScanner } from './literal-scan.ts';
import { CATEGORIES, SEVERITIES, STATES } from './rule-schema.ts';
import type { Classifier, ClassifyInput, ClassifyResult } from './types.ts';

type Pred = (c: Inspection) => boolean;

/** A rule after validation. */
export interface CompiledRule {
  readonly label: Label;
  readonly references: readonly string[];
  readonly description: string | undefined;
  readonly protos: ReadonlySet<string> | null;
  readonly states: ReadonlySet<string> | null;
  /** Inclusive destination port ranges, or null for any port. */
  readonly ports: readonly (readonly [number, number])[] | null;
  /** Lower-cased literals of which at least one must occur in the payload; null when none can be derived. */
  readonly prefilter: readonly string[] | null;
  readonly test: Pred;
  readonly threshold: (ThresholdSpec & { readonly by: readonly string[]; readonly distinctField?: string }) | null;
  readonly usesRegex: boolean;
  /** Its match can only hold on a non-empty payload: not run for SYN-only and empty records. */
  readonly needsPayload: boolean;
}

/** What a condition requires of the payload text: one of these lower-cased literals (or null: nothing known). */
type Need = readonly string[] | null;

interface Compiled {
  readonly pred: Pred;
  readonly need: Need;
  readonly regex: boolean;
  /** True when the condition can only hold on a non-empty payload (a SYN-only record never runs it). */
  readonly payload: boolean;
}

/** Fields parsed out of the client's payload: undefined when it is empty, and then every check on them fails. */
const PAYLOAD_FIELD = /^(?:http|ssh|tls|smb|rdp|dns|ntp|rpc|njrat)\./;

const ID_RE = /^[a-z][a-z0-9]*-[0-9]{1,9}$/;
const RULE_KEYS = new Set([
  'id', 'rev', 'name', 'category', 'severity', 'references', 'description', 'enabled', 'proto', 'state', 'ports',
  'match', 'threshold',
]);
const CONTENT_KEYS = new Set(['content', 'hex', 'nocase', 'offset', 'depth', 'at']);
const UINT_KEYS = new Set(['uint', 'equals', 'in', 'min', 'max']);
const FIELD_KEYS = new Set(['field', 'exists', 'equals', 'in', 'contains', 'prefix', 'suffix', 'regex', 'min', 'max', 'nocase', 'decode', 'dataset']);
const THRESHOLD_KEYS = new Set(['count', 'window_s', 'by', 'distinct', 'mode']);
const KEY_FIELDS = new Set(['src_ip', 'dst_ip', 'dst_port', 'proto']);
const DISTINCT_FIELDS = new Set(['dst_port', 'dst_ip', 'src_port']);

class RuleCompiler {
  readonly #id: string;
  #regex = false;
  constructor(id: string) {
    this.#id = id;
  }
  fail(msg: string): never {
    throw new RulesError(`rule ${this.#id}: ${msg}`, this.#id);
  }
  get usedRegex(): boolean {
    return this.#regex;
  }

  #obj(v: unknown, where: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(`${where} must be an object`);
    return v as Record<string, unknown>;
  }
  #onlyKeys(o: Record<string, unknown>, allowed: ReadonlySet<string>, where: string): void {
    for (const k of Object.keys(o)) if (!allowed.has(k)) this.fail(`unknown field "${k}" in ${where}`);
  }
  #int(v: unknown, where: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(`${where} must be an integer in ${min}..${max}`);
    return v;
  }
  #str(v: unknown, where: string): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(`${where} must be a non-empty string`);
    if (v.length > LITERAL_MAX) this.fail(`${where} longer than ${LITERAL_MAX} characters`);
    return v;
  }
  #bool(v: unknown, where: string): boolean {
    if (typeof v !== 'boolean') this.fail(`${where} must be true or false`);
    return v;
  }

  /** "0a 0B|ff" style hex (spaces, colons and | separators allowed) to a latin1 string. */
  hex(v: unknown, where: string): string {
    const s = this.#str(v, where).replace(/[\s:|]/g, '');
    if (s.length === 0 || s.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(s)) this.fail(`${where}: bad hex "${String(v)}"`);
    return Buffer.from(s, 'hex').toString('latin1');
  }

  ports(v: unknown): [number, number][] {
    if (!Array.isArray(v) || v.length === 0) this.fail('ports must be a non-empty list of ports or "low-high" ranges');
    return v.map((p): [number, number] => {
      if (typeof p === 'number') {
        const n = this.#int(p, 'port', 0, 65535);
        return [n, n];
      }
      const m = typeof p === 'string' ? /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(p) : null;
      if (!m) this.fail(`bad port "${String(p)}"`);
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (lo > 65535 || hi > 65535 || hi < lo) this.fail(`bad port range "${p as string}"`);
      return [lo, hi];
    });
  }

  cond(v: unknown, depth: number): Compiled {
    if (depth > CONDITION_MAX_DEPTH) this.fail(`conditions nested deeper than ${CONDITION_MAX_DEPTH}`);
    const o = this.#obj(v, 'condition');
    if ('all' in o || 'any' in o) {
      const kind = 'all' in o ? 'all' : 'any';
      this.#onlyKeys(o, new Set([kind]), kind);
      const list = o[kind];
      if (!Array.isArray(list) || list.length === 0) this.fail(`${kind} must be a non-empty list`);
      const parts = list.map((c) => this.cond(c, depth + 1));
      // Cheap conditions first: literal checks before regexes, in the written order otherwise.
      const ordered = [...parts.filter((p) => !p.regex), ...parts.filter((p) => p.regex)];
      const preds = ordered.map((p) => p.pred);
      const regex = parts.some((p) => p.regex);
      if (kind === 'all') {
        let need: Need = null;
        for (const p of parts) if (p.need && (!need || minLen(p.need) > minLen(need))) need = p.need;
        return { pred: (c) => every(preds, c), need, regex, payload: parts.some((p) => p.payload) };
      }
      const need = parts.every((p) => p.need) ? [...new Set(parts.flatMap((p) => p.need!))] : null;
      return { pred: (c) => some(preds, c), need, regex, payload: parts.every((p) => p.payload) };
    }
    if ('not' in o) {
      this.#onlyKeys(o, new Set(['not']), 'not');
      const inner = this.cond(o.not, depth + 1);
      return { pred: (c) => !inner.pred(c), need: null, regex: inner.regex, payload: false };
    }
    if ('content' in o || 'hex' in o) return this.#content(o);
    if ('uint' in o) return this.#uint(o);
    if ('field' in o) return this.#field(o);
    return this.fail(`condition needs one of all, any, not, content, hex, uint, field (got ${Object.keys(o).join(', ') || 'nothing'})`);
  }

  #content(o: Record<string, unknown>): Compiled {
    this.#onlyKeys(o, CONTENT_KEYS, 'content condition');
    if ('content' in o && 'hex' in o) this.fail('content and hex are exclusive; use two conditions');
    const nocase = o.nocase === undefined ? false : this.#bool(o.nocase, 'nocase');
    if ('hex' in o && nocase) this.fail('nocase applies to content, not hex');
    const lit = 'hex' in o ? this.hex(o.hex, 'hex') : this.#str(o.content, 'content');
    if (/[^\x00-\xff]/.test(lit)) this.fail('content has characters above U+00FF; use hex for bytes');
    if ('at' in o && ('offset' in o || 'depth' in o)) this.fail('at excludes offset and depth');
    const offset = 'at' in o ? this.#int(o.at, 'at', 0, INSPECT_LIMIT) : o.offset === undefined ? 0 : this.#int(o.offset, 'offset', 0, INSPECT_LIMIT);
    const depth = 'at' in o ? lit.length : o.depth === undefined ? INSPECT_LIMIT : this.#int(o.depth, 'depth', 1, INSPECT_LIMIT);
    if (depth < lit.length) this.fail(`depth ${depth} is shorter than the pattern (${lit.length} bytes)`);
    const end = offset + depth;
    const needle = nocase ? lit.toLowerCase() : lit;
    if (depth === lit.length) {
      // Anchored at one position: compare there instead of searching the whole text.
      const pred: Pred = nocase ? (c) => c.lower.startsWith(needle, offset) : (c) => c.text.startsWith(needle, offset);
      return { pred, need: [lit.toLowerCase()], regex: false, payload: true };
    }
    const pred: Pred = nocase
      ? (c) => {
          const i = c.lower.indexOf(needle, offset);
          return i >= 0 && i + needle.length <= end;
        }
      : (c) => {
          const i = c.text.indexOf(needle, offset);
          return i >= 0 && i + needle.length <= end;
        };
    return { pred, need: [lit.toLowerCase()], regex: false, payload: true };
  }

  #uint(o: Record<string, unknown>): Compiled {
    this.#onlyKeys(o, UINT_KEYS, 'uint condition');
    const u = this.#obj(o.uint, 'uint');
    this.#onlyKeys(u, new Set(['at', 'size', 'endian', 'mask']), 'uint');
    const at = this.#int(u.at, 'uint.at', 0, INSPECT_LIMIT - 1);
    const size = u.size;
    if (size !== 1 && size !== 2 && size !== 4) this.fail('uint.size must be 1, 2 or 4');
    const endian = u.endian ?? 'be';
    if (endian !== 'be' && endian !== 'le') this.fail('uint.endian must be "be" or "le"');
    const mask = u.mask === undefined ? null : this.#int(u.mask, 'uint.mask', 0, 0xffffffff);
    const read = (b: Uint8Array): number => {
      if (at + size > b.length) return -1;
      let v = 0;
      for (let i = 0; i < size; i++) v = v * 256 + b[endian === 'be' ? at + i : at + size - 1 - i]!;
      return mask === null ? v : Number((BigInt(v) & BigInt(mask)));
    };
    const checks: ((v: number, c: Inspection) => boolean)[] = [];
    if (o.equals !== undefined) {
      if (typeof o.equals === 'string') {
        const m = /^payload_len(?:([+-])(\d{1,5}))?$/.exec(o.equals);
        if (!m) this.fail(`uint equals must be a number or "payload_len[+-N]" (got "${o.equals}")`);
        const d = m[1] === undefined ? 0 : (m[1] === '-' ? -1 : 1) * Number(m[2]);
        checks.push((v, c) => v === c.input.payload.length + d);
      } else {
        const n = this.#int(o.equals, 'equals', 0, 0xffffffff);
        checks.push((v) => v === n);
      }
    }
    this.#numericOps(o, checks);
    if (checks.length === 0) this.fail('uint condition needs equals, in, min or max');
    return { pred: (c) => { const v = read(c.bytes); return v >= 0 && everyOf(checks, v, c); }, need: null, regex: false, payload: true };
  }

  #numericOps(o: Record<string, unknown>, checks: ((v: number, c: Inspection) => boolean)[]): void {
    if (o.in !== undefined) {
      if (!Array.isArray(o.in) || o.in.length === 0) this.fail('in must be a non-empty list');
      const set = new Set(o.in.map((x) => this.#int(x, 'in value', 0, 0xffffffff)));
      checks.push((v) => set.has(v));
    }
    if (o.min !== undefined) {
      const n = this.#int(o.min, 'min', 0, 0xffffffff);
      checks.push((v) => v >= n);
    }
    if (o.max !== undefined) {
      const n = this.#int(o.max, 'max', 0, 0xffffffff);
      checks.push((v) => v <= n);
    }
  }

  #field(o: Record<string, unknown>): Compiled {
    this.#onlyKeys(o, FIELD_KEYS, 'field condition');
    const name = this.#str(o.field, 'field');
    const spec = fieldSpec(name);
    if (!spec) this.fail(`unknown field "${name}" (see docs/rules.md for the list)`);
    const get = spec.get;
    const checks: Pred[] = [];
    if (o.exists !== undefined) {
      const want = this.#bool(o.exists, 'exists');
      checks.push((c) => (get(c) !== undefined) === want);
    }
    let need: Need = null;
    let regex = false;
    if (spec.kind === 'number') {
      const check = this.#numberField(o, name, get);
      if (check) checks.push(check);
    } else {
      const str = this.#stringField(o, name, get);
      if (str.check) checks.push(str.check);
      regex = str.regex;
      // Raw fields are substrings of the payload text, so their literals are prefilters for the whole rule.
      if (spec.raw && !str.decode && str.lits.length > 0) {
        need = str.lits.reduce((best, l) => (minLen(l) > minLen(best) ? l : best)).map((x) => x.toLowerCase());
        if (minLen(need) < 1) need = null;
      }
    }
    if (checks.length === 0) this.fail(`field condition on ${name} has no operator`);
    return { pred: (c) => every(checks, c), need, regex, payload: PAYLOAD_FIELD.test(name) && o.exists !== false };
  }

  #numberField(o: Record<string, unknown>, name: string, get: (c: Inspection) => unknown): Pred | undefined {
    for (const k of ['contains', 'prefix', 'suffix', 'regex', 'nocase', 'decode', 'dataset']) {
      if (o[k] !== undefined) this.fail(`${k} does not apply to the numeric field ${name}`);
    }
    const nums: ((v: number, c: Inspection) => boolean)[] = [];
    if (o.equals !== undefined) {
      const n = this.#int(o.equals, 'equals', 0, 0xffffffff);
      nums.push((v) => v === n);
    }
    this.#numericOps(o, nums);
    if (nums.length === 0) return undefined;
    return (c) => {
      const v = get(c);
      return typeof v === 'number' && everyOf(nums, v, c);
    };
  }

  #stringField(o: Record<string, unknown>, name: string, get: (c: Inspection) => unknown): { check: Pred | undefined; lits: string[][]; decode: boolean; regex: boolean } {
    for (const k of ['min', 'max']) if (o[k] !== undefined) this.fail(`${k} applies to numeric fields, not ${name}`);
    const nocase = o.nocase === undefined ? false : this.#bool(o.nocase, 'nocase');
    let decode = false;
    if (o.decode !== undefined) {
      if (o.decode !== 'url') this.fail('decode must be "url"');
      decode = true;
    }
    const key = `${name}${decode ? '#url' : ''}`;
    const value = (c: Inspection, v: string): string => {
      const d = decode ? c.decoded(key, v) : v;
      return nocase ? c.lowered(key, d) : d;
    };
    // one of a multi-valued field's values (login attempts, recipients) passing is enough; they are not cached
    const each = (v: string): string => {
      const d = decode ? percentDecode(v) : v;
      return nocase ? d.toLowerCase() : d;
    };
    const { strs, lits, regex } = this.#stringOps(o, nocase);
    const check: Pred | undefined = strs.length === 0 ? undefined : (c) => {
      const v = get(c) as string | readonly string[] | undefined;
      if (v === undefined) return false;
      if (typeof v === 'string') {
        return everyOf(strs, value(c, v), c);
      }
      for (const item of v) if (everyOf(strs, each(item), c)) return true;
      return false;
    };
    return { check, lits, decode, regex };
  }

  /** The string operators of a field condition, each with the literals it requires. */
  #stringOps(o: Record<string, unknown>, nocase: boolean): { strs: ((v: string) => boolean)[]; lits: string[][]; regex: boolean } {
    const norm = (x: string) => (nocase ? x.toLowerCase() : x);
    const strs: ((v: string) => boolean)[] = [];
    const lits: string[][] = [];
    const literal = (key: string, test: (v: string, lit: string) => boolean) => {
      if (o[key] === undefined) return;
      const lit = norm(this.#str(o[key], key));
      strs.push((v) => test(v, lit));
      lits.push([lit]);
    };
    literal('equals', (v, lit) => v === lit);
    if (o.in !== undefined) {
      if (!Array.isArray(o.in) || o.in.length === 0) this.fail('in must be a non-empty list');
      const set = new Set(o.in.map((x) => norm(this.#str(x, 'in value'))));
      strs.push((v) => set.has(v));
      lits.push([...set]);
    }
    if (o.dataset !== undefined) {
      const name = this.#str(o.dataset, 'dataset');
      const set = dataset(name);
      if (!set) this.fail(`unknown dataset "${name}" (built-in: ${DATASET_NAMES.join(', ')})`);
      const values = nocase ? new Set([...set].map((x) => x.toLowerCase())) : set;
      strs.push((v) => values.has(v));
    }
    literal('contains', (v, lit) => v.includes(lit));
    literal('prefix', (v, lit) => v.startsWith(lit));
    literal('suffix', (v, lit) => v.endsWith(lit));
    let regex = false;
    if (o.regex !== undefined) {
      const src = this.#str(o.regex, 'regex');
      const r = compileSafeRegex(src, { nocase });
      if (!r.ok) this.fail(`regex /${src}/ rejected: ${r.reason}`);
      const re = r.regex;
      strs.push((v) => re.test(v));
      regex = true;
      this.#regex = true;
    }
    return { strs, lits, regex };
  }

  rule(doc: unknown): CompiledRule | null {
    const o = this.#obj(doc, 'rule');
    this.#onlyKeys(o, RULE_KEYS, 'rule');
    const rev = this.#int(o.rev, 'rev', 1, 1_000_000);
    const name = this.#str(o.name, 'name');
    if (name.length > 200 || /[\x00-\x1f]/.test(name)) this.fail('name must be one line of at most 200 characters');
    if (!CATEGORIES.includes(o.category as never)) this.fail(`category must be one of ${CATEGORIES.join(', ')}`);
    if (!SEVERITIES.includes(o.severity as never)) this.fail(`severity must be one of ${SEVERITIES.join(', ')}`);
    let references: string[] = [];
    if (o.references !== undefined) {
      if (!Array.isArray(o.references)) this.fail('references must be a list of strings');
      references = o.references.map((r) => this.#str(r, 'reference'));
    }
    const description = o.description === undefined ? undefined : this.#str(o.description, 'description');
    const enabled = o.enabled === undefined ? true : this.#bool(o.enabled, 'enabled');
    const list = <T extends string>(v: unknown, allowed: readonly T[], what: string): Set<string> | null => {
      if (v === undefined) return null;
      const arr = Array.isArray(v) ? v : [v];
      if (arr.length === 0) this.fail(`${what} must not be empty`);
      for (const x of arr) if (!allowed.includes(x as T)) this.fail(`${what} "${String(x)}" is not one of ${allowed.join(', ')}`);
      return new Set(arr as string[]);
    };
    const protos = list(o.proto, ['tcp', 'udp'], 'proto');
    const states = list(o.state, STATES, 'state');
    if (protos && states) {
      if (!protos.has('udp') && states.has('udp') && states.size === 1) this.fail('state "udp" with proto tcp never matches');
      if (!protos.has('tcp') && !states.has('udp')) this.fail('proto udp needs state "udp"');
    }
    const ports = o.ports === undefined ? null : this.ports(o.ports);
    const m = o.match === undefined ? null : this.cond(o.match, 0);
    if (m && m.regex && !m.need) {
      this.fail('a rule with a regex needs a literal to prefilter on (add a content/contains/prefix/equals condition under all)');
    }
    let threshold: CompiledRule['threshold'] = null;
    if (o.threshold !== undefined) {
      const t = this.#obj(o.threshold, 'threshold');
      this.#onlyKeys(t, THRESHOLD_KEYS, 'threshold');
      const count = this.#int(t.count, 'threshold.count', 2, DETECTOR_MAX_COUNT);
      const windowS = this.#int(t.window_s, 'threshold.window_s', 1, DETECTOR_MAX_WINDOW_S);
      if (!Array.isArray(t.by) || t.by.length === 0) this.fail('threshold.by must be a non-empty list');
      for (const b of t.by) if (!KEY_FIELDS.has(b as string)) this.fail(`threshold.by "${String(b)}" is not one of ${[...KEY_FIELDS].join(', ')}`);
      if (t.distinct !== undefined && !DISTINCT_FIELDS.has(t.distinct as string)) {
        this.fail(`threshold.distinct must be one of ${[...DISTINCT_FIELDS].join(', ')}`);
      }
      const mode = t.mode ?? 'once';
      if (mode !== 'once' && mode !== 'each') this.fail('threshold.mode must be "once" or "each"');
      threshold = {
        count, windowMs: windowS * 1000, mode, distinct: t.distinct !== undefined, by: t.by as string[],
        ...(t.distinct !== undefined && { distinctField: t.distinct as string }),
      };
    }
    if (!m && !ports && !threshold && !states) this.fail('rule has no condition (match, ports, state or threshold)');
    if (!enabled) return null;
    return {
      label: Object.freeze({ id: this.#id, rev, name, category: o.category as Label['category'], severity: o.severity as Label['severity'] }),
      references, description, protos, states, ports, prefilter: m?.need ?? null, test: m ? m.pred : () => true,
      threshold, usesRegex: m?.regex ?? false, needsPayload: m?.payload ?? false,
    };
  }
}

// Loops, not every()/some() with an arrow: a closure over the record per rule and record was most of the garbage
// labelling made (and so of the collector's pauses between SYN-ACKs).
function every(preds: readonly Pred[], c: Inspection): boolean {
  for (let i = 0; i < preds.length; i++) if (!preds[i]!(c)) return false;
  return true;
}

function some(preds: readonly Pred[], c: Inspection): boolean {
  for (let i = 0; i < preds.length; i++) if (preds[i]!(c)) return true;
  return false;
}

function everyOf<V>(checks: readonly ((v: V, c: Inspection) => boolean)[], v: V, c: Inspection): boolean {
  for (let i = 0; i < checks.length; i++) if (!checks[i]!(v, c)) return false;
  return true;
}

function minLen(need: readonly string[]): number {
  let m = Infinity;
  for (const s of need) m = Math.min(m, s.length);
  return m;
}

/** Validates and compiles rule documents (duplicate ids are an error). Throws RulesError naming the rule. */
/** Compiles the rules one at a time, yielding after each (re2js compiles make some take milliseconds). */
function* ruleListSteps(docs: readonly unknown[]): Steps<CompiledRule[]> {
  if (!Array.isArray(docs)) throw new RulesError('rules must be a list of rule objects');
  const seen = new Set<string>();
  const out: CompiledRule[] = [];
  for (let i = 0; i < docs.length; i++) {
    const doc: unknown = docs[i];
    const rawId = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>).id : undefined;
    if (typeof rawId !== 'string' || !ID_RE.test(rawId)) {
      throw new RulesError(`rule #${i + 1}: id must look like "sb-1001" (got ${JSON.stringify(rawId) ?? 'nothing'})`, typeof rawId === 'string' ? rawId : `#${i + 1}`);
    }
    if (seen.has(rawId)) throw new RulesError(`rule ${rawId}: duplicate id`, rawId);
    seen.add(rawId);
    const r = new RuleCompiler(rawId).rule(doc);
    if (r) out.push(r);
    yield;
  }
  return out;
}

export function compileRuleList(docs: readonly unknown[]): CompiledRule[] {
  return drain(ruleListSteps(docs));
}

/** compileRuleList in slices that give the thread back (a running sensor's reload). */
export function compileRuleListAsync(docs: readonly unknown[], slicing?: CompileSlicing): Promise<CompiledRule[]> {
  return drainSliced(ruleListSteps(docs), slicing);
}

/** The classifier over compiled rules; per-source detector state lives in this instance. */
export class RuleClassifier implements Classifier {
  readonly rules: readonly CompiledRule[];
  #trackers = new Map<CompiledRule, ThresholdTracker>();
  /** All prefilter literals, scanned in one pass per record. */
  #scanner: LiteralScanner;
  /** Per rule: indexes of its prefilter literals in the scanner (null: no prefilter). */
  #needs: (Int32Array | null)[];
  #found: Uint8Array;
  /** Candidate rule indexes by protocol, state and empty payload (#candidates). */
  readonly #byKind = new Map<string, Int32Array>();

  constructor(rules: readonly CompiledRule[]) {
    this.rules = rules;
    for (const r of rules) if (r.threshold) this.#trackers.set(r, new ThresholdTracker(r.threshold));
    const index = new Map<string, number>();
    this.#needs = rules.map((r) => {
      if (!r.prefilter) return null;
      return Int32Array.from(r.prefilter, (lit) => {
        let i = index.get(lit);
        if (i === undefined) index.set(lit, (i = index.size));
        return i;
      });
    });
    this.#scanner = new LiteralScanner([...index.keys()]);
    this.#found = new Uint8Array(index.size);
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  classify(input: ClassifyInput): RuleResult {
    return this.analyze(input);
  }

  /** The labels and facts, and the parse they came from (community signatures read the same parse). */
  analyze(input: ClassifyInput): RuleResult & { readonly parsed: Parsed } {
    const p = input.payload;
    const bytes = p.length > INSPECT_LIMIT ? p.subarray(0, INSPECT_LIMIT) : p;
    const text = bytes.length === 0 ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    const parsed = extractFacts(input, bytes, text);
    const ctx = new Inspection(input, bytes, text, parsed);
    const labels: Label[] = [];
    const found = this.#found;
    const empty = bytes.length === 0;
    if (!empty) {
      found.fill(0);
      this.#scanner.scan(bytes, found);
    }
    for (const ri of this.#candidates(input.proto, input.state, empty)) {
      const r = this.rules[ri]!;
      if (r.ports && !inPorts(r.ports, input.dst_port)) continue;
      const need = this.#needs[ri];
      if (need && !anyFound(found, need)) continue;
      if (!r.test(ctx)) continue;
      if (r.threshold && !this.#trackers.get(r)!.observe(thresholdKey(r.threshold.by, input), input.ts_ms, distinctValue(r.threshold.distinctField, input))) {
        continue;
      }
      labels.push(r.label);
    }
    return { labels, facts: parsed.facts, parsed };
  }

  /**
   * The rules that can apply to a record of this protocol and state, in rule order; for an empty payload only
   * those that need no payload and no prefilter literal (most records of a honeypot are SYN-only).
   */
  #candidates(proto: string, state: string, empty: boolean): Int32Array {
    const key = `${proto}|${state}|${empty ? 1 : 0}`;
    let list = this.#byKind.get(key);
    if (list === undefined) {
      const keep: number[] = [];
      this.rules.forEach((r, ri) => {
        if ((r.protos && !r.protos.has(proto)) || (r.states && !r.states.has(state))) return;
        if (empty && (r.needsPayload || this.#needs[ri] !== null)) return;
        keep.push(ri);
      });
      this.#byKind.set(key, (list = Int32Array.from(keep)));
    }
    return list;
  }
}

/** What the built-in (JSON) rules give: our own labels only. */
export interface RuleResult extends ClassifyResult {
  readonly labels: readonly Label[];
}

function inPorts(ports: readonly (readonly [number, number])[], port: number): boolean {
  for (const [lo, hi] of ports) if (port >= lo && port <= hi) return true;
  return false;
}

function anyFound(found: Uint8Array, need: Int32Array): boolean {
  for (let i = 0; i < need.length; i++) if (found[need[i]!] === 1) return true;
  return false;
}

function thresholdKey(by: readonly string[], i: ClassifyInput): string {
  let k = '';
  for (const f of by) k += `${f === 'src_ip' ? i.src_ip : f === 'dst_ip' ? i.dst_ip : f === 'dst_port' ? i.dst_port : i.proto}|`;
  return k;
}

function distinctValue(f: string | undefined, i: ClassifyInput): string {
  if (f === undefined) return '';
  return f === 'dst_port' ? String(i.dst_port) : f === 'src_port' ? String(i.src_port) : i.dst_ip;
}

/** Validates rule documents and returns a Classifier over them. */
export function compileRules(docs: readonly unknown[]): RuleClassifier {
  return new RuleClassifier(compileRuleList(docs));
}
