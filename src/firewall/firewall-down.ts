// `synbait firewall down`: removes every rule of ours from both backends and both families, whichever run put them
// there. Status 1 if something could not be removed (the log names what is left).

import type { FirewallConfig } from './firewall-config.ts';
import type { FirewallExecutor } from './firewall-executor.ts';
import { BACKENDS } from './iptables-tools.ts';
import { teardownBackends } from './teardown.ts';

export async function firewallDown(x: FirewallExecutor, config: FirewallConfig): Promise<0 | 1> {
  if (!config.enabled) {
    x.log.info({ event: 'FirewallSkipped' }, 'SYNBAIT_FIREWALL=off: no rules removed');
    return 0;
  }
  if (await teardownBackends(x, BACKENDS)) {
    x.log.info({ event: 'FirewallRemoved' }, 'no synbait rules left');
    return 0;
  }
  x.log.error({ event: 'FirewallRemoved' }, 'some synbait rules could not be removed; run `synbait firewall down` again');
  return 1;
}
