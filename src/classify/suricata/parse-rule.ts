// One rule statement → a Signature, a skip (valid, but not decidable here) or an error, never an exception.
// Options are read in order, as Suricata does: meta keywords, content and its modifiers, sticky buffers and
// legacy http_* modifiers, pcre, byte keywords, flow conditions. After the first skip only meta keywords are
// read (so a skipped rule is still listed with its sid and msg).

import { Buffer } from 'node:buffer';
import { addByteExtract, addByteJump, addByteTest, addIsDataAt, addSizeTest } from './byte-keywords.ts';
import { DEFAULT_PRIORITY, severityOfPriority, type Classtype } from './classification.ts';
import { addContent, applyModifier, CONTENT_MODIFIERS } from './content-keywords.ts';
import {
  applyAppLayerProtocol, applyFlags, applyFlow, applyFlowbits, applyThreshold, applyTlsVersion, applyUint,
  newConditions, type Conditions,
} from './flow-keywords.ts';
import { appOfBuffer, CONTENT_MODIFIER_BUFFERS, SERVER_SIDE_BUFFERS, STICKY_BUFFERS, UNSUPPORTED_KEYWORDS } from './keyword-table.ts';
import { compilePcre, parsePcreValue } from './pcre.ts';
import { flat } from './lazy-regex.ts';
import { RuleDraft } from './rule-draft.ts';
import { parseHeader, type RuleHeader, type SpecCache } from './rule-header.ts';
import { ruleError, ruleSkip, type RuleProblem, type SignatureErrorCode, type SkipReason } from './rule-problem.ts';
import { parseInteger, splitOptions, unquote, type RuleOption } from './rule-options.ts';
import type { RuleStatement } from './rule-text.ts';
import type { AppProto, BufferList, Signature } from './signature.ts';

export interface RuleContext {
  readonly file: string;
  readonly ruleset: string;
  readonly specs: SpecCache;
  readonly classes: ReadonlyMap<string, Classtype>;
  readonly order: number;
}

interface Meta {
  sid: number | undefined;
  gid: number;
  rev: number;
  msg: string;
  classtype: string | undefined;
  priority: number | undefined;
}

export type RuleResult =
  | { readonly kind: 'signature'; readonly sig: Signature }
  | { readonly kind: 'skipped'; readonly sid: number | undefined; readonly msg: string; readonly reason: SkipReason; readonly option: string | undefined }
  | { readonly kind: 'error'; readonly sid: number | undefined; readonly msg: string; readonly code: SignatureErrorCode; readonly option: string | undefined; readonly message: string };

const TRANSFORMS = new Set(['to_md5', 'to_sha1', 'to_sha256', 'to_lowercase', 'to_uppercase', 'strip_whitespace',
  'compress_whitespace', 'url_decode', 'header_lowercase', 'strip_pseudo_headers', 'from_base64', 'casechange',
  'domain', 'tld', 'xor', 'pcrexform']);

/** Meta keywords; returns a problem or undefined. */
function applyMeta(m: Meta, o: RuleOption, classes: ReadonlyMap<string, Classtype>): RuleProblem | undefined {
  const v = o.value;
  switch (o.name) {
    case 'msg': {
      const r = unquote(v ?? '');
      if (!r.ok) return ruleError('option.value', r.message, 'msg');
      m.msg = Buffer.from(r.value, 'latin1').toString('utf8');
      return undefined;
    }
    case 'sid': case 'gid': case 'rev': {
      const n = parseInteger(v ?? '', o.name === 'rev' ? 0 : 1, 0xffffffff);
      if (n === null) return ruleError(o.name === 'sid' ? 'rule.sid' : 'option.value', `invalid ${o.name} ${JSON.stringify(v)}`, o.name);
      if (o.name === 'sid') m.sid = n;
      else if (o.name === 'gid') m.gid = n;
      else m.rev = n;
      return undefined;
    }
    case 'classtype':
      if (v === undefined || !classes.has(v) && classes.size > 0) return ruleError('option.value', `unknown classtype ${JSON.stringify(v)}`, 'classtype');
      m.classtype = classes.get(v)?.name ?? flat(v);
      return undefined;
    case 'priority': {
      const n = parseInteger(v ?? '', 1, 255);
      if (n === null) return ruleError('option.value', `invalid priority ${JSON.stringify(v)}`, 'priority');
      m.priority = n;
      return undefined;
    }
    default: // reference, metadata, target, tag: informational
      return undefined;
  }
}

const NO_FLOWBITS: readonly never[] = Object.freeze([]);

const META_NAMES = new Set(['msg', 'sid', 'gid', 'rev', 'classtype', 'priority', 'reference', 'metadata', 'target', 'tag']);

