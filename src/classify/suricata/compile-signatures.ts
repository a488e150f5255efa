// Rule files in, a SignatureSet out, with every rule accounted for: loaded, disabled (by the file or the
// selection), skipped by reason, or an error with file, line and option. One bad rule never stops a load.
// Flowbits are resolved as suricata-update does: a disabled rule that sets a bit an enabled rule tests is
// turned on without alerting; a test of a bit that no loaded rule sets can never hold, so its rule is skipped.

import { drain, drainSliced, type Steps } from '../slices.ts';
import type { Classtype } from './classification.ts';
import { flat } from './lazy-regex.ts';
import { parseRule, type RuleResult } from './parse-rule.ts';
import { SpecCache } from './rule-header.ts';
import type { SignatureErrorCode, SkipReason } from './rule-problem.ts';
import { fileSelected, NO_SELECTION, quickIdentity, ruleEnabled, type RuleSelection } from './rule-selection.ts';
import { ruleStatements, type RuleStatement } from './rule-text.ts';
import type { RuleVars } from './rule-vars.ts';
import type { Signature } from './signature.ts';
import { Prefilter } from './prefilter.ts';
import { SignatureSet } from './signature-set.ts';

export interface RuleSource {
  /** File name (shown in messages; its base name is the `group:` of selection filters). */
  readonly file: string;
  /** The file's text as latin1 (one character per byte). */
  readonly text: string;
  /** Ruleset name for labels, e.g. "et/open". */
  readonly ruleset: string;
}

export interface CompileOptions {
  readonly vars: RuleVars;
  readonly classification?: ReadonlyMap<string, Classtype>;
  readonly selection?: RuleSelection;
}

export interface RuleLocation {
  readonly file: string;
  readonly line: number;
  readonly sid: number | undefined;
  readonly msg: string;
  readonly option: string | undefined;
}

export interface SkippedRule extends RuleLocation {
  readonly reason: SkipReason;
}

export interface RuleErrorInfo extends RuleLocation {
  readonly code: SignatureErrorCode;
  readonly message: string;
}

export interface CompileStats {
  /** Rule statements seen (enabled and commented out) in the selected files. */
  readonly total: number;
  readonly enabled: number;
  readonly loaded: number;
  readonly skipped: number;
  readonly errors: number;
  /** Disabled rules turned on (without alerts) because a loaded rule tests a flowbit they set. */
  readonly flowbitSetters: number;
  /** Loaded rules with no content to prefilter on: checked on every record of their protocol. */
  readonly withoutFastPattern: number;
}

export interface CompiledSignatures {
  readonly signatures: SignatureSet;
  readonly stats: CompileStats;
  readonly skippedByReason: ReadonlyMap<SkipReason, number>;
  readonly skipped: readonly SkippedRule[];
  readonly errors: readonly RuleErrorInfo[];
}

interface Candidate {
  readonly line: number;
  readonly file: string;
  readonly ruleset: string;
  readonly order: number;
  on: boolean;
  result?: RuleResult;
  /** Kept only for a disabled rule that sets flowbits: it may be turned on for an enabled rule's test. */
  readonly stmt?: RuleStatement;
}

const flatOrUndefined = (s: string | undefined) => (s === undefined ? undefined : flat(s));

const setsOf = (s: Signature) => s.flowbits.filter((f) => f.op === 'set' || f.op === 'toggle').flatMap((f) => f.bits);

function unsatisfied(s: Signature, set: ReadonlySet<string>): boolean {
  return s.flowbits.some((f) => f.op === 'isset' && (f.any ? !f.bits.some((b) => set.has(b)) : !f.bits.every((b) => set.has(b))));
}

/**
 * Sources are consumed one at a time and no rule text is kept once parsed (only disabled flowbit setters'),
 * so a lazy iterable that reads each file when asked for it keeps at most one file's text in memory.
 */
export function compileSignatures(sources: Iterable<RuleSource>, options: CompileOptions): CompiledSignatures {
  return drain(compileSteps(sources, options));
}

export interface AsyncCompileOptions extends CompileOptions {
  /** Longest stretch of work between two yields, ms (default 5). */
  readonly sliceMs?: number;
  /** How to give the event loop back (default: a macrotask, setImmediate). */
  readonly yieldTo?: () => Promise<void>;
}

/**
 * compileSignatures in slices: it gives the event loop back (setImmediate) whenever about sliceMs of work has
 * passed, so a running sensor can compile a new set beside the capture (a reload). Same result as the sync call.
 */
export function compileSignaturesAsync(sources: Iterable<RuleSource>, options: AsyncCompileOptions): Promise<CompiledSignatures> {
  return drainSliced(compileSteps(sources, options), { sliceMs: options.sliceMs ?? 5, ...(options.yieldTo ? { yieldTo: options.yieldTo } : {}) });
}

/** Statements parsed between two chances to yield. */
const STATEMENTS_PER_STEP = 16;

