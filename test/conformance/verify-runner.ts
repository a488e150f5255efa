// Conformance against OISF suricata-verify (MIT licence; github.com/OISF/suricata-verify): each case is a
// directory with test.yaml (requirements, arguments, and `checks` on the eve.json Suricata writes), test.rules
// and a pcap (input.pcap, or the one test.yaml names). A case is applicable when synbait can decide it the
// way it labels records: every rule of test.rules loads, the checks count alerts by signature id (and nothing
// we cannot reproduce: shell checks, custom commands, setup steps, configuration arguments), and the pcap is
// there. The outcome per case compares which sids alert (count > 0) and which must not (count 0) with the
// labels a pcap labeller (phase 2: `synbait label`) gives the pcap's records. Nothing of a checkout is
// committed; CI runs cases of our own in the same format.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileSignatures, ruleVars, type RuleSource, type RuleVars } from '../../src/classify/suricata/index.ts';

/** Labels the records of a pcap with the given rules and variables (test/conformance/label-pcap.ts: synbait label). */
export type PcapLabeller = (pcap: string, rules: readonly RuleSource[], vars: RuleVars, o?: { readonly serverStreams?: boolean }) => Promise<readonly { readonly labels: readonly object[] }[]>;

/** suricata.yaml's default address groups (HOME_NET the private ranges), unless the case's own suricata.yaml sets them. */
const DEFAULT_HOME_NET = ['192.168.0.0/16', '10.0.0.0/8', '172.16.0.0/12'];

/** The rule variables Suricata runs the case with: the default suricata.yaml's, or the case's address and port groups. */
export function caseVars(c: VerifyCase): RuleVars {
  const yamlPath = join(c.dir, 'suricata.yaml');
  const overrides = new Map<string, string>();
  let home = DEFAULT_HOME_NET;
  if (existsSync(yamlPath)) {
    let conf: unknown;
    try {
      conf = parseYaml(readFileSync(yamlPath, 'utf8').replace(/^%YAML.*\n/, ''));
    } catch {
      conf = undefined;
    }
    const vars = (conf as { vars?: { 'address-groups'?: Record<string, unknown>; 'port-groups'?: Record<string, unknown> } } | undefined)?.vars;
    for (const [k, v] of Object.entries({ ...vars?.['address-groups'], ...vars?.['port-groups'] })) {
      if (k === 'HOME_NET' && typeof v === 'string') home = v.replace(/^\[|\]$/g, '').split(',').map((x) => x.trim());
      else if (typeof v === 'string' || typeof v === 'number') overrides.set(k, String(v));
    }
  }
  const vars = ruleVars(home, overrides);
  // ruleVars('any' home) would make EXTERNAL_NET any; Suricata keeps !$HOME_NET unless the case says otherwise
  if (!overrides.has('EXTERNAL_NET')) (vars.addresses as Map<string, string>).set('EXTERNAL_NET', '!$HOME_NET');
  return vars;
}

export interface VerifyCase {
  readonly name: string;
  readonly dir: string;
  readonly yaml: unknown;
  readonly rules: string | undefined;
}

export type Selection =
  | { readonly applicable: true; readonly pcap: string; readonly alerting: ReadonlySet<number>; readonly silent: ReadonlySet<number> }
  | { readonly applicable: false; readonly reason: string };

export interface CaseOutcome {
  readonly name: string;
  readonly status: 'agreed' | 'disagreed' | 'not applicable';
  readonly reason?: string;
  readonly missing?: readonly number[];
  readonly unexpected?: readonly number[];
}

/** Arguments that only change logging, checksum handling, the run mode or turn on a parser, not what alerts. */
const HARMLESS_SET = /^(outputs|stats|logging|eve|pcap-file)\.|^app-layer\.protocols\.[a-z0-9-]+\.(enabled|ja3-fingerprints|ja4-fingerprints)=|^default-rule-path=|^stream\.midstream=true$/;

/** The first argument token that may change detection, or undefined. */
function oddArgument(args: readonly string[]): string | undefined {
  const tokens = args.flatMap((a) => a.trim().split(/\s+/));
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '-k' && tokens[i + 1] === 'none') i++;
    else if (t === '--runmode') i++;
    // --simulate-ips: the same alerts; stream.midstream=true: what the passive tracker does anyway
    else if (t === '--simulate-ips' || t === '--no-random' || /^-v+$/.test(t) || /^--(runmode|data-dir)=/.test(t)) continue;
    else if (t === '--set' && HARMLESS_SET.test(tokens[i + 1] ?? '')) i++;
    else return t === '--set' ? `--set ${tokens[i + 1] ?? ''}` : t;
  }
  return undefined;
}

export function loadCase(dir: string, name: string): VerifyCase {
  const yamlPath = join(dir, 'test.yaml');
  const rulesPath = join(dir, 'test.rules');
  return {
    name, dir,
    yaml: existsSync(yamlPath) ? parseYaml(readFileSync(yamlPath, 'utf8')) : undefined,
    rules: existsSync(rulesPath) ? readFileSync(rulesPath, 'latin1') : undefined,
  };
}

interface AlertCheck {
  readonly sid: number | undefined;
  readonly count: number;
  readonly otherKeys: readonly string[];
}

