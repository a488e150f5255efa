// Splits the text of a Suricata/Snort rule file into rule statements. The file format (Suricata user guide,
// "Rules Format"): one rule per line; a line ending in a backslash continues on the next; `#` starts a comment
// line. A comment whose text is itself a rule (`# alert http ...`) is a disabled rule, as suricata-update and
// the ET files write them; it is returned with enabled=false so that enable lists can turn it back on.
// Text is handled as latin1 (one character per byte) so content and pcre bytes survive as sent.

export interface RuleStatement {
  /** The rule text, continuation lines joined, without the leading `#` of a disabled rule. */
  readonly text: string;
  /** 1-based line where the statement starts. */
  readonly line: number;
  readonly enabled: boolean;
}

const ACTIONS = new Set(['alert', 'drop', 'pass', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth', 'sdrop', 'log', 'config']);

/** True when a comment's text looks like a rule: an action word, then a header and an option list. */
function looksLikeRule(text: string): boolean {
  const sp = text.search(/\s/);
  if (sp <= 0) return false;
  return ACTIONS.has(text.slice(0, sp)) && text.includes('(') && text.trimEnd().endsWith(')');
}

/** Every rule statement of a file, enabled or commented out, in file order. Never throws. */
export function splitRuleStatements(source: string): RuleStatement[] {
  const lines = source.split('\n');
  const out: RuleStatement[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = stripCr(lines[i]!);
    // continuation: a trailing backslash joins the next line (comments continue too, as in Suricata)
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1) + stripCr(lines[++i]!);
    }
    const t = line.trim();
    if (t === '') continue;
    if (t.startsWith('#')) {
      const inner = t.replace(/^#+\s*/, '');
      if (looksLikeRule(inner)) out.push({ text: inner, line: start + 1, enabled: false });
      continue;
    }
    out.push({ text: t, line: start + 1, enabled: true });
  }
  return out;
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
