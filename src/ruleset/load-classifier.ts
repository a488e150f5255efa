// Everything a record is labelled with, loaded from disk once: the built-in rules, the user's JSON rules
// (--rules *.json or directories of them), and the community signatures — Suricata .rules files given to --rules
// (ruleset "local") and the installed set of --rules-dir (ET Open by default, `synbait rules update`). The sensor,
// `synbait label` and `synbait report --relabel` all label through this, so they agree.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CombinedClassifier } from '../classify/combined-classifier.ts';
import { builtinRuleDocs, compileRuleList, compileRuleListAsync, RuleClassifier } from '../classify/index.ts';
import type { CompiledSignatures, RuleMatcher, RuleSource } from '../classify/suricata/index.ts';
import { ruleVars } from '../classify/suricata/rule-vars.ts';
import { loadRuleFiles } from '../config/rule-files.ts';
import type { SignatureSettings } from '../config/signature-settings.ts';
import { ConfigError } from '../errors.ts';
import { loadModule } from '../load-module.ts';
import { openRuleFiles, type RuleFileSet } from './read-rules.ts';
import { currentSet } from './rule-store.ts';

export interface RuleLoadOptions {
  /** --rules: JSON rule files, Suricata .rules files, or directories holding either. */
  readonly rulePaths: readonly string[];
  readonly signatures: SignatureSettings;
  /** The monitored networks (CIDR texts): HOME_NET unless --rules-var says otherwise. */
  readonly homeNets: readonly string[];
  /** Compile in slices that give the thread back (a running sensor's reload); default: at once. */
  readonly slicing?: { readonly sliceMs?: number; readonly yieldTo?: () => Promise<void> };
  /** Called as each rules file is read (a progress line, a log line). */
  readonly onFile?: (file: string, bytesRead: number) => void;
}

export interface LoadedRules {
  /** Our own rule documents beyond the built-in ones (the user's JSON rules). */
  readonly docs: readonly unknown[];
  /** The community signatures' load report, when any were found. */
  readonly community: CommunityLoad | undefined;
  /** A classifier over all of them. Each call makes one with state of its own (per-source detectors); the
   *  compiled signatures are shared (they keep no state between records). */
  newClassifier(): CombinedClassifier;
}

export interface CommunityLoad {
  readonly compiled: CompiledSignatures;
  /** Every rules file read, with its ruleset. */
  readonly files: readonly { readonly file: string; readonly ruleset: string }[];
  readonly classificationProblems: readonly string[];
  readonly ms: number;
}

/** Throws RulesError (a rule file cannot be read, our own rules are invalid) or ConfigError (a selection file). */
export async function loadClassifier(o: RuleLoadOptions): Promise<LoadedRules> {
  const split = await splitRulePaths(o.rulePaths);
  const docs = await loadRuleFiles(split.json);
  // our own rules are compiled (and checked) before the slow community load; compiled rules keep no state, so
  // every classifier shares them (each has its own per-source threshold state)
  const all = [...builtinRuleDocs, ...docs];
  const own = o.slicing ? await compileRuleListAsync(all, o.slicing) : compileRuleList(all);
  const community = await loadSignatures(split.suricata, o);
  return { docs, community, newClassifier: () => new CombinedClassifier(new RuleClassifier(own), community?.compiled.signatures) };
}

/** Community signature settings that load nothing beyond what is named (tools without the sensor's flags). */
export const NO_SIGNATURE_SETTINGS: SignatureSettings = {
  rulesDir: undefined, updateUrl: '', updateSchedule: undefined, categories: [], enableFile: undefined, disableFile: undefined, vars: new Map(),
};

/** One line: what loaded, what was skipped and why (the most frequent reasons). */
export function communitySummary(c: CommunityLoad): string {
  const s = c.compiled.stats;
  const reasons = [...c.compiled.skippedByReason].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([r, n]) => `${r} ${n}`).join(', ');
  return `community signatures: ${s.loaded} of ${s.enabled} enabled rules loaded from ${c.files.length} files in ${(c.ms / 1000).toFixed(1)} s; ` +
    `${s.skipped} skipped${reasons ? ` (${reasons})` : ''}; ${s.errors} errors`;
}

