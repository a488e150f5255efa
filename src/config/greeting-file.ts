// --greet-file: replacement texts for the greetings, in an INI-like file (docs/greetings.md):
//
//   # a comment
//   [telnet]
//   banner = "\r\nUbuntu 22.04.4 LTS\r\n"
//   login_prompt = "web-01 login: "
//   [ssh]
//   version = SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10
//
// A value is the rest of the line, trimmed, or a double-quoted string with the escapes \r \n \t \\ \" and \xHH.
// Every problem is a ConfigError naming the file and line; each value is checked against its protocol's rule
// (dialogue/texts.ts), so a greeting can never break its own protocol.

import { readFile, stat } from 'node:fs/promises';
import { DEFAULT_TEXTS, type GreetingTexts, TEXT_RULES, textRule, withOverrides } from '../dialogue/texts.ts';
import { ConfigError } from '../errors.ts';
import { type GreetProtocol, isGreetProtocol } from '../record/dialogue.ts';

const CULPRIT = '--greet-file';
/** A greeting file is a few lines; anything bigger is a mistake. */
const MAX_FILE_BYTES = 64 * 1024;

export async function loadGreetingTexts(path: string | undefined): Promise<GreetingTexts> {
  if (path === undefined) return DEFAULT_TEXTS;
  let text: string;
  try {
    const st = await stat(path);
    if (st.size > MAX_FILE_BYTES) throw new ConfigError(`greet file ${path}: larger than ${MAX_FILE_BYTES} bytes`, CULPRIT);
    text = await readFile(path, 'latin1');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`greet file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, CULPRIT, { cause: e });
  }
  return parseGreetingFile(path, text);
}

/** The texts of a greeting file (the defaults where it says nothing). */
export function parseGreetingFile(file: string, text: string): GreetingTexts {
  const overrides = new Map<GreetProtocol, Map<string, string>>();
  let section: GreetProtocol | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fail = (what: string): never => {
      throw new ConfigError(`greet file ${file} line ${i + 1}: ${what}`, CULPRIT);
    };
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[([^\]]*)\]$/.exec(line);
    if (head) {
      const name = head[1]!.trim().toLowerCase();
      if (!isGreetProtocol(name)) fail(`unknown section [${head[1]}]; one of ${[...new Set(TEXT_RULES.map((r) => r.protocol))].join(', ')}`);
      section = name as GreetProtocol;
      if (!overrides.has(section)) overrides.set(section, new Map());
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) fail('expected [protocol] or key = value');
    if (section === undefined) fail('a key before any [protocol] section');
    const key = line.slice(0, eq).trim();
    const rule = textRule(section!, key);
    if (!rule) fail(`unknown key "${key}" in [${section}]; one of ${TEXT_RULES.filter((r) => r.protocol === section).map((r) => r.key).join(', ')}`);
    const value = parseValue(line.slice(eq + 1).trim(), fail);
    const problem = rule!.check(value);
    if (problem !== undefined) fail(`${section}.${key} ${problem}`);
    const keys = overrides.get(section!)!;
    if (keys.has(key)) fail(`${section}.${key} is set twice`);
    keys.set(key, value);
  }
  return withOverrides(overrides);
}

const ESCAPES: Readonly<Record<string, string>> = { r: '\r', n: '\n', t: '\t', '\\': '\\', '"': '"' };

function parseValue(raw: string, fail: (what: string) => never): string {
  if (!raw.startsWith('"')) return raw;
  let out = '';
  for (let i = 1; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '"') {
      if (raw.slice(i + 1).trim() !== '') fail('text after the closing quote');
      return out;
    }
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = raw[++i];
    if (e !== undefined && e in ESCAPES) out += ESCAPES[e];
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else fail(`bad escape \\${e ?? ''} (use \\r \\n \\t \\\\ \\" or \\xHH)`);
  }
  return fail('missing closing quote');
}
