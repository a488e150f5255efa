// `synbait rules check FILE|DIR...` and `synbait rules update`: one entry point, runRules(args, io), for the
// CLI dispatch. Flags are the sensor's --rules-* flags (same names, same SYNBAIT_* variables, same checks);
// problems go to stderr with the exit status of docs/signatures.md: 0 fine, 1 rule errors (check) or a failed
// update (the previous set stays), 2 bad usage.

import { compileSignatures, ruleVars, type CompiledSignatures } from '../classify/suricata/index.ts';
import { OPTIONS } from '../config/options.ts';
import { splitFlag } from '../config/parse-values.ts';
import { signatureSettings, type SignatureSettings } from '../config/signature-settings.ts';
import { ConfigError, RulesError, RulesUpdateError, isSynbaitError } from '../errors.ts';
import { parseCidr } from '../wire/address.ts';
import { openRuleFiles } from './read-rules.ts';
import { selectionFile } from './load-classifier.ts';
import { currentSet } from './rule-store.ts';
import { updateRules } from './update-rules.ts';

export interface RulesIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

const EXTRA = new Set(['network', 'md5', 'list', 'help']);
const FLAGS = new Set([...OPTIONS.filter((o) => o.group === 'signatures').map((o) => o.flag), ...EXTRA]);

export function renderRulesHelp(): string {
  return [
    'Usage:',
    '  synbait rules check FILE|DIR... [-n CIDR]... [--rules-var NAME=VALUE]... [--rules-categories ...]',
    '                                  [--rules-enable FILE] [--rules-disable FILE] [--list all|skipped|errors|none]',
    '      Parse Suricata/ET rule files: loaded and skipped counts by reason, skipped rules, errors as FILE:LINE: OPTION.',
    '      Without FILE: the current set of --rules-dir. -n: HOME_NET (default: any address).',
    '  synbait rules update --rules-dir DIR [--rules-update-url URL|FILE] [--md5 HEX|URL]',
    '      Fetch the ruleset (ET Open by default), verify it (MD5, gzip, tar, rules), install it, switch to it.',
    '',
    'Exit status: 0 ok; 1 rule errors (check) or the update failed (the previous set stays current); 2 bad usage.',
    '',
  ].join('\n');
}

interface RulesArgs {
  readonly command: 'check' | 'update' | 'help';
  readonly paths: string[];
  readonly settings: SignatureSettings;
  readonly networks: string[];
  readonly md5: string | undefined;
  readonly list: 'all' | 'skipped' | 'errors' | 'none';
}

function parseRulesArgs(args: readonly string[], env: NodeJS.ProcessEnv): RulesArgs {
  const command = args[0];
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return { command: 'help', paths: [], settings: undefined as never, networks: [], md5: undefined, list: 'none' };
  if (command !== 'check' && command !== 'update') throw new ConfigError(`unknown rules command ${JSON.stringify(command)} (check or update)`, command);
  const values = new Map<string, string[]>();
  const paths: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') return { command: 'help', paths: [], settings: undefined as never, networks: [], md5: undefined, list: 'none' };
    if (!a.startsWith('-')) {
      paths.push(a);
      continue;
    }
    const { long, short, inline, shown } = splitFlag(a);
    const flag = short === 'n' ? 'network' : long;
    if (flag === undefined || !FLAGS.has(flag)) throw new ConfigError(`unknown flag ${shown} for synbait rules (see synbait rules --help)`, shown);
    const v = inline ?? args[++i];
    if (v === undefined) throw new ConfigError(`${shown} needs a value`, shown);
    values.set(flag, [...(values.get(flag) ?? []), v]);
  }
  const envOf = (flag: string) => env[OPTIONS.find((o) => o.flag === flag)?.env ?? ''];
  const text = (flag: string) => values.get(flag)?.at(-1) ?? envOf(flag) ?? OPTIONS.find((o) => o.flag === flag)?.default;
  const list = (flag: string) => (values.get(flag) ?? (envOf(flag) !== undefined ? [envOf(flag)!] : [])).flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const fail = (flag: string, what: string, value: unknown): never => {
    throw new ConfigError(`--${flag}: ${what} (got ${JSON.stringify(value)})`, `--${flag}`);
  };
  const networks = list('network');
  for (const n of networks) if (!parseCidr(n)) fail('network', 'expected an IPv4 or IPv6 CIDR', n);
  const listMode = text('list') ?? 'all';
  if (!['all', 'skipped', 'errors', 'none'].includes(listMode)) fail('list', 'expected all, skipped, errors or none', listMode);
  return { command, paths, settings: signatureSettings({ text, list, fail }), networks, md5: text('md5'), list: listMode as RulesArgs['list'] };
}

