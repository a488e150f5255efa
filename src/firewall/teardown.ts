// Removes what a run of ours left in a backend: every jump and both chains, in both families, whatever is left of
// them (a SIGKILLed run leaves everything; a run killed half-way through its install leaves part). Tolerates
// missing pieces, then checks that nothing of ours is left.

import type { FirewallExecutor } from './firewall-executor.ts';
import { planTeardown } from './firewall-plan.ts';
import { type Backend, type Family, FAMILIES } from './iptables-tools.ts';
import { holdsOurRules, ourLines } from './saved-ruleset.ts';

/** False if something of ours is still there afterwards (logged as FirewallTeardownIncomplete). */
export async function teardownFamily(x: FirewallExecutor, backend: Backend, family: Family): Promise<boolean> {
  const saved = await x.save(backend, family);
  if (saved === undefined || !holdsOurRules(saved)) return true;
  const where = { backend, family: String(family) };
  x.log.info({ event: 'FirewallTeardown', ...where }, `removing synbait rules (${backend}, IPv${family})`);
  for (const c of planTeardown(backend, family, saved)) await x.run(c);
  const after = await x.save(backend, family);
  if (after !== undefined && !holdsOurRules(after)) return true;
  x.log.error(
    { event: 'FirewallTeardownIncomplete', ...where, remaining: after === undefined ? 'unknown (iptables-save failed)' : ourLines(after).join('\n') },
    `synbait rules are still present (${backend}, IPv${family})`,
  );
  return false;
}

/** Both families of each backend that is installed. */
export async function teardownBackends(x: FirewallExecutor, backends: readonly Backend[]): Promise<boolean> {
  let ok = true;
  for (const backend of backends) {
    if (!(await x.installed(backend))) continue;
    for (const family of FAMILIES) if (!(await teardownFamily(x, backend, family))) ok = false;
  }
  return ok;
}
