// -a/--arp-spoof: answer ARP for unused IPv4 addresses of the networks, never for a live one (docs/arp.md).
// Returns no claimer when there is nothing to claim (logged).

import { ArpClaimer } from '../arp/arp-claimer.ts';
import { readLinkInfo } from '../capture/link-info.ts';
import type { Settings } from '../config/settings.ts';
import type { Device } from '../flow/device.ts';
import type { Logger } from '../logger.ts';
import { parseCidr } from '../wire/address.ts';
import { formatMac } from '../wire/ethernet.ts';
import type { HostView } from './host.ts';

export function startArp(settings: Settings, host: HostView, device: Device, log: Logger): ArpClaimer | undefined {
  if (!settings.arpSpoof) return undefined;
  const { networks } = host.scope;
  const link = readLinkInfo(host.dev);
  const v6 = networks.filter((n) => n.version === 6).map((n) => n.text);
  if (v6.length > 0) {
    log.warn({ event: 'ArpIpv6NotClaimed', networks: v6 }, '-a claims IPv4 addresses only; IPv6 networks are answered only for traffic that reaches this host anyway (docs/arp.md)');
  }
  const arp = new ArpClaimer({
    networks,
    mac: link.mac,
    ownAddresses: link.hostAddresses,
    excluded: [...link.gateways.map((g) => parseCidr(g)!), ...settings.arpExclude],
    claimRequests: settings.arpClaimRequests,
    claimWindowMs: settings.arpClaimWindowMs,
    recheckMs: settings.arpRecheckMs,
    device,
    log: (e) => log.info(e, e.event),
    nowMs: Date.now(),
  });
  if (!arp.active || settings.networks.length === 0) {
    log.warn({ event: 'ArpNothingToClaim' }, '-a needs an IPv4 subnet given with -n (the device\'s own addresses are never claimed)');
    return undefined;
  }
  log.info({
    event: 'ArpClaimingEnabled', mac: formatMac(link.mac), never_claimed: [...link.gateways, ...settings.arpExclude.map((n) => n.text)],
    claim_requests: settings.arpClaimRequests, claim_window_ms: settings.arpClaimWindowMs, recheck_ms: settings.arpRecheckMs,
  }, 'claiming unused IPv4 addresses after unanswered ARP requests and probes');
  if (link.ipForward) {
    log.warn({ event: 'ArpIpForwarding' }, 'net.ipv4.ip_forward is on: the kernel may also route traffic sent to claimed addresses; turn forwarding off or drop forwarded traffic to the monitored networks');
  }
  return arp;
}