/** Payload keywords and buffers. */
function applyPayload(d: RuleDraft, o: RuleOption): RuleProblem | undefined | 'unhandled' {
  const { name, value } = o;
  if (name === 'content') return addContent(d, value, name);
  if (name === 'uricontent') return addContent(d, value, name) ?? (d.moveLastContent('http.uri') ? undefined : ruleError('option.modifier', 'uricontent with a sticky buffer', name));
  if (CONTENT_MODIFIERS.has(name)) return applyModifier(d, name, value);
  const legacy = CONTENT_MODIFIER_BUFFERS[name];
  if (legacy !== undefined) {
    if (!d.lastContent) return ruleError('option.modifier', `${name} needs a preceding content`, name);
    return d.moveLastContent(legacy) ? undefined : ruleError('option.modifier', `${name} cannot follow a content in a sticky buffer`, name);
  }
  const sticky = STICKY_BUFFERS[name];
  if (sticky !== undefined) {
    if (value !== undefined) return ruleError('option.value', `${name} takes no value`, name);
    d.current = { name: sticky, dotprefix: false };
    d.justSticky = true;
    return undefined;
  }
  if (name === 'dotprefix') return d.applyDotprefix() ? undefined : ruleError('option.modifier', 'dotprefix must follow a sticky buffer', name);
  if (name === 'pcre') return addPcre(d, value);
  if (name === 'byte_test') return addByteTest(d, value, name);
  if (name === 'byte_jump') return addByteJump(d, value, name);
  if (name === 'byte_extract') return addByteExtract(d, value, name);
  if (name === 'isdataat') return addIsDataAt(d, value, name);
  if (name === 'bsize' || name === 'urilen') return addSizeTest(d, name, value, name);
  return 'unhandled';
}

function addPcre(d: RuleDraft, value: string | undefined): RuleProblem | undefined {
  const p = parsePcreValue(value ?? '');
  if (!p.ok) return ruleError('option.pcre', p.message, 'pcre');
  if (p.value.buffer !== undefined) {
    if (SERVER_SIDE_BUFFERS.has(p.value.buffer) || p.value.buffer.startsWith('http.stat')) return ruleSkip(`buffer:${p.value.buffer}`, 'pcre');
    if (d.current.name !== 'payload' && d.current.name !== p.value.buffer) return ruleError('option.pcre', `pcre modifier for ${p.value.buffer} inside sticky buffer ${d.current.name}`, 'pcre');
  }
  if (p.value.relative && p.value.buffer === undefined && d.current.name === 'payload' && !d.lastMatch()) {
    return ruleError('option.pcre', 'pcre with /R needs a preceding match in the same buffer', 'pcre');
  }
  const c = compilePcre(p.value);
  if (!c.ok) return ruleSkip(c.reason, 'pcre');
  const buffer = d.current.name === p.value.buffer ? undefined : p.value.buffer as Parameters<RuleDraft['add']>[1];
  d.add({ kind: 'pcre', regex: c.regex, negated: p.value.negated, relative: p.value.relative, relativeNext: false }, buffer);
  return undefined;
}

/** Per-record conditions. */
function applyCondition(c: Conditions, o: RuleOption): RuleProblem | undefined | 'unhandled' {
  switch (o.name) {
    case 'flow': return applyFlow(c, o.value, o.name);
    case 'flowbits': return applyFlowbits(c, o.value, o.name);
    case 'noalert': c.noalert = true; return undefined;
    case 'threshold': return applyThreshold(o.value, o.name);
    case 'dsize': return applyUint(c, 'dsize', o.value, o.name);
    case 'window': return applyUint(c, 'window', o.value, o.name);
    case 'ttl': return applyUint(c, 'ttl', o.value, o.name);
    case 'id': return applyUint(c, 'ipId', o.value, o.name);
    case 'flags': return applyFlags(c, o.value, o.name);
    case 'tls.version': return applyTlsVersion(c, o.value, o.name);
    case 'app-layer-protocol': return applyAppLayerProtocol(c, o.value, o.name);
    case 'rawbytes': return undefined;
    default: return 'unhandled';
  }
}

function applyOption(d: RuleDraft, c: Conditions, o: RuleOption): RuleProblem | undefined {
  if (SERVER_SIDE_BUFFERS.has(o.name) || o.name === 'http_stat_code' || o.name === 'http_stat_msg') return ruleSkip(`buffer:${o.name}`, o.name);
  const wasSticky = d.justSticky;
  const r = applyPayload(d, o);
  if (d.justSticky && wasSticky && o.name !== 'dotprefix') d.justSticky = false;
  if (r !== 'unhandled') return r;
  d.justSticky = false;
  const r2 = applyCondition(c, o);
  if (r2 !== 'unhandled') return r2;
  if (TRANSFORMS.has(o.name)) return ruleSkip(`transform:${o.name}`, o.name);
  if (UNSUPPORTED_KEYWORDS.has(o.name)) return ruleSkip(`keyword:${o.name}`, o.name);
  return ruleError('option.unknown', `unknown rule keyword ${JSON.stringify(o.name)}`, o.name);
}

