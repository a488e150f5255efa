// Installs one family's rules: the rendered iptables-restore input (our chains created or flushed, so loading it
// twice leaves one copy), then one jump per chain from position 1 of INPUT and OUTPUT, inserted only when -C says it
// is missing. The first failure stops the install: the caller removes what was installed.

import type { FirewallExecutor } from './firewall-executor.ts';
import type { InstallPlan } from './firewall-plan.ts';

export async function installFamily(x: FirewallExecutor, plan: InstallPlan): Promise<boolean> {
  const where = { backend: plan.backend, family: String(plan.family) };
  // the rules themselves, with the template's comments, so the log says what was installed and why
  for (const line of plan.restore.stdin?.split('\n') ?? []) {
    if (line !== '' && !line.startsWith('#')) x.log.info({ event: 'FirewallRule', ...where }, line);
  }
  if ((await x.run(plan.restore)).status !== 0) return false;
  for (const j of plan.jumps) {
    if (await x.check(j.check)) {
      x.log.info({ event: 'FirewallJumpPresent', ...where }, `${j.parent} already jumps to ${j.chain}`);
    } else if ((await x.run(j.insert)).status !== 0) {
      return false;
    }
  }
  return true;
}
