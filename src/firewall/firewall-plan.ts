// The firewall changes as data: what `firewall up` runs to install one family, what `firewall down` runs to remove
// it, and the undo plan `firewall up` prints. Pure; firewall-executor.ts runs them. Pattern: tailscale's
// util/linuxfw and crowdsec's firewall bouncer: our own chains, created-or-flushed by `iptables-restore --noflush`
// (which replaces the contents of the chains it names and leaves every other chain alone), each jump inserted only
// when `-C` says it is missing, teardown that tolerates missing pieces.

import { commandText } from './command-runner.ts';
import { type Backend, CHAINS, type Family, toolName } from './iptables-tools.ts';
import { hasChain, jumpCopies } from './saved-ruleset.ts';

export interface FirewallCommand {
  readonly argv: readonly string[];
  /** iptables-restore input. */
  readonly stdin?: string;
}

/** A jump from a built-in chain to ours: `check` (iptables -C) decides whether `insert` runs. */
export interface JumpStep {
  readonly parent: string;
  readonly chain: string;
  readonly check: FirewallCommand;
  readonly insert: FirewallCommand;
}

export interface InstallPlan {
  readonly backend: Backend;
  readonly family: Family;
  readonly restore: FirewallCommand;
  readonly jumps: readonly JumpStep[];
}

const ipt = (backend: Backend, family: Family, ...args: string[]): FirewallCommand => ({
  argv: [toolName(backend, family), '-w', ...args],
});

/** Loads `rules` (rendered from iptables/rules.v4 or rules.v6), then jumps to our chains from position 1. */
export function planInstall(backend: Backend, family: Family, rules: string): InstallPlan {
  return {
    backend,
    family,
    restore: { argv: [toolName(backend, family, 'restore'), '-w', '--noflush'], stdin: rules },
    jumps: CHAINS.map(({ parent, chain }) => ({
      parent,
      chain,
      check: ipt(backend, family, '-C', parent, '-j', chain),
      insert: ipt(backend, family, '-I', parent, '1', '-j', chain),
    })),
  };
}

/**
 * What removes everything of ours that `saved` (iptables-save of that backend and family) shows: every copy of each
 * jump, then each chain flushed and deleted. Nothing for pieces that are not there.
 */
export function planTeardown(backend: Backend, family: Family, saved: string): FirewallCommand[] {
  const out: FirewallCommand[] = [];
  for (const { parent, chain } of CHAINS) {
    for (let n = jumpCopies(saved, parent, chain); n > 0; n--) out.push(ipt(backend, family, '-D', parent, '-j', chain));
    if (hasChain(saved, chain)) out.push(ipt(backend, family, '-F', chain), ipt(backend, family, '-X', chain));
  }
  return out;
}

/** What undoes an installed family (one jump per chain): shown by `firewall up`, done by `firewall down`. */
export function undoPlan(backend: Backend, families: readonly Family[]): string[] {
  return families.flatMap((family) =>
    CHAINS.flatMap(({ parent, chain }) => [
      ipt(backend, family, '-D', parent, '-j', chain),
      ipt(backend, family, '-F', chain),
      ipt(backend, family, '-X', chain),
    ]).map((c) => commandText(c.argv)),
  );
}
