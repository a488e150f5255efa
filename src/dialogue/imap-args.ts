// IMAP command arguments (RFC 3501 section 9, "astring"): atoms, quoted strings with \" and \\ escapes, and
// literals {n} (or {n+}, LITERAL+ of RFC 7888) whose n bytes follow the line. A command is a list of parts:
// text read from lines, and literal values between them.

export type ImapPart = { readonly text: string } | { readonly literal: string };

/** The literal announced at the end of a line: its size and whether it is non-synchronising. */
export function literalAtEnd(line: string): { size: number; plus: boolean; head: string } | undefined {
  const m = /\{(\d{1,9})(\+?)\}$/.exec(line);
  if (!m) return undefined;
  return { size: Number(m[1]), plus: m[2] === '+', head: line.slice(0, m.index) };
}

/** The tokens of a command's parts: atoms and quoted strings from text, each literal as one token. */
export function imapTokens(parts: readonly ImapPart[]): string[] {
  const out: string[] = [];
  for (const p of parts) {
    if ('literal' in p) out.push(p.literal);
    else tokenizeText(p.text, out);
  }
  return out;
}

function tokenizeText(s: string, out: string[]): void {
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ') {
      i++;
      continue;
    }
    if (s[i] === '"') {
      let v = '';
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        v += s[i];
        i++;
      }
      out.push(v);
      i++; // the closing quote
      continue;
    }
    let j = i;
    while (j < s.length && s[j] !== ' ') j++;
    out.push(s.slice(i, j));
    i = j;
  }
}
