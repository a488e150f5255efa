// Adds or removes a port exclusion in the installed chains while the sensor runs, without a restart: a service
// started after the sensor keeps its port (issue 14). The same RETURN rules iptables/rules.v4 and rules.v6 render
// for excluded ports, TCP and UDP, inserted at position 1 of SYNBAIT-INPUT: every rule there before a DROP is a
// RETURN, so position 1 is always before the drops. Idempotent: the family's iptables-save output decides, not
// `iptables -C` (ip6tables-legacy 1.8.9, Debian 12's, answers 0 to -C for a `-p tcp -m tcp --dport N` rule that is
// not there as soon as another --dport rule is); removal takes every copy. Only the backends and families that hold
// our chain are touched (none when the firewall is off or managed by the owner).

import { portRangeText, type PortRange } from '../wire/port-range.ts';
import type { FirewallExecutor } from './firewall-executor.ts';
import type { FirewallCommand } from './firewall-plan.ts';
import { type Backend, BACKENDS, type Family, FAMILIES, INPUT_CHAIN, toolName } from './iptables-tools.ts';
import { hasChain, ruleCopies } from './saved-ruleset.ts';

export interface InstalledFamily {
  readonly backend: Backend;
  readonly family: Family;
}

/** Removal stops after this many copies (a loop that cannot end is a bug, not a ruleset). */
const MAX_COPIES = 64;


/** The RETURN rule for one protocol, as arguments after `-C`, `-I SYNBAIT-INPUT 1` or `-D`. */
export function exclusionRule(proto: 'tcp' | 'udp', r: PortRange): string[] {
  const port = r.from === r.to ? String(r.from) : `${r.from}:${r.to}`;
  return ['-p', proto, '-m', proto, '--dport', port, '-j', 'RETURN'];
}

function command(where: InstalledFamily, ...args: string[]): FirewallCommand {
  return { argv: [toolName(where.backend, where.family), '-w', ...args] };
}

/** The backends and families where our input chain exists now. */
export async function installedFamilies(x: FirewallExecutor): Promise<InstalledFamily[]> {
  const out: InstalledFamily[] = [];
  for (const backend of BACKENDS) {
    for (const family of FAMILIES) {
      const saved = await x.save(backend, family);
      if (saved !== undefined && hasChain(saved, INPUT_CHAIN)) out.push({ backend, family });
    }
  }
  return out;
}

/** Changes one rule in one family, given how many copies of it the family holds now. */
type RuleChange = (x: FirewallExecutor, w: InstalledFamily, rule: readonly string[], copies: number) => Promise<boolean>;

/** Applies `change` to the TCP and UDP rule of `r` in each family, then logs `event` once per family. */
async function changeEverywhere(
  x: FirewallExecutor,
  r: PortRange,
  change: RuleChange,
  log: { event: string; what: string; detail: string },
  where?: readonly InstalledFamily[],
): Promise<boolean> {
  let ok = true;
  for (const w of where ?? (await installedFamilies(x))) {
    const saved = (await x.save(w.backend, w.family)) ?? '';
    for (const proto of ['tcp', 'udp'] as const) {
      const rule = exclusionRule(proto, r);
      if (!(await change(x, w, rule, ruleCopies(saved, INPUT_CHAIN, rule.join(' '))))) ok = false;
    }
    x.log.info(
      { event: log.event, port: portRangeText(r), backend: w.backend, family: String(w.family), detail: log.detail },
      `port ${portRangeText(r)} ${log.what} (${w.backend}, IPv${w.family})${log.detail ? `: ${log.detail}` : ''}`,
    );
  }
  return ok;
}

const insertIfMissing: RuleChange = async (x, w, rule, copies) =>
  copies > 0 || (await x.run(command(w, '-I', INPUT_CHAIN, '1', ...rule))).status === 0;

const deleteEveryCopy: RuleChange = async (x, w, rule, copies) => {
  for (let i = 0; i < Math.min(copies, MAX_COPIES); i++) {
    if ((await x.run(command(w, '-D', INPUT_CHAIN, ...rule))).status !== 0) return false;
  }
  return true;
};

/** Inserts the RETURN rules where they are missing; false if an insert failed. `detail` says why, for the log. */
export function addPortExclusion(x: FirewallExecutor, r: PortRange, detail = '', where?: readonly InstalledFamily[]): Promise<boolean> {
  return changeEverywhere(x, r, insertIfMissing, { event: 'FirewallPortExcluded', what: 'excluded', detail }, where);
}

/** Deletes every copy of the RETURN rules; false if a delete failed. */
export function removePortExclusion(x: FirewallExecutor, r: PortRange, detail = '', where?: readonly InstalledFamily[]): Promise<boolean> {
  return changeEverywhere(x, r, deleteEveryCopy, { event: 'FirewallPortIncluded', what: 'monitored again', detail }, where);
}
