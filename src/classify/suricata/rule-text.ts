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
  return [...ruleStatements(source)];
}

/**
 * The same, one at a time: a compile holds one statement (and one line) at a time instead of a whole file's,
 * so they die young instead of filling the old generation while a large file is read.
 */
export function* ruleStatements(source: string): Generator<RuleStatement> {
  // no closure over source: optimised code specialised on a closure's context can keep that string alive
  let pos = 0;
  let lineNo = 0;
  while (pos <= source.length) {
    const start = lineNo + 1;
    let line = '';
    // continuation: a trailing backslash joins the next line (comments continue too, as in Suricata)
    for (let more = true; more && pos <= source.length; ) {
      const end = lineEnd(source, pos);
      const part = stripCr(source.slice(pos, end));
      pos = end + 1;
      lineNo++;
      more = part.endsWith('\\') && pos <= source.length;
      line += more ? part.slice(0, -1) : part;
    }
    const t = line.trim();
    if (t === '') continue;
    if (t.startsWith('#')) {
      const inner = t.replace(/^#+\s*/, '');
      if (looksLikeRule(inner)) yield { text: inner, line: start, enabled: false };
      continue;
    }
    yield { text: t, line: start, enabled: true };
  }
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf('\n', from);
  return end < 0 ? source.length : end;
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}
