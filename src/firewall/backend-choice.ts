// Which iptables backend to write to. Rules in the other backend are invisible to the one the host uses, so a wrong
// pick installs rules that do nothing. The choice follows kube-proxy's iptables-wrapper: legacy only if it holds more
// host rules than nft; nft when both are empty (Debian's default since bookworm). SYNBAIT_IPTABLES_BACKEND wins.

import type { BackendSetting } from './firewall-config.ts';
import type { Backend } from './iptables-tools.ts';

export interface HostRuleCounts {
  readonly legacy: number;
  readonly nft: number;
}

export type BackendChoice =
  | { readonly backend: Backend; readonly reason: 'override' }
  | { readonly backend: Backend; readonly reason: 'detected'; readonly counts: HostRuleCounts };

/** `counts` is read only for `auto` (the host's rules of both backends, ours excluded). */
export async function chooseBackend(setting: BackendSetting, counts: () => Promise<HostRuleCounts>): Promise<BackendChoice> {
  if (setting !== 'auto') return { backend: setting, reason: 'override' };
  const c = await counts();
  return { backend: c.legacy > c.nft ? 'legacy' : 'nft', reason: 'detected', counts: c };
}
