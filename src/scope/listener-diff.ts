// Which listening ports appeared or went away between two reads of /proc/net (proc-net.ts), for the sensor to
// exclude a service started after it (and monitor its port again once it is gone) without a restart. Pure.
// Only listeners exposed on a monitored address count (exclusions.ts decides that, as at start); ports excluded for
// another reason (SSH, -e, the metrics port) never change. Exclusions are per port for TCP and UDP alike, so a port
// is gone only when no exposed listener of either protocol is left on it.

import type { PortRange } from '../wire/port-range.ts';
import type { Cidr } from '../wire/address.ts';
import { type Exclusions, exposedOn } from './exclusions.ts';
import { describeListener, type Listener } from './proc-net.ts';

export interface PortChange {
  readonly port: number;
  /** The sockets on that port, e.g. `tcp 0.0.0.0:8080` (of the read where the port is present). */
  readonly listeners: readonly string[];
}

export interface ListenerDiff {
  readonly added: readonly PortChange[];
  readonly removed: readonly PortChange[];
}

export interface DiffScope {
  readonly networks: readonly Cidr[];
  /** Ports excluded for a reason other than a listener: never added or removed. */
  readonly fixed: readonly PortRange[];
}

/** The exclusions that do not come from listeners (SSH, -e, metrics). */
export function fixedPorts(e: Exclusions): PortRange[] {
  return e.reasons.filter((r) => r.reason !== 'listening').map(({ from, to }) => ({ from, to }));
}

function exposedPorts(listeners: readonly Listener[], scope: DiffScope): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const l of listeners) {
    if (!exposedOn(l, scope.networks) || scope.fixed.some((r) => l.port >= r.from && l.port <= r.to)) continue;
    const names = out.get(l.port) ?? [];
    const name = describeListener(l);
    if (!names.includes(name)) names.push(name);
    out.set(l.port, names);
  }
  return out;
}

function missingFrom(a: Map<number, string[]>, b: Map<number, string[]>): PortChange[] {
  return [...a].filter(([port]) => !b.has(port)).sort(([x], [y]) => x - y).map(([port, listeners]) => ({ port, listeners }));
}

export function diffListeningPorts(previous: readonly Listener[], current: readonly Listener[], scope: DiffScope): ListenerDiff {
  const before = exposedPorts(previous, scope);
  const after = exposedPorts(current, scope);
  return { added: missingFrom(after, before), removed: missingFrom(before, after) };
}
