// The option list of a rule, `(name:value; name; ...)`, split the way Suricata's SigParseOptions does: an option
// ends at the first `;` not preceded by a backslash, the name ends at the first `:`, blanks around both are
// trimmed. Quoted values (content, msg, pcre...) and the content byte syntax (`|41 42|` hex runs and the escapes
// \" \; \\ \:) are decoded here too. Failures are values naming the option.

export interface RuleOption {
  readonly name: string;
  /** The raw value after the colon, trimmed; undefined for a bare keyword such as `nocase`. */
  readonly value: string | undefined;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** Splits the text between the outer parentheses into options. */
export function splitOptions(body: string): Parsed<RuleOption[]> {
  const out: RuleOption[] = [];
  let pos = 0;
  for (;;) {
    while (pos < body.length && isBlank(body.charCodeAt(pos))) pos++;
    if (pos >= body.length) return ok(out);
    let end = body.indexOf(';', pos);
    while (end > pos && body.charCodeAt(end - 1) === 0x5c) end = body.indexOf(';', end + 1);
    if (end < 0) return fail(`no terminating ";" after ${JSON.stringify(body.slice(pos, pos + 40))}`);
    const opt = body.slice(pos, end);
    pos = end + 1;
    const colon = opt.indexOf(':');
    const name = (colon < 0 ? opt : opt.slice(0, colon)).trim();
    if (name === '') return fail(`empty option name in ${JSON.stringify(opt.slice(0, 40))}`);
    const value = colon < 0 ? undefined : opt.slice(colon + 1).trim();
    out.push({ name, value: value === '' ? undefined : value });
  }
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** A quoted value `"..."`, its escapes (\" \; \\ \:) decoded; unquoted values are returned as they are. */
export function unquote(value: string): Parsed<string> {
  const v = value.trim();
  if (!v.startsWith('"')) return ok(v);
  if (v.length < 2 || !v.endsWith('"') || isEscaped(v, v.length - 1)) return fail('unterminated quoted string');
  let out = '';
  const inner = v.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\' && i + 1 < inner.length) {
      out += inner[++i];
      continue;
    }
    out += c;
  }
  return ok(out);
}

/** True when the character at i is preceded by an odd number of backslashes. */
export function isEscaped(s: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && s.charCodeAt(j) === 0x5c; j--) n++;
  return n % 2 === 1;
}

export interface ContentValue {
  readonly bytes: Uint8Array;
  readonly negated: boolean;
}

/** `content` / `uricontent` syntax: optional `!`, then a quoted string of text, `|hex hex|` runs and escapes. */
export function parseContent(value: string): Parsed<ContentValue> {
  let v = value.trim();
  let negated = false;
  if (v.startsWith('!')) {
    negated = true;
    v = v.slice(1).trim();
  }
  if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) return fail('content must be a quoted string');
  const r = decodeContentText(v.slice(1, -1));
  if (!r.ok) return r;
  if (r.value.length === 0) return fail('empty content');
  return ok({ bytes: r.value, negated });
}

const HEX = /^[0-9a-fA-F]$/;

/** The body of a quoted content string to bytes. Each character stands for the byte of its code (latin1). */
export function decodeContentText(s: string): Parsed<Uint8Array> {
  const out: number[] = [];
  let hex = false;
  let nibble = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (hex) {
      if (c === '|') {
        if (nibble >= 0) return fail('odd number of hex digits in |...|');
        hex = false;
      } else if (c === ' ' || c === '\t') {
        if (nibble >= 0) return fail('hex digits must come in pairs');
      } else if (HEX.test(c)) {
        if (nibble < 0) nibble = parseInt(c, 16);
        else {
          out.push(nibble * 16 + parseInt(c, 16));
          nibble = -1;
        }
      } else {
        return fail(`invalid character ${JSON.stringify(c)} in |hex|`);
      }
      continue;
    }
    if (c === '|') {
      hex = true;
      continue;
    }
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '"' || n === ';' || n === '\\' || n === ':') {
        out.push(n.charCodeAt(0));
        i++;
        continue;
      }
      return fail(`invalid escape \\${n ?? ''} (only \\" \\; \\: \\\\ are allowed)`);
    }
    if (c === '"' || c === ';') return fail(`unescaped ${c} in content`);
    const code = c.charCodeAt(0);
    if (code > 0xff) return fail('character above U+00FF in content');
    out.push(code);
  }
  if (hex) return fail('unterminated |hex| run');
  return ok(Uint8Array.from(out));
}

/** Comma-separated keyword arguments, trimmed; empty items kept (callers decide). */
export function splitArgs(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

/** A signed decimal integer, or null. */
export function parseInteger(s: string, min = -Infinity, max = Infinity): number | null {
  if (!/^[+-]?\d{1,15}$/.test(s.trim())) return null;
  const n = Number(s.trim());
  return n >= min && n <= max ? n : null;
}

/** A decimal or 0x-hex unsigned integer, or null. */
export function parseUnsigned(s: string, max = Number.MAX_SAFE_INTEGER): number | null {
  const t = s.trim();
  let n: number;
  if (/^0x[0-9a-fA-F]{1,16}$/.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^\d{1,20}$/.test(t)) n = Number(t);
  else return null;
  return n <= max ? n : null;
}
