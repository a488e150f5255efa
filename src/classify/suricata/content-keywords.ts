// `content` and its modifiers (Suricata user guide, "Payload Keywords"), with the checks Suricata's parser makes:
// a modifier needs a preceding content; depth/offset (absolute) and distance/within (relative) do not mix on
// one content; depth and within may not be shorter than the content; startswith excludes offset and depth.

import { Buffer } from 'node:buffer';
import type { DraftContent, RuleDraft } from './rule-draft.ts';
import { ruleError, type RuleProblem } from './rule-problem.ts';
import { parseContent, parseInteger, splitArgs } from './rule-options.ts';
import type { NumArg } from './signature.ts';

/** Largest depth/offset/distance/within Suricata accepts (DETECT_CONTENT_VALUE_MAX). */
const VALUE_MAX = 65535;

export function addContent(d: RuleDraft, value: string | undefined, option: string): RuleProblem | undefined {
  if (value === undefined) return ruleError('option.content', 'content needs a value', option);
  const r = parseContent(value);
  if (!r.ok) return ruleError('option.content', r.message, option);
  d.add({
    kind: 'content', text: Buffer.from(r.value.bytes).toString('latin1'), negated: r.value.negated, nocase: false,
    offset: undefined, depth: undefined, distance: undefined, within: undefined, startsWith: false, endsWith: false,
    fastPattern: false, fastPatternChop: undefined,
  });
  return undefined;
}

/** A number, or a byte_extract variable of the rule. */
export function numArg(d: RuleDraft, text: string, min: number, max: number): NumArg | null {
  const n = parseInteger(text, min, max);
  if (n !== null) return { v: n };
  const slot = d.slotOf(text.trim());
  return slot !== undefined ? { var: slot } : null;
}

type Modifier = (c: DraftContent, value: string | undefined, d: RuleDraft) => string | undefined;

const relativeOf = (c: DraftContent) => c.distance !== undefined || c.within !== undefined;
const absoluteOf = (c: DraftContent) => c.depth !== undefined || c.offset !== undefined || c.startsWith;
const MIX = "can't mix a relative keyword (distance/within) with an absolute one (depth/offset/startswith)";

const MODIFIERS: Readonly<Record<string, Modifier>> = {
  nocase: (c, v) => {
    if (v !== undefined) return 'nocase takes no value';
    c.nocase = true;
    return undefined;
  },
  rawbytes: () => undefined,
  depth: (c, v, d) => {
    if (c.depth !== undefined || c.startsWith) return 'a second depth (or startswith) for one content';
    if (relativeOf(c)) return MIX;
    const n = v === undefined ? null : numArg(d, v, 0, VALUE_MAX);
    if (!n) return `invalid depth ${JSON.stringify(v)}`;
    if ('v' in n && n.v < c.text.length) return `depth ${n.v} is smaller than the content (${c.text.length} bytes)`;
    c.depth = n;
    return undefined;
  },
  offset: (c, v, d) => {
    if (c.offset !== undefined) return 'a second offset for one content';
    if (c.startsWith) return "can't use offset with startswith";
    if (relativeOf(c)) return MIX;
    const n = v === undefined ? null : numArg(d, v, 0, VALUE_MAX);
    if (!n) return `invalid offset ${JSON.stringify(v)}`;
    c.offset = n;
    return undefined;
  },
  distance: (c, v, d) => {
    if (c.distance !== undefined) return 'a second distance for one content';
    if (absoluteOf(c)) return MIX;
    const n = v === undefined ? null : numArg(d, v, -VALUE_MAX, VALUE_MAX);
    if (!n) return `invalid distance ${JSON.stringify(v)}`;
    c.distance = n;
    return undefined;
  },
  within: (c, v, d) => {
    if (c.within !== undefined) return 'a second within for one content';
    if (absoluteOf(c)) return MIX;
    const n = v === undefined ? null : numArg(d, v, -VALUE_MAX, VALUE_MAX);
    if (!n) return `invalid within ${JSON.stringify(v)}`;
    if ('v' in n && n.v < c.text.length) return `within ${n.v} is smaller than the content (${c.text.length} bytes)`;
    c.within = n;
    return undefined;
  },
  startswith: (c, v) => {
    if (v !== undefined) return 'startswith takes no value';
    if (c.depth !== undefined || c.offset !== undefined) return "can't use startswith with depth or offset";
    if (relativeOf(c)) return MIX;
    c.startsWith = true;
    return undefined;
  },
  endswith: (c, v) => {
    if (v !== undefined) return 'endswith takes no value';
    c.endsWith = true;
    return undefined;
  },
  fast_pattern: (c, v) => {
    c.fastPattern = true;
    if (v === undefined || v === 'only') return undefined;
    const [o, l] = splitArgs(v).map((x) => parseInteger(x, 0, VALUE_MAX));
    if (o === null || o === undefined || l === null || l === undefined || l === 0 || o + l > c.text.length) {
      return `invalid fast_pattern chop ${JSON.stringify(v)}`;
    }
    c.fastPatternChop = [o, l];
    return undefined;
  },
};

export const CONTENT_MODIFIERS: ReadonlySet<string> = new Set(Object.keys(MODIFIERS));

/** Applies a content modifier to the last content. */
export function applyModifier(d: RuleDraft, name: string, value: string | undefined): RuleProblem | undefined {
  const c = d.lastContent?.step;
  if (!c) return ruleError('option.modifier', `${name} needs a preceding content`, name);
  const msg = MODIFIERS[name]!(c, value, d);
  return msg === undefined ? undefined : ruleError('option.modifier', msg, name);
}