function report(c: CompiledSignatures, list: RulesArgs['list'], out: (s: string) => void): void {
  const s = c.stats;
  out(`rules: ${s.total} statements, ${s.enabled} enabled; loaded ${s.loaded}, skipped ${s.skipped}, errors ${s.errors}` +
    `${s.flowbitSetters > 0 ? `; ${s.flowbitSetters} disabled flowbit setters turned on` : ''}; ${s.withoutFastPattern} loaded without a fast pattern`);
  for (const [reason, n] of [...c.skippedByReason].sort((a, b) => b[1] - a[1])) out(`  skipped ${String(n).padStart(6)}  ${reason}`);
  const codes = new Map<string, number>();
  for (const e of c.errors) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
  for (const [code, n] of [...codes].sort((a, b) => b[1] - a[1])) out(`  error   ${String(n).padStart(6)}  ${code}`);
  if (list === 'all' || list === 'skipped') {
    for (const k of c.skipped) out(`skipped ${k.file}:${k.line}: sid ${k.sid ?? '?'}: ${k.reason}${k.option ? ` (${k.option})` : ''}: ${k.msg}`);
  }
  if (list === 'all' || list === 'errors') {
    for (const e of c.errors) out(`error ${e.file}:${e.line}: ${e.option ?? 'rule'}: ${e.code}: ${e.message}${e.sid !== undefined ? ` (sid ${e.sid})` : ''}`);
  }
}

async function check(a: RulesArgs, io: RulesIo): Promise<number> {
  let paths = a.paths;
  if (paths.length === 0) {
    const cur = a.settings.rulesDir ? await currentSet(a.settings.rulesDir) : undefined;
    if (!cur) throw new ConfigError('synbait rules check: name rule files or directories (or --rules-dir with an installed set)', 'rules check');
    paths = [cur];
  }
  const tty = io.stderr.isTTY === true;
  const files = await openRuleFiles(paths, 'check');
  const selection = { enable: await selectionFile(a.settings.enableFile, 'rules-enable'), disable: await selectionFile(a.settings.disableFile, 'rules-disable'), categories: a.settings.categories };
  const progress = (f: string, bytes: number) => tty && io.stderr.write(`\r\x1b[2Kcompiling ${f} (${(bytes / 1e6).toFixed(1)} MB read)`);
  const c = compileSignatures(files.sources(progress), { vars: ruleVars(a.networks, a.settings.vars), classification: files.classification, selection });
  if (tty) io.stderr.write('\r\x1b[2K');
  for (const p of files.classificationProblems) io.stderr.write(`synbait rules: ${p}\n`);
  const lines: string[] = [];
  report(c, a.list, (s) => lines.push(s));
  io.stdout.write(lines.join('\n') + '\n');
  return c.stats.errors > 0 ? 1 : 0;
}

async function update(a: RulesArgs, io: RulesIo): Promise<number> {
  const dir = a.settings.rulesDir;
  if (!dir) throw new ConfigError('synbait rules update needs --rules-dir (or SYNBAIT_RULES_DIR)', '--rules-dir');
  const tty = io.stderr.isTTY === true;
  let last = 0;
  const r = await updateRules({
    rulesDir: dir, source: a.settings.updateUrl, ...(a.md5 !== undefined && { md5: a.md5 }),
    progress: (n, total) => {
      if (!tty || Date.now() - last < 200) return;
      last = Date.now();
      io.stderr.write(`\r\x1b[2Kdownloading ${(n / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`);
    },
  });
  if (tty) io.stderr.write('\r\x1b[2K');
  io.stdout.write(`installed ${r.set} (${r.files} files, ${r.rules} rules load, ${(r.bytes / 1e6).toFixed(1)} MB, md5 ${r.md5}, ${r.verified === 'md5' ? 'checksum verified' : 'no published checksum: structure verified'})\n`);
  return 0;
}

export async function runRules(args: readonly string[], io: RulesIo): Promise<number> {
  const say = (t: string) => io.stderr.write(`synbait rules: ${t}\n`);
  try {
    const a = parseRulesArgs(args, io.env);
    if (a.command === 'help') {
      io.stdout.write(renderRulesHelp());
      return 0;
    }
    return a.command === 'check' ? await check(a, io) : await update(a, io);
  } catch (e) {
    if (e instanceof ConfigError) {
      say(e.message);
      return 2;
    }
    if (e instanceof RulesUpdateError) {
      say(`update failed (${e.reason}), the current set is unchanged: ${e.message}`);
      return 1;
    }
    if (e instanceof RulesError || isSynbaitError(e)) {
      say(e.message);
      return 1;
    }
    throw e;
  }
}