/** The application protocol a rule needs: from its header, app-layer-protocol and its buffers (must agree). */
function ruleApp(h: RuleHeader, c: Conditions, lists: readonly BufferList[]): AppProto | undefined | RuleProblem {
  let app = h.app ?? c.app;
  if (h.app && c.app && h.app !== c.app) return ruleError('rule.protocol', `app-layer-protocol ${c.app} in a ${h.app} rule`);
  for (const l of lists) {
    const b = appOfBuffer(l.key.name);
    if (b === undefined) continue;
    if (app !== undefined && app !== b) return ruleError('rule.protocol', `${l.key.name} in a ${app} rule`);
    app = b;
  }
  if (c.tlsVersions && app !== undefined && app !== 'tls') return ruleError('rule.protocol', `tls.version in a ${app} rule`);
  if (c.tlsVersions) app = 'tls';
  if (app !== undefined && app !== 'dns' && app !== 'sip' && h.proto === 'udp') return ruleError('rule.protocol', `${app} over udp`);
  return app;
}

export function parseRule(stmt: RuleStatement, ctx: RuleContext): RuleResult {
  const meta: Meta = { sid: undefined, gid: 1, rev: 0, msg: '', classtype: undefined, priority: undefined };
  const open = stmt.text.indexOf('(');
  const close = stmt.text.lastIndexOf(')');
  const done = (p: RuleProblem): RuleResult => p.kind === 'error'
    ? { kind: 'error', sid: meta.sid, msg: meta.msg, code: p.code, option: p.option, message: p.message }
    : { kind: 'skipped', sid: meta.sid, msg: meta.msg, reason: p.reason, option: p.option };
  if (open < 0 || close < open) return done(ruleError('rule.syntax', 'no option list in parentheses'));
  const opts = splitOptions(stmt.text.slice(open + 1, close));
  if (!opts.ok) return done(ruleError('option.syntax', opts.message));
  let first: RuleProblem | undefined;
  for (const o of opts.value) if (META_NAMES.has(o.name)) first ??= applyMeta(meta, o, ctx.classes);
  if (first) return done(first);
  if (meta.sid === undefined) return done(ruleError('rule.sid', 'no sid'));
  const h = parseHeader(stmt.text.slice(0, open), ctx.specs);
  if (!h.ok) return done(h.problem);
  const d = new RuleDraft();
  const c = newConditions();
  for (const o of opts.value) {
    if (META_NAMES.has(o.name)) continue;
    const p = applyOption(d, c, o);
    if (p) return done(p);
  }
  return finish(h.header, meta as Meta & { sid: number }, d, c, stmt, ctx, done);
}

function finish(h: RuleHeader, meta: Meta & { sid: number }, d: RuleDraft, c: Conditions, stmt: RuleStatement,
  ctx: RuleContext, done: (p: RuleProblem) => RuleResult): RuleResult {
  const lists = d.freeze();
  const app = ruleApp(h, c, lists);
  if (typeof app === 'object') return done(app);
  for (const l of lists) {
    if (l.key.name !== 'http.host') continue;
    for (const s of l.steps) {
      if (s.kind === 'content' && !s.nocase && /[A-Z]/.test(s.text)) return done(ruleError('option.content', 'http.host content with upper case letters never matches (the buffer is lower case)', 'content'));
    }
  }
  const priority = meta.priority ?? (meta.classtype !== undefined ? ctx.classes.get(meta.classtype)?.priority : undefined) ?? DEFAULT_PRIORITY;
  const sig: Signature = {
    sid: meta.sid, gid: meta.gid, rev: meta.rev, msg: meta.msg, classtype: meta.classtype, priority,
    severity: severityOfPriority(priority), ruleset: ctx.ruleset, file: ctx.file, line: stmt.line, order: ctx.order,
    proto: h.proto, app, src: h.src, srcPorts: h.srcPorts, dst: h.dst, dstPorts: h.dstPorts, bidirectional: h.bidirectional,
    established: c.established, dsize: c.dsize, flags: c.flags, window: c.window, ttl: c.ttl, ipId: c.ipId,
    tlsVersions: c.tlsVersions, lists, flowbits: c.flowbits.length === 0 ? NO_FLOWBITS : c.flowbits, noalert: c.noalert, slots: d.slots.size,
  };
  return { kind: 'signature', sig };
}
