// classification.config (Snort/Suricata): `config classification: shortname,short description,priority` lines
// give each classtype its description and default priority (1 = most severe). A rule's `priority` keyword
// overrides it. Label severity comes from the priority: 1 high, 2 medium, 3 low, 4 and above info (ET uses
// 1 for trojan activity and attempted admin, 2 for attempted recon and web application activity, 3 for
// not-suspicious and protocol decode, 4 for tcp-connection).

import type { Severity } from '../../record/flow-record.ts';

export interface Classtype {
  readonly name: string;
  readonly description: string;
  readonly priority: number;
}

export interface ClassificationProblem {
  readonly line: number;
  readonly message: string;
}

export function parseClassificationConfig(text: string): { classes: Map<string, Classtype>; problems: ClassificationProblem[] } {
  const classes = new Map<string, Classtype>();
  const problems: ClassificationProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^config\s+classification\s*:\s*(.*)$/.exec(line);
    if (!m) {
      problems.push({ line: i + 1, message: 'expected "config classification: name,description,priority"' });
      return;
    }
    const parts = m[1]!.split(',');
    const prio = Number(parts.at(-1)?.trim());
    const name = parts[0]?.trim() ?? '';
    if (parts.length < 3 || !/^[A-Za-z0-9_-]{1,64}$/.test(name) || !Number.isInteger(prio) || prio < 1 || prio > 255) {
      problems.push({ line: i + 1, message: `malformed classification ${JSON.stringify(m[1])}` });
      return;
    }
    classes.set(name, { name, description: parts.slice(1, -1).join(',').trim(), priority: prio });
  });
  return { classes, problems };
}

/** The label severity of a rule priority. */
export function severityOfPriority(priority: number): Severity {
  if (priority <= 1) return 'high';
  if (priority === 2) return 'medium';
  if (priority === 3) return 'low';
  return 'info';
}

/** A rule without classtype or priority gets Suricata's default priority, 3. */
export const DEFAULT_PRIORITY = 3;
