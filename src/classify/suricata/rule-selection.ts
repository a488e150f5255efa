// Which rules of a ruleset are on: the file's own `#` (disabled) marks, then suricata-update's enable.conf /
// disable.conf filters (suricata-update docs, "Example Configuration Files"): a line is a sid (`2019401`), a
// gid:sid (`1:2019401`), `re:REGEX` (matched case-insensitively against the rule text), or `group:NAME`
// (a rule file name, `*` and `?` wildcards allowed, e.g. `group:emerging-icmp.rules`). Disable filters apply
// first, then enable filters, so enabling wins, as in suricata-update. Category selection keeps only the
// files of the named ET categories (emerging-<category>.rules). Regular expressions run on re2js.

import { RE2JS } from 're2js';
import type { Parsed } from './rule-options.ts';

export type RuleMatcher =
  | { readonly kind: 'sid'; readonly gid: number | undefined; readonly sid: number }
  | { readonly kind: 're'; readonly re: RE2JS }
  | { readonly kind: 'group'; readonly re: RegExp };

export interface RuleSelection {
  readonly enable: readonly RuleMatcher[];
  readonly disable: readonly RuleMatcher[];
  /** ET categories to keep (file names emerging-<category>.rules); empty: all files. */
  readonly categories: readonly string[];
}

export const NO_SELECTION: RuleSelection = { enable: [], disable: [], categories: [] };

const globToRegExp = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** Parses an enable.conf or disable.conf text. Errors name the line. */
export function parseSelectionConf(text: string): Parsed<RuleMatcher[]> {
  const out: RuleMatcher[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const m = /^(?:(\d+):)?(\d+)$/.exec(line);
    if (m) {
      out.push({ kind: 'sid', gid: m[1] === undefined ? undefined : Number(m[1]), sid: Number(m[2]) });
    } else if (line.startsWith('re:')) {
      try {
        out.push({ kind: 're', re: RE2JS.compile(line.slice(3).trim(), RE2JS.CASE_INSENSITIVE) });
      } catch {
        return { ok: false, message: `line ${i + 1}: invalid regular expression ${JSON.stringify(line.slice(3))}` };
      }
    } else if (line.startsWith('group:')) {
      const g = line.slice(6).trim();
      if (!/^[A-Za-z0-9_.*?/-]+$/.test(g)) return { ok: false, message: `line ${i + 1}: invalid group ${JSON.stringify(g)}` };
      out.push({ kind: 'group', re: globToRegExp(g) });
    } else {
      return { ok: false, message: `line ${i + 1}: expected a sid, gid:sid, re:REGEX or group:FILE, got ${JSON.stringify(line)}` };
    }
  }
  return { ok: true, value: out };
}

export interface RuleIdentity {
  readonly text: string;
  readonly file: string;
  readonly sid: number | undefined;
  readonly gid: number;
}

function matches(m: RuleMatcher, r: RuleIdentity): boolean {
  switch (m.kind) {
    case 'sid': return r.sid === m.sid && (m.gid === undefined || m.gid === r.gid);
    case 're': return m.re.test(r.text);
    case 'group': return m.re.test(baseName(r.file));
  }
}

const baseName = (f: string) => f.slice(f.lastIndexOf('/') + 1);

/** The ET category of a rule file name (emerging-web_server.rules → web_server), or undefined. */
export function categoryOfFile(file: string): string | undefined {
  return /^emerging-([A-Za-z0-9_]+)\.rules$/.exec(baseName(file))?.[1];
}

/** Whether a file takes part at all under the category selection. */
export function fileSelected(sel: RuleSelection, file: string): boolean {
  if (sel.categories.length === 0) return true;
  const c = categoryOfFile(file);
  return c !== undefined && sel.categories.includes(c);
}

/** Whether a rule is on: its own enabled mark, then disable filters, then enable filters. */
export function ruleEnabled(sel: RuleSelection, r: RuleIdentity, enabledInFile: boolean): boolean {
  let on = enabledInFile;
  if (on && sel.disable.some((m) => matches(m, r))) on = false;
  if (!on && sel.enable.some((m) => matches(m, r))) on = true;
  return on;
}

/** sid and gid read cheaply from a rule's text, for selection before the rule is parsed. */
export function quickIdentity(text: string, file: string): RuleIdentity {
  const sid = /[(;]\s*sid\s*:\s*(\d+)\s*;/.exec(text);
  const gid = /[(;]\s*gid\s*:\s*(\d+)\s*;/.exec(text);
  return { text, file, sid: sid ? Number(sid[1]) : undefined, gid: gid ? Number(gid[1]) : 1 };
}
