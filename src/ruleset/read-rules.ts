// Reads Suricata rule files from disk for compileSignatures: a path is a .rules file or a directory, whose
// *.rules files are read in name order (not recursively: a ruleset directory is flat, as ET's rules/ is), and a
// classification.config beside them (or named) gives the classtypes. Files are read as latin1 so rule bytes
// reach the parser unchanged. The only file system access of the signature pipeline.

import { readFileSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseClassificationConfig, type Classtype } from '../classify/suricata/classification.ts';
import type { RuleSource } from '../classify/suricata/index.ts';
import { RulesError } from '../errors.ts';

/** Largest rule file read (ET's biggest file is about 4 MB; emerging-all.rules about 40 MB). */
export const MAX_RULES_FILE_BYTES = 128 * 1024 * 1024;

export interface LoadedRuleFiles {
  readonly sources: RuleSource[];
  readonly classification: Map<string, Classtype>;
  /** Problems in classification.config (line and message); the rest of the file still counts. */
  readonly classificationProblems: readonly string[];
  readonly bytes: number;
}

async function filesOf(path: string): Promise<{ rules: string[]; classification: string | undefined }> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new RulesError(`rules path ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, path, { cause: e });
  }
  if (!st.isDirectory()) {
    if (basename(path) === 'classification.config') return { rules: [], classification: path };
    const beside = join(dirname(path), 'classification.config');
    return { rules: [path], classification: (await exists(beside)) ? beside : undefined };
  }
  const names = (await readdir(path)).sort();
  return {
    rules: names.filter((n) => n.endsWith('.rules')).map((n) => join(path, n)),
    classification: names.includes('classification.config') ? join(path, 'classification.config') : undefined,
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function readText(file: string): Promise<string> {
  try {
    const st = await stat(file);
    if (st.size > MAX_RULES_FILE_BYTES) throw new RulesError(`rules file ${file}: larger than ${MAX_RULES_FILE_BYTES} bytes`, file);
    return await readFile(file, 'latin1');
  } catch (e) {
    if (e instanceof RulesError) throw e;
    throw new RulesError(`rules file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, file, { cause: e });
  }
}

/** Rule files found under paths, their classification, and their texts read one at a time on iteration. */
export interface RuleFileSet {
  readonly files: readonly string[];
  readonly classification: Map<string, Classtype>;
  readonly classificationProblems: readonly string[];
  /** Reads each file when the iteration reaches it (compileSignatures then holds one file's text at a time). */
  sources(onFile?: (file: string, bytes: number) => void): Iterable<RuleSource>;
  /** Bytes read so far. */
  readonly bytes: number;
}

function readTextSync(file: string): string {
  try {
    if (statSync(file).size > MAX_RULES_FILE_BYTES) throw new RulesError(`rules file ${file}: larger than ${MAX_RULES_FILE_BYTES} bytes`, file);
    return readFileSync(file, 'latin1');
  } catch (e) {
    if (e instanceof RulesError) throw e;
    throw new RulesError(`rules file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, file, { cause: e });
  }
}

export async function openRuleFiles(paths: readonly string[], ruleset: string): Promise<RuleFileSet> {
  const files: string[] = [];
  const classFiles = new Set<string>();
  for (const path of paths) {
    const f = await filesOf(path);
    if (f.classification) classFiles.add(f.classification);
    files.push(...f.rules);
  }
  const classification = new Map<string, Classtype>();
  const classificationProblems: string[] = [];
  for (const file of classFiles) {
    const r = parseClassificationConfig(await readText(file));
    for (const [k, v] of r.classes) classification.set(k, v);
    for (const p of r.problems) classificationProblems.push(`${file}:${p.line}: ${p.message}`);
  }
  let bytes = 0;
  return {
    files, classification, classificationProblems,
    get bytes() {
      return bytes;
    },
    *sources(onFile) {
      for (const file of files) {
        const text = readTextSync(file);
        bytes += text.length;
        onFile?.(file, bytes);
        yield { file, text, ruleset };
      }
    },
  };
}

/** Reads every rules file under paths at once (small sets, tests), with the ruleset name given to their labels. */
export async function readRuleFiles(paths: readonly string[], ruleset: string, onFile?: (file: string, bytes: number) => void): Promise<LoadedRuleFiles> {
  const set = await openRuleFiles(paths, ruleset);
  const sources = [...set.sources(onFile)];
  return { sources, classification: set.classification, classificationProblems: set.classificationProblems, bytes: set.bytes };
}