function alertChecks(checks: unknown[]): AlertCheck[] | string {
  const out: AlertCheck[] = [];
  for (const c of checks) {
    const f = (c as { filter?: { count?: unknown; match?: Record<string, unknown> } }).filter;
    if (!f) return `a ${Object.keys(c as object)[0] ?? 'non-filter'} check`;
    const m = f.match ?? {};
    if (m.event_type !== 'alert') continue; // http, flow, stats... events are not labels
    if (typeof f.count !== 'number') return 'an alert check without a count';
    const sid = m['alert.signature_id'];
    out.push({ sid: typeof sid === 'number' ? sid : undefined, count: f.count, otherKeys: Object.keys(m).filter((k) => k !== 'event_type' && k !== 'alert.signature_id') });
  }
  return out;
}

/** Whether a case is applicable, and what it expects. */
export function selectCase(c: VerifyCase): Selection {
  const no = (reason: string): Selection => ({ applicable: false, reason });
  const y = c.yaml as Record<string, unknown> | undefined;
  if (!y || typeof y !== 'object') return no('no test.yaml');
  if (c.rules === undefined) return no('no test.rules');
  for (const k of ['command', 'setup', 'skip']) if (k in y) return no(`test.yaml has ${k}`);
  const odd = oddArgument((Array.isArray(y.args) ? y.args : []).map(String));
  if (odd !== undefined) return no(`argument ${odd}`);
  const pcap = typeof y.pcap === 'string' ? join(c.dir, y.pcap) : y.pcap === false ? undefined : join(c.dir, 'input.pcap');
  if (!pcap || !existsSync(pcap)) return no('no pcap');
  const compiled = compileSignatures([{ file: 'test.rules', text: c.rules, ruleset: 'verify' }], { vars: caseVars(c) });
  if (compiled.stats.enabled === 0) return no('no rule');
  if (compiled.stats.loaded !== compiled.stats.enabled) {
    const why = compiled.skipped[0]?.reason ?? compiled.errors[0]?.code;
    return no(`a rule does not load (${why})`);
  }
  const checks = alertChecks(Array.isArray(y.checks) ? y.checks : []);
  if (typeof checks === 'string') return no(checks);
  if (checks.length === 0) return no('no alert check');
  const alerting = new Set<number>();
  const silent = new Set<number>();
  for (const k of checks) {
    if (k.sid === undefined) {
      if (k.count === 0 && k.otherKeys.length === 0) compiled.signatures.signatures.forEach((s) => silent.add(s.sid));
      // with one rule, a total over all sids is that rule's; with several it says nothing per sid
      else if (k.count > 0 && k.otherKeys.length === 0 && compiled.signatures.size === 1) alerting.add(compiled.signatures.signatures[0]!.sid);
      continue;
    }
    if (k.count > 0) alerting.add(k.sid);
    else if (k.otherKeys.length === 0) silent.add(k.sid);
  }
  for (const s of alerting) silent.delete(s);
  if (alerting.size === 0 && silent.size === 0) return no('alert checks name no signature');
  return { applicable: true, pcap, alerting, silent };
}

/** Every case directory of a checkout (its tests/ folder), in name order. */
export function listCases(checkout: string): VerifyCase[] {
  const root = join(checkout, 'tests');
  return readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort().map((n) => loadCase(join(root, n), n));
}

export async function runCase(c: VerifyCase, label: PcapLabeller): Promise<CaseOutcome> {
  const s = selectCase(c);
  if (!s.applicable) return { name: c.name, status: 'not applicable', reason: s.reason };
  const rules = [{ file: join(c.dir, 'test.rules'), text: c.rules!, ruleset: 'verify' }];
  const sids = (records: readonly { readonly labels: readonly object[] }[]) =>
    new Set(records.flatMap((r) => r.labels.flatMap((l) => ('sid' in l && typeof l.sid === 'number' ? [l.sid] : []))));
  const records = await label(s.pcap, rules, caseVars(c));
  if (records.length === 0) return { name: c.name, status: 'not applicable', reason: 'no TCP or UDP flow in the pcap' };
  const got = sids(records);
  const missing = [...s.alerting].filter((sid) => !got.has(sid));
  const unexpected = [...s.silent].filter((sid) => got.has(sid));
  if (missing.length > 0 && unexpected.length === 0) {
    // what a sensor never sees: an alert that only the server's bytes raise is outside "the client's payloads"
    const server = sids(await label(s.pcap, rules, caseVars(c), { serverStreams: true }));
    if (missing.every((sid) => server.has(sid))) return { name: c.name, status: 'not applicable', reason: 'alerts on server data', missing };
  }
  return { name: c.name, status: missing.length + unexpected.length === 0 ? 'agreed' : 'disagreed', missing, unexpected };
}

export interface ConformanceReport {
  readonly cases: number;
  readonly applicable: number;
  readonly agreed: number;
  readonly outcomes: readonly CaseOutcome[];
  /** Why cases were not applicable, counted. */
  readonly notApplicable: ReadonlyMap<string, number>;
}

export async function runConformance(checkout: string, label: PcapLabeller): Promise<ConformanceReport> {
  const outcomes: CaseOutcome[] = [];
  for (const c of listCases(checkout)) outcomes.push(await runCase(c, label));
  const notApplicable = new Map<string, number>();
  for (const o of outcomes) {
    if (o.status !== 'not applicable') continue;
    const k = o.reason!.replace(/\(.*\)$/, '').replace(/^argument .*/, 'argument').trim();
    notApplicable.set(k, (notApplicable.get(k) ?? 0) + 1);
  }
  const applicable = outcomes.filter((o) => o.status !== 'not applicable').length;
  return { cases: outcomes.length, applicable, agreed: outcomes.filter((o) => o.status === 'agreed').length, outcomes, notApplicable };
}