/** Only the community signatures. */
export async function loadSignatures(userRules: readonly string[], o: RuleLoadOptions): Promise<CommunityLoad | undefined> {
  const sets: { readonly set: RuleFileSet; readonly ruleset: string }[] = [];
  if (userRules.length > 0) sets.push({ set: await openRuleFiles(userRules, 'local'), ruleset: 'local' });
  const dir = o.signatures.rulesDir;
  const current = dir === undefined ? undefined : await currentSet(dir);
  if (current) {
    const ruleset = await rulesetName(current);
    sets.push({ set: await openRuleFiles([current], ruleset), ruleset });
  }
  if (sets.every((s) => s.set.files.length === 0)) return undefined;
  const started = performance.now();
  const selection = {
    enable: await selectionFile(o.signatures.enableFile, 'rules-enable'),
    disable: await selectionFile(o.signatures.disableFile, 'rules-disable'),
    categories: o.signatures.categories,
  };
  const classification = new Map(sets.flatMap((s) => [...s.set.classification]));
  const files = sets.map((s) => s.set);
  const options = { vars: ruleVars(o.homeNets, o.signatures.vars), classification, selection };
  const sources = sourcesOf(files, o.onFile);
  const engine = await signatureEngine();
  const compiled = o.slicing ? await engine.compileSignaturesAsync(sources, { ...options, ...o.slicing }) : engine.compileSignatures(sources, options);
  return {
    compiled,
    files: sets.flatMap((s) => s.set.files.map((file) => ({ file, ruleset: s.ruleset }))),
    classificationProblems: files.flatMap((s) => s.classificationProblems),
    ms: performance.now() - started,
  };
}

/**
 * The community-signature engine (parser, compiler, matchers), loaded only once there are .rules files to compile:
 * a sensor without them does not carry it (some 15 MB of RSS under tsx).
 */
function signatureEngine(): Promise<typeof import('../classify/suricata/index.ts')> {
  return loadModule<typeof import('../classify/suricata/index.ts')>('../classify/suricata/index.ts', import.meta.url);
}

function* sourcesOf(sets: readonly RuleFileSet[], onFile: RuleLoadOptions['onFile']): Iterable<RuleSource> {
  let before = 0;
  for (const s of sets) {
    yield* s.sources((file, bytes) => onFile?.(file, before + bytes));
    before += s.bytes;
  }
}

/**
 * --rules paths by kind: a `.rules` file is Suricata's, any other file JSON; a directory is read for both (its
 * *.json files recursively by the JSON loader, its *.rules files by the signature loader).
 */
export async function splitRulePaths(paths: readonly string[]): Promise<{ json: string[]; suricata: string[] }> {
  const json: string[] = [];
  const suricata: string[] = [];
  for (const p of paths) {
    let dir = false;
    try {
      dir = (await stat(p)).isDirectory();
    } catch {
      // the JSON loader reports a missing path with its name
    }
    if (dir) {
      json.push(p);
      suricata.push(p);
    } else if (p.endsWith('.rules')) {
      suricata.push(p);
    } else {
      json.push(p);
    }
  }
  return { json, suricata };
}

/** The ruleset an installed set's labels carry: `et/open` for Emerging Threats Open, else `community`. */
async function rulesetName(setDir: string): Promise<string> {
  try {
    const source = await readFile(join(setDir, 'SOURCE'), 'utf8');
    return /rules\.emergingthreats\.net\/open\//.test(source) || /emerging\.rules/.test(source) ? 'et/open' : 'community';
  } catch {
    return 'community';
  }
}

/** An enable.conf / disable.conf file (suricata-update's format). */
export async function selectionFile(path: string | undefined, flag: string): Promise<RuleMatcher[]> {
  if (path === undefined) return [];
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`--${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, `--${flag}`, { cause: e });
  }
  const r = (await signatureEngine()).parseSelectionConf(text);
  if (!r.ok) throw new ConfigError(`--${flag} ${path}: ${r.message}`, `--${flag}`);
  return r.value;
}
