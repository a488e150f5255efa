// `synbait firewall up`: teardown of any leftovers (both backends, both families), the backend choice, then the
// install of each family that has monitored addresses. Setup failure is fatal: what was installed is removed and
// the status is 1, so the entrypoint never starts a sensor whose packets the kernel would also answer.

import { chooseBackend, type HostRuleCounts } from './backend-choice.ts';
import type { FirewallConfig } from './firewall-config.ts';
import type { FirewallExecutor } from './firewall-executor.ts';
import { planInstall, undoPlan } from './firewall-plan.ts';
import { installFamily } from './install.ts';
import { type Backend, BACKENDS, type Family, FAMILIES, toolName } from './iptables-tools.ts';
import { countHostRules } from './saved-ruleset.ts';
import { teardownBackends } from './teardown.ts';

/** iptables-restore input per family, '' for a family without monitored addresses. */
export type RenderedRules = Readonly<Record<Family, string>>;

export type UpOutcome =
  | { readonly status: 0; readonly backend?: Backend; readonly families: readonly Family[]; readonly undo: readonly string[] }
  | { readonly status: 1 };

async function hostRuleCounts(x: FirewallExecutor): Promise<HostRuleCounts> {
  const count = async (backend: Backend) => {
    let n = 0;
    for (const family of FAMILIES) n += countHostRules((await x.save(backend, family)) ?? '');
    return n;
  };
  return { legacy: await count('legacy'), nft: await count('nft') };
}

async function pickBackend(x: FirewallExecutor, config: FirewallConfig): Promise<Backend> {
  const choice = await chooseBackend(config.backend, () => hostRuleCounts(x));
  if (choice.reason === 'override') {
    const msg = `iptables backend ${choice.backend} (SYNBAIT_IPTABLES_BACKEND)`;
    x.log.info({ event: 'BackendChosen', backend: choice.backend, reason: 'override' }, msg);
  } else {
    const { legacy, nft } = choice.counts;
    x.log.info(
      { event: 'BackendChosen', backend: choice.backend, reason: 'detected', legacy_rules: String(legacy), nft_rules: String(nft) },
      `iptables backend ${choice.backend} (host rules: ${legacy} legacy, ${nft} nft)`,
    );
  }
  return choice.backend;
}

export async function firewallUp(x: FirewallExecutor, config: FirewallConfig, rules: RenderedRules): Promise<UpOutcome> {
  if (!config.enabled) {
    const msg = 'SYNBAIT_FIREWALL=off: no rules installed or removed; the host firewall must drop what the sensor answers';
    x.log.info({ event: 'FirewallSkipped' }, msg);
    return { status: 0, families: [], undo: [] };
  }
  // leftovers of a run that was SIGKILLed, in whichever backend it used
  if (!(await teardownBackends(x, BACKENDS))) {
    x.log.fatal({ event: 'FirewallFailed' }, 'cannot remove leftover synbait rules');
    return { status: 1 };
  }
  const backend = await pickBackend(x, config);
  if (!(await x.installed(backend))) {
    x.log.fatal({ event: 'FirewallFailed', backend }, `${toolName(backend, 4)} is not installed`);
    return { status: 1 };
  }
  const families: Family[] = [];
  for (const family of FAMILIES) {
    if (rules[family] === '') {
      x.log.info({ event: 'FirewallSkipped', family: String(family) }, `no IPv${family} address is monitored: no IPv${family} rules`);
      continue;
    }
    families.push(family);
    if (!(await installFamily(x, planInstall(backend, family, rules[family])))) {
      const msg = `cannot install the IPv${family} rules (${backend}); removing what was installed`;
      x.log.fatal({ event: 'FirewallFailed', backend, family: String(family) }, msg);
      await teardownBackends(x, [backend]);
      return { status: 1 };
    }
  }
  const undo = undoPlan(backend, families);
  x.log.info({ event: 'FirewallInstalled', backend, undo: undo.join('; ') }, `synbait rules installed (${backend})`);
  return { status: 0, backend, families, undo };
}
