// Reads the user's --rules paths (files, or directories of *.json files, read in name order) into rule documents
// for createClassifier. This is the only place rule files touch the file system; the classifier stays pure.
// A file holds one rule object or a list of them. Every error names the file; rule errors keep the rule id.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compileRuleList } from '../classify/index.ts';
import { RulesError, isSynbaitError } from '../errors.ts';

/** Largest rule file accepted; rule files are hand-written, anything bigger is a mistake. */
const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

/** Directory levels followed below a --rules directory (symlink loops end here instead of recursing forever). */
const MAX_DEPTH = 8;

async function filesOf(path: string, depth = 0): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new RulesError(`rule path ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, path, { cause: e });
  }
  // a .rules file is a Suricata rules file: ruleset/load-classifier.ts reads it
  if (!st.isDirectory()) return path.endsWith('.rules') ? [] : [path];
  if (depth > MAX_DEPTH) throw new RulesError(`rule path ${path}: directories nested deeper than ${MAX_DEPTH}`, path);
  const out: string[] = [];
  for (const name of (await readdir(path)).sort()) {
    const p = join(path, name);
    const s = await stat(p);
    if (s.isDirectory()) out.push(...(await filesOf(p, depth + 1)));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** Parses one file's text into rule documents (a rule object or a list of them). */
export function parseRuleFile(file: string, text: string): unknown[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new RulesError(`rule file ${file}: not valid JSON (${(e as Error).message})`, file, { cause: e });
  }
  const docs = Array.isArray(doc) ? doc : [doc];
  try {
    compileRuleList(docs); // validate now, so the error can name the file
  } catch (e) {
    if (isSynbaitError(e) && e instanceof RulesError) {
      throw new RulesError(`rule file ${file}: ${e.message}`, e.ruleId ?? file, { cause: e });
    }
    throw e;
  }
  return docs;
}

/** Reads every rule file under paths, in order. Duplicate ids across files are caught by createClassifier. */
export async function loadRuleFiles(paths: readonly string[]): Promise<unknown[]> {
  const docs: unknown[] = [];
  for (const path of paths) {
    for (const file of await filesOf(path)) {
      const st = await stat(file);
      if (st.size > MAX_RULE_FILE_BYTES) throw new RulesError(`rule file ${file}: larger than ${MAX_RULE_FILE_BYTES} bytes`, file);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new RulesError(`rule file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, file, { cause: e });
      }
      docs.push(...parseRuleFile(file, text));
    }
  }
  return docs;
}
