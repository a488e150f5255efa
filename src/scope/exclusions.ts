// The ports neither the firewall drops nor the sensor answers, with the reason for each. One function for both, so
// `synbait firewall up` (entrypoint.sh) and the sensor itself agree on them:
//   - the SSH ports (--ssh-port, 22 unless the user says `none`): the owner is never locked out;
//   - the user's --exclude-ports;
//   - every port a service on this host listens on, on a wildcard address or an address being monitored: a real
//     service must keep answering there. Loopback-only listeners (a local resolver on 127.0.0.53:53, an agent on
//     127.0.0.1:51678) are not exposed on the monitored addresses, so they do not take their port away;
//   - the --metrics-listen port when it is bound beyond loopback (a scraper must reach it).
// Exclusions cover TCP and UDP alike, as --exclude-ports does.

import type { PortRange } from '../wire/port-range.ts';
import { mergePortRanges, portRangeText } from '../wire/port-range.ts';
import { type Cidr, cidrContains, parseIp } from '../wire/address.ts';
import { describeListener, type Listener } from './proc-net.ts';

export type ExclusionReason = 'ssh' | 'exclude-ports' | 'listening' | 'metrics';

export interface Exclusion {
  readonly from: number;
  readonly to: number;
  readonly reason: ExclusionReason;
  /** For `listening`: which socket, e.g. `tcp 0.0.0.0:8443`. */
  readonly detail?: string;
}

export interface ExclusionInput {
  readonly excludePorts: readonly PortRange[];
  readonly sshPorts: readonly PortRange[];
  readonly listeners: readonly Listener[];
  /** The effective monitored networks (-n, or the device's addresses). */
  readonly networks: readonly Cidr[];
  readonly metricsListen?: { readonly host: string; readonly port: number } | undefined;
}

export interface Exclusions {
  /** Sorted, merged: what the firewall RETURNs and the sensor ignores. */
  readonly ports: readonly PortRange[];
  /** Every contribution, unmerged, for the log and the rule comments. */
  readonly reasons: readonly Exclusion[];
}

function isWildcard(a: Uint8Array): boolean {
  return a.every((b) => b === 0);
}

/** ::ffff:a.b.c.d -> a.b.c.d (a dual-stack socket bound to an IPv4 address shows up in tcp6 like that). */
function unmapped(a: Uint8Array): Uint8Array {
  if (a.length !== 16) return a;
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return a;
  return a[10] === 0xff && a[11] === 0xff ? a.subarray(12) : a;
}

/** True if a service bound there answers on a monitored address. */
export function exposedOn(l: Listener, networks: readonly Cidr[]): boolean {
  if (isWildcard(l.address)) return true;
  const a = unmapped(l.address);
  const version = a.length === 4 ? 4 : 6;
  return networks.some((n) => n.version === version && cidrContains(n, a, 0));
}

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const a = parseIp(host);
  if (!a) return false;
  const u = unmapped(a);
  if (u.length === 4) return u[0] === 127;
  return u.every((b, i) => b === (i === 15 ? 1 : 0));
}

export function resolveExclusions(input: ExclusionInput): Exclusions {
  const reasons: Exclusion[] = [];
  for (const r of input.sshPorts) reasons.push({ from: r.from, to: r.to, reason: 'ssh' });
  for (const r of input.excludePorts) reasons.push({ from: r.from, to: r.to, reason: 'exclude-ports' });
  const seen = new Set<string>();
  for (const l of input.listeners) {
    if (!exposedOn(l, input.networks)) continue;
    const detail = describeListener(l);
    if (seen.has(detail)) continue; // SO_REUSEPORT groups list one socket per worker
    seen.add(detail);
    reasons.push({ from: l.port, to: l.port, reason: 'listening', detail });
  }
  const m = input.metricsListen;
  if (m && !isLoopbackHost(m.host)) reasons.push({ from: m.port, to: m.port, reason: 'metrics' });
  return { ports: mergePortRanges(reasons.map(({ from, to }) => ({ from, to }))), reasons };
}

/** `22 (ssh), 8443 (listening: tcp 0.0.0.0:8443), 8000-8100 (exclude-ports)`. */
export function describeExclusions(e: Exclusions): string {
  if (e.reasons.length === 0) return 'none';
  return e.reasons
    .map((r) => `${portRangeText(r)} (${r.reason}${r.detail ? `: ${r.detail}` : ''})`)
    .join(', ');
}