/** The compile as a generator: it yields between small pieces of work (a few statements, part of the index). */
function* compileSteps(sources: Iterable<RuleSource>, options: CompileOptions): Steps<CompiledSignatures> {
  const sel = options.selection ?? NO_SELECTION;
  const specs = new SpecCache(options.vars);
  const classes = options.classification ?? new Map<string, Classtype>();
  const cands: Candidate[] = [];
  const parse = (c: Candidate, stmt: RuleStatement) => (c.result ??= parseRule(stmt, { file: c.file, ruleset: c.ruleset, specs, classes, order: c.order }));
  for (const src of sources) {
    if (!fileSelected(sel, src.file)) continue;
    let n = 0;
    for (const stmt of ruleStatements(src.text)) {
      const on = ruleEnabled(sel, quickIdentity(stmt.text, src.file), stmt.enabled);
      const keep = !on && SETS_FLOWBITS.test(stmt.text);
      const c: Candidate = { line: stmt.line, file: src.file, ruleset: src.ruleset, order: cands.length, on, ...(keep && { stmt: { ...stmt, text: flat(stmt.text) } }) };
      cands.push(c);
      if (on) parse(c, stmt);
      if (++n % STATEMENTS_PER_STEP === 0) yield;
    }
    yield;
  }
  const flowbitSetters = enableSetters(cands, parse);
  yield;
  return yield* assemble(cands, flowbitSetters);
}

const SETS_FLOWBITS = /flowbits\s*:\s*(set|toggle)\b/;

/** Turns on (noalert) disabled rules that set bits the enabled rules test; returns how many. */
function enableSetters(cands: Candidate[], parse: (c: Candidate, stmt: RuleStatement) => RuleResult): number {
  const tested = new Set<string>();
  const setByOn = new Set<string>();
  for (const c of cands) {
    if (!c.on || c.result?.kind !== 'signature') continue;
    for (const f of c.result.sig.flowbits) if (f.op === 'isset') f.bits.forEach((b) => tested.add(b));
    setsOf(c.result.sig).forEach((b) => setByOn.add(b));
  }
  const missing = [...tested].filter((b) => !setByOn.has(b));
  if (missing.length === 0) return 0;
  let n = 0;
  for (const c of cands) {
    if (c.on || !c.stmt || !missing.some((b) => c.stmt!.text.includes(b))) continue;
    const r = parse(c, c.stmt);
    if (r.kind !== 'signature' || !setsOf(r.sig).some((b) => missing.includes(b))) continue;
    c.result = { kind: 'signature', sig: { ...r.sig, noalert: true } };
    c.on = true;
    n++;
  }
  return n;
}

function* assemble(cands: readonly Candidate[], flowbitSetters: number): Steps<CompiledSignatures> {
  const skipped: SkippedRule[] = [];
  const errors: RuleErrorInfo[] = [];
  let loaded: Signature[] = [];
  const seen = new Set<string>();
  for (const c of cands) {
    const r = c.result;
    if (!c.on || !r) continue;
    const loc = { file: c.file, line: c.line, sid: r.kind === 'signature' ? r.sig.sid : r.sid, msg: r.kind === 'signature' ? r.sig.msg : r.msg };
    // option names, reasons and messages are slices of (or concatenations over) the rule text: flat copies
    // keep the files' text collectable once compiled (and literals, not spreads: one hidden class for all)
    if (r.kind === 'skipped') {
      skipped.push({ file: loc.file, line: loc.line, sid: loc.sid, msg: loc.msg, option: flatOrUndefined(r.option), reason: flat(r.reason) as SkipReason });
    } else if (r.kind === 'error') {
      errors.push({ file: loc.file, line: loc.line, sid: loc.sid, msg: loc.msg, option: flatOrUndefined(r.option), code: r.code, message: flat(r.message) });
    }
    else {
      const key = `${r.sig.ruleset}:${r.sig.gid}:${r.sig.sid}`;
      if (seen.has(key)) errors.push({ ...loc, option: 'sid', code: 'rule.duplicate', message: `sid ${r.sig.sid} is already loaded` });
      else {
        seen.add(key);
        loaded.push(r.sig);
      }
    }
  }
  // a test of a bit nothing loaded sets never holds; dropping such rules may orphan further tests
  for (let changed = true; changed; ) {
    const set = new Set(loaded.flatMap(setsOf));
    const keep = loaded.filter((s) => !unsatisfied(s, set));
    changed = keep.length !== loaded.length;
    const kept = new Set(keep);
    for (const s of loaded) {
      if (kept.has(s)) continue;
      skipped.push({ file: s.file, line: s.line, sid: s.sid, msg: s.msg, option: 'flowbits', reason: 'flowbits:unsatisfiable' });
    }
    loaded = keep;
  }
  const byReason = new Map<SkipReason, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  const prefilter = new Prefilter();
  yield* prefilter.fill(loaded);
  const set = new SignatureSet(loaded, { prebuilt: prefilter });
  return {
    signatures: set,
    stats: {
      total: cands.length, enabled: cands.filter((c) => c.on).length - flowbitSetters, loaded: loaded.length,
      skipped: skipped.length, errors: errors.length, flowbitSetters, withoutFastPattern: set.withoutFastPattern,
    },
    skippedByReason: byReason,
    skipped,
    errors,
  };
}
