// Services started after the sensor stay reachable (docs/listeners.md): every --listener-check-interval the
// listening sockets are read again, and a port that gained an exposed listener is excluded as at start — in the
// responder's targets (at once), the BPF filter, and the firewall chain synbait installed — then monitored again
// once its last listener is gone (the firewall first, so the kernel never answers beside us). ListenerExcluded /
// ListenerGone say which port, protocol and process.

import type { Settings } from '../config/settings.ts';
import { childProcessRunner } from '../firewall/child-process-runner.ts';
import { FirewallExecutor, type FirewallLogger } from '../firewall/firewall-executor.ts';
import { addPortExclusion, installedFamilies, removePortExclusion } from '../firewall/port-exclusion.ts';
import type { Targets } from '../flow/targets.ts';
import type { Logger } from '../logger.ts';
import { findSocketOwners, readHostListenersAsync, type SocketOwner } from '../scope/host-listeners.ts';
import { diffListeningPorts, fixedPorts, type DiffScope, type PortChange } from '../scope/listener-diff.ts';
import type { Listener } from '../scope/proc-net.ts';
import { resolveScope } from '../scope/scope.ts';
import { portRangeText, type PortRange } from '../wire/port-range.ts';
import type { SensorCapture } from './capture.ts';
import type { HostView } from './host.ts';

/** What happened in the firewall: changed, not ours to change (none installed by synbait), or a command failed. */
export type FirewallOutcome = 'updated' | 'unmanaged' | 'failed';

export interface PortFirewall {
  exclude(port: number, detail: string): Promise<FirewallOutcome>;
  include(port: number, detail: string): Promise<FirewallOutcome>;
}

export interface ListenerWatchOptions {
  readonly initial: readonly Listener[];
  readonly read: () => Listener[] | Promise<Listener[]>;
  readonly owners: (inodes: ReadonlySet<number>) => Map<number, SocketOwner[]>;
  /** Every excluded port (SSH, -e, metrics and these listeners'), merged. */
  readonly excludedFor: (listeners: readonly Listener[]) => readonly PortRange[];
  readonly scope: DiffScope;
  readonly targets: Targets;
  /** Replaces the capture filter; throws CaptureError when libpcap refuses it or the capture is lost meanwhile. */
  readonly refilter: (ports: readonly PortRange[]) => string;
  readonly firewall: PortFirewall;
  readonly log: Logger;
}

export class ListenerWatch {
  readonly #o: ListenerWatchOptions;
  #current: readonly Listener[];
  #busy = false;

  constructor(o: ListenerWatchOptions) {
    this.#o = o;
    this.#current = o.initial;
  }

  /** One re-read; a check still going (firewall commands) makes this one a no-op. */
  async check(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const now = await this.#o.read();
      const d = diffListeningPorts(this.#current, now, this.#o.scope);
      this.#current = now;
      if (d.added.length === 0 && d.removed.length === 0) return;
      const removed = [];
      for (const r of d.removed) removed.push({ r, firewall: await this.#o.firewall.include(r.port, `listener gone: ${r.listeners.join(', ')}`) });
      const filterUpdated = this.#applyPorts(this.#o.excludedFor(now));
      for (const { r, firewall } of removed) {
        this.#o.log.info({ event: 'ListenerGone', port: r.port, protocol: protocols(r), listeners: r.listeners, firewall, filter_updated: filterUpdated },
          `port ${r.port}: no service listens there any more, answered again`);
      }
      for (const a of d.added) await this.#excluded(a, now, filterUpdated);
    } finally {
      this.#busy = false;
    }
  }

  async #excluded(a: PortChange, now: readonly Listener[], filterUpdated: boolean): Promise<void> {
    const inodes = new Set(now.filter((l) => l.port === a.port && l.inode !== undefined).map((l) => l.inode!));
    const owners = [...this.#o.owners(inodes).values()].flat();
    const process = [...new Map(owners.map((o) => [o.pid, o])).values()].map((o) => ({ pid: o.pid, command: o.command }));
    const who = process.length > 0 ? ` (${process.map((p) => `${p.command}, pid ${p.pid}`).join('; ')})` : '';
    const firewall = await this.#o.firewall.exclude(a.port, `listening: ${a.listeners.join(', ')}${who}`);
    this.#o.log.info({ event: 'ListenerExcluded', port: a.port, protocol: protocols(a), listeners: a.listeners, process, firewall, filter_updated: filterUpdated },
      `port ${a.port}: a service listens there now${who}, excluded`);
  }

  /** The responder at once, then the BPF filter; false when the filter could not be changed. */
  #applyPorts(ports: readonly PortRange[]): boolean {
    this.#o.targets.setExcluded(ports);
    try {
      this.#o.refilter(ports);
      return true;
    } catch (err) {
      this.#o.log.error({ event: 'CaptureFilterFailed', error: err instanceof Error ? err.message : String(err), excluded_ports: ports.map(portRangeText) },
        'the capture filter could not be replaced (a re-opened capture gets it); the responder ignores the excluded ports anyway');
      return false;
    }
  }
}

const protocols = (c: PortChange) => [...new Set(c.listeners.map((l) => l.split(' ')[0]!))];

/** The chains `synbait firewall up` installed (the entrypoint, or the owner by hand): found anew at each change. */
export function installedFirewall(log: FirewallLogger): PortFirewall {
  const x = new FirewallExecutor(childProcessRunner(process.env, 10_000), log);
  const change = async (port: number, detail: string, how: typeof addPortExclusion): Promise<FirewallOutcome> => {
    const where = await installedFamilies(x);
    if (where.length === 0) return 'unmanaged';
    return (await how(x, { from: port, to: port }, detail, where)) ? 'updated' : 'failed';
  };
  return {
    exclude: (port, detail) => change(port, detail, addPortExclusion),
    include: (port, detail) => change(port, detail, removePortExclusion),
  };
}

/** The watch of a run, or undefined with --listener-check-interval 0. */
export function watchListeners(settings: Settings, host: HostView, capture: SensorCapture, log: FirewallLogger): ListenerWatch | undefined {
  if (settings.listenerCheckMs === 0) return undefined;
  return new ListenerWatch({
    initial: host.listeners,
    read: () => readHostListenersAsync(),
    owners: (inodes) => findSocketOwners(inodes),
    excludedFor: (listeners) => resolveScope(settings, host.dev.addresses, listeners).exclusions.ports,
    scope: { networks: host.scope.networks, fixed: fixedPorts(host.scope.exclusions) },
    targets: host.targets,
    refilter: (ports) => capture.refilter(ports),
    firewall: installedFirewall(log),
    log,
  });
}
