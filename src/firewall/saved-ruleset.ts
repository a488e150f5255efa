// Facts read from `iptables-save` output (the filter table of one backend and family). Pure.
//
//   *filter
//   :INPUT ACCEPT [0:0]
//   :SYNBAIT-INPUT - [0:0]
//   -A INPUT -j SYNBAIT-INPUT
//   -A SYNBAIT-INPUT -i lo -j RETURN
//   COMMIT

import { CHAIN_PREFIX } from './iptables-tools.ts';

function lines(saved: string): string[] {
  return saved.split('\n').map((l) => l.trimEnd());
}

/** Rules that are not ours: how much the host uses this backend (kube-proxy's iptables-wrapper counts the same). */
export function countHostRules(saved: string): number {
  return lines(saved).filter((l) => l.startsWith('-A ') && !l.includes(CHAIN_PREFIX)).length;
}

/** True if anything of ours is there: a chain, a rule in it, or a jump to it. */
export function holdsOurRules(saved: string): boolean {
  return saved.includes(CHAIN_PREFIX);
}

/** Copies of `-A CHAIN SPEC`, SPEC as iptables-save prints it (e.g. `-p tcp -m tcp --dport 8080 -j RETURN`). */
export function ruleCopies(saved: string, chain: string, spec: string): number {
  const want = `-A ${chain} ${spec}`;
  return lines(saved).filter((l) => l === want).length;
}

/** Copies of `-A PARENT -j CHAIN` (a run killed between insert and teardown, or several of them, leave several). */
export function jumpCopies(saved: string, parent: string, chain: string): number {
  return ruleCopies(saved, parent, `-j ${chain}`);
}

export function hasChain(saved: string, chain: string): boolean {
  return lines(saved).some((l) => l.startsWith(`:${chain} `));
}

/** The lines that mention our chains, for the log when something could not be removed. */
export function ourLines(saved: string): string[] {
  return lines(saved).filter((l) => l.includes(CHAIN_PREFIX));
}
