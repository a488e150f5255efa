// One Ethernet segment shared by several test hosts: a Linux bridge inside a namespace of its own (never the root
// namespace's bridges or firewall), one namespace per host, each joined to the bridge by a veth pair. Every
// namespace is registered for cleanup like netns.ts does: the test's `after` hook and, as a last resort, process
// exit remove them (deleting a namespace deletes its veth ends and the bridge with it).

import { nsExec, sh } from './netns.ts';

export interface LanHost {
  readonly name: string;
  readonly ns: string;
  /** Interface inside the host namespace. */
  readonly ifname: string;
  readonly ip4: string;
  readonly mac: string;
}

export interface Lan {
  readonly bridgeNs: string;
  /** The /24 every host is on, e.g. 198.18.77.0/24, and its first three octets. */
  readonly net4: string;
  readonly prefix: string;
  readonly hosts: Readonly<Record<string, LanHost>>;
  cleanup(): void;
}

const live = new Set<string>();
let hooked = false;
let counter = 0;

function removeNamespace(ns: string): void {
  const pids = sh('ip', ['netns', 'pids', ns], { allowFail: true }).split(/\s+/).filter(Boolean);
  for (const pid of pids) sh('kill', ['-9', pid], { allowFail: true });
  sh('ip', ['netns', 'del', ns], { allowFail: true });
  live.delete(ns);
}

/**
 * `hosts` maps a short name to the last octet of its address, e.g. { client: 2, sensor: 1, live: 3 }.
 * IPv6 is switched off on every interface so the segment carries only what the test sends (and ARP).
 */
export function createLan(hosts: Readonly<Record<string, number>>, opts: { octet?: number } = {}): Lan {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => { for (const ns of [...live]) removeNamespace(ns); });
  }
  const id = `${process.pid % 10000}${(counter++).toString(36)}`;
  const octet = opts.octet ?? ((process.pid + counter * 7) % 180) + 30;
  const prefix = `198.18.${octet}`;
  const bridgeNs = `sbbr${id}`;
  const made: string[] = [];
  const cleanup = () => {
    for (const ns of made) if (live.has(ns)) removeNamespace(ns);
  };
  const add = (ns: string) => {
    sh('ip', ['netns', 'add', ns]);
    live.add(ns);
    made.push(ns);
    nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    nsExec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    nsExec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  };
  try {
    add(bridgeNs);
    nsExec(bridgeNs, 'ip', ['link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
    nsExec(bridgeNs, 'ip', ['link', 'set', 'br0', 'up']);
    const out: Record<string, LanHost> = {};
    let i = 0;
    for (const [name, last] of Object.entries(hosts)) {
      const ns = `sb${name.slice(0, 3)}${id}`;
      add(ns);
      const ifname = `h${id}${i}`.slice(0, 15);
      const port = `p${id}${i}`.slice(0, 15);
      i++;
      sh('ip', ['link', 'add', ifname, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', bridgeNs]);
      nsExec(bridgeNs, 'ip', ['link', 'set', port, 'master', 'br0']);
      nsExec(bridgeNs, 'ip', ['link', 'set', port, 'up']);
      const ip4 = `${prefix}.${last}`;
      nsExec(ns, 'ip', ['addr', 'add', `${ip4}/24`, 'dev', ifname]);
      nsExec(ns, 'ip', ['link', 'set', ifname, 'up']);
      const mac = /link\/ether ([0-9a-f:]{17})/.exec(nsExec(ns, 'ip', ['link', 'show', ifname]))![1]!;
      out[name] = { name, ns, ifname, ip4, mac };
    }
    return { bridgeNs, net4: `${prefix}.0/24`, prefix, hosts: out, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
