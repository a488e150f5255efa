// The mutable state of one rule while its options are read in order: the current sticky buffer, the
// per-buffer keyword lists, the last content (which modifiers apply to) and the byte_extract variables. When
// every option is read, freeze() turns the lists into the immutable steps of a Signature, marking each content
// and pcre whose followers are relative to it, as Suricata's parser does.

import type { BufferKey, BufferList, BufferName, ContentStep, NumArg, PcreStep, Step } from './signature.ts';
import { bufferKeyId } from './signature.ts';

export interface DraftContent {
  kind: 'content';
  text: string;
  negated: boolean;
  nocase: boolean;
  offset: NumArg | undefined;
  depth: NumArg | undefined;
  distance: NumArg | undefined;
  within: NumArg | undefined;
  startsWith: boolean;
  endsWith: boolean;
  fastPattern: boolean;
  fastPatternChop: [number, number] | undefined;
}

export type DraftStep = DraftContent | Exclude<Step, ContentStep>;

interface DraftList {
  readonly key: BufferKey;
  readonly steps: DraftStep[];
}

export class RuleDraft {
  readonly #lists = new Map<string, DraftList>();
  /** The sticky buffer payload keywords go to. */
  current: BufferKey = { name: 'payload', dotprefix: false };
  /** True right after a sticky buffer keyword (a transform may follow). */
  justSticky = false;
  lastContent: { list: string; step: DraftContent } | undefined;
  readonly slots = new Map<string, number>();

  #list(key: BufferKey): DraftList {
    const id = bufferKeyId(key);
    let l = this.#lists.get(id);
    if (!l) {
      l = { key, steps: [] };
      this.#lists.set(id, l);
    }
    return l;
  }

  /** Adds a payload keyword to the current buffer (or to `name` when a pcre modifier picked one). */
  add(step: DraftStep, name?: BufferName): void {
    const key = name !== undefined ? { name, dotprefix: false } : this.current;
    this.#list(key).steps.push(step);
    if (step.kind === 'content') this.lastContent = { list: bufferKeyId(key), step };
  }

  /** The last content or pcre of the current buffer: what a relative keyword would be relative to. */
  lastMatch(): DraftStep | undefined {
    const l = this.#lists.get(bufferKeyId(this.current));
    return l?.steps.findLast((s) => s.kind === 'content' || s.kind === 'pcre');
  }

  /** Moves the last content from the payload list into a buffer (http_uri & co.). */
  moveLastContent(name: BufferName): boolean {
    const last = this.lastContent;
    if (!last || last.list !== 'payload') return false;
    const from = this.#lists.get('payload')!.steps;
    from.splice(from.lastIndexOf(last.step), 1);
    const to = this.#list({ name, dotprefix: false });
    to.steps.push(last.step);
    this.lastContent = { list: name, step: last.step };
    return true;
  }

  /** The dotprefix transform applies to the sticky buffer just named. */
  applyDotprefix(): boolean {
    if (!this.justSticky || this.current.name === 'payload') return false;
    this.current = { name: this.current.name, dotprefix: true };
    return true;
  }

  slotOf(name: string): number | undefined {
    return this.slots.get(name);
  }

  freeze(): BufferList[] {
    // exact-size arrays and shared keys: twenty thousand signatures hold these for the sensor's whole life
    // (an object literal, not a spread: spread copies got a hidden class each)
    return [...this.#lists.values()].filter((l) => l.steps.length > 0).map((l) => {
      const k = internKey(l.key);
      return { key: k.key, id: k.id, steps: freezeSteps(l.steps) };
    });
  }
}

const KEYS = new Map<string, { readonly key: BufferKey; readonly id: string }>();

/** One BufferKey object (and id string) per buffer and transform, shared by every signature. */
function internKey(k: BufferKey): { readonly key: BufferKey; readonly id: string } {
  const id = bufferKeyId(k);
  let shared = KEYS.get(id);
  if (shared === undefined) KEYS.set(id, (shared = { key: { name: k.name, dotprefix: k.dotprefix }, id }));
  return shared;
}

/** True when a step is relative to the previous content/pcre match. */
function relativeOf(s: DraftStep): 'within' | 'distance' | 'other' | null {
  switch (s.kind) {
    case 'content':
      if (s.within !== undefined) return 'within';
      if (s.distance !== undefined) return s.negated ? 'within' : 'distance';
      return null;
    case 'pcre': case 'byte_test': case 'byte_jump': case 'byte_extract': case 'isdataat':
      return s.relative ? 'other' : null;
    default:
      return null;
  }
}

function freezeSteps(steps: readonly DraftStep[]): Step[] {
  const withinNext = new Set<DraftStep>();
  const relativeNext = new Set<DraftStep>();
  let prev: DraftStep | undefined;
  for (const s of steps) {
    const rel = relativeOf(s);
    if (rel !== null && prev) {
      relativeNext.add(prev);
      // a content retries after a relative follower fails only through within (or negated distance) and the
      // relative pcre/byte/isdataat keywords; a pcre retries for any relative follower
      if (rel !== 'distance' || prev.kind === 'pcre') withinNext.add(prev);
    }
    if (s.kind === 'content' || s.kind === 'pcre') prev = s;
  }
  return steps.map((s): Step => {
    if (s.kind === 'pcre') return { ...s, relativeNext: relativeNext.has(s) } satisfies PcreStep;
    if (s.kind !== 'content') return s;
    let depth = s.depth;
    if (s.startsWith) depth = { v: s.text.length };
    else if (depth && 'v' in depth && s.offset && 'v' in s.offset) depth = { v: depth.v + s.offset.v };
    return {
      kind: 'content', text: s.text, lower: s.nocase ? s.text.toLowerCase() : '', nocase: s.nocase, negated: s.negated,
      offset: s.offset, depth, distance: s.distance, within: s.within, startsWith: s.startsWith, endsWith: s.endsWith,
      withinNext: withinNext.has(s), relativeNext: relativeNext.has(s), fastPattern: s.fastPattern,
      fastPatternChop: s.fastPatternChop,
    };
  });
}
