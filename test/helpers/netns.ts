// Test hosts in network namespaces joined by a veth pair: "client" and "sensor". Everything a test creates is
// registered for cleanup, which runs in the test's `after` hook and, as a last resort, at process exit, so a failing
// or interrupted test leaves no namespace, interface or process behind.

import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const liveNamespaces = new Set<string>();
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // a test run interrupted by Ctrl-C or a timeout's SIGTERM still cleans up (the exit hook below runs)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => process.exit(130));
  }
  process.on('exit', () => {
    for (const c of liveChildren) {
      try { c.kill('SIGKILL'); } catch { /* gone */ }
    }
    for (const ns of liveNamespaces) {
      try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* gone */ }
    }
  });
}

export function sh(cmd: string, args: readonly string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  try {
    return execFileSync(cmd, args as string[], { encoding: 'utf8', input: opts.input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    if (opts.allowFail) return '';
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** Runs a command inside a namespace. */
export function nsExec(ns: string, cmd: string, args: readonly string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Spawns a long-running process inside a namespace; it is killed at cleanup. */
export function nsSpawn(ns: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  installExitHook();
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
  liveChildren.add(child);
  child.on('exit', () => liveChildren.delete(child));
  return child;
}

export function forget(child: ChildProcess): void {
  liveChildren.delete(child);
}

export interface Topology {
  readonly id: string;
  readonly sensorNs: string;
  readonly clientNs: string;
  /** Interface names: sensor side and client side of the veth pair. */
  readonly sensorIf: string;
  readonly clientIf: string;
  readonly sensorIp4: string;
  readonly clientIp4: string;
  readonly sensorIp6: string;
  readonly clientIp6: string;
  readonly sensorMac: string;
  readonly clientMac: string;
  /** A /24 and a /64 that contain the sensor's addresses. */
  readonly net4: string;
  readonly net6: string;
  cleanup(): void;
}

let counter = 0;

type VethPair = Pick<Topology, 'sensorNs' | 'clientNs' | 'sensorIf' | 'clientIf' | 'sensorIp4' | 'clientIp4' | 'sensorIp6' | 'clientIp6'>;

/**
 * The veth pair of a topology with its addresses, up. Also re-creates it after a test deleted it (same names and
 * addresses; the MACs are new).
 */
export function addVethPair(t: VethPair): void {
  sh('ip', ['link', 'add', t.sensorIf, 'netns', t.sensorNs, 'type', 'veth', 'peer', 'name', t.clientIf, 'netns', t.clientNs]);
  for (const [ns, ifn, ip4, ip6] of [[t.sensorNs, t.sensorIf, t.sensorIp4, t.sensorIp6], [t.clientNs, t.clientIf, t.clientIp4, t.clientIp6]] as const) {
    nsExec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0']);
    nsExec(ns, 'sysctl', ['-qw', `net.ipv6.conf.${ifn}.accept_dad=0`], { allowFail: true });
    nsExec(ns, 'ip', ['addr', 'add', `${ip4}/24`, 'dev', ifn]);
    nsExec(ns, 'ip', ['-6', 'addr', 'add', `${ip6}/64`, 'dev', ifn, 'nodad']);
    nsExec(ns, 'ip', ['link', 'set', ifn, 'up']);
  }
}

/**
 * Two namespaces joined by a veth pair, IPv4 /24 and IPv6 /64 on both ends (no DAD, so IPv6 is usable at once).
 * `octet` picks distinct subnets when several topologies live at once.
 */
export function createTopology(opts: { octet?: number } = {}): Topology {
  installExitHook();
  const id = `${process.pid % 10000}${(counter++).toString(36)}`;
  const octet = opts.octet ?? ((process.pid + counter) % 200) + 20;
  const sensorNs = `sbs${id}`;
  const clientNs = `sbc${id}`;
  const sensorIf = `sbs${id}`.slice(0, 15);
  const clientIf = `sbc${id}`.slice(0, 15);
  const sensorIp4 = `198.18.${octet}.1`;
  const clientIp4 = `198.18.${octet}.2`;
  const sensorIp6 = `fd5b:${octet.toString(16)}::1`;
  const clientIp6 = `fd5b:${octet.toString(16)}::2`;
  const cleanup = () => {
    for (const ns of [sensorNs, clientNs]) {
      if (liveNamespaces.has(ns)) {
        // kill what still runs inside, then the namespace (its veth end goes with it)
        const pids = sh('ip', ['netns', 'pids', ns], { allowFail: true }).split(/\s+/).filter(Boolean);
        for (const pid of pids) sh('kill', ['-9', pid], { allowFail: true });
        sh('ip', ['netns', 'del', ns], { allowFail: true });
        liveNamespaces.delete(ns);
      }
    }
  };
  try {
    for (const ns of [sensorNs, clientNs]) {
      sh('ip', ['netns', 'add', ns]);
      liveNamespaces.add(ns);
      nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    }
    addVethPair({ sensorNs, clientNs, sensorIf, clientIf, sensorIp4, clientIp4, sensorIp6, clientIp6 });
    const mac = (ns: string, ifn: string) => /link\/ether ([0-9a-f:]{17})/.exec(nsExec(ns, 'ip', ['link', 'show', ifn]))![1]!;
    return {
      id, sensorNs, clientNs, sensorIf, clientIf, sensorIp4, clientIp4, sensorIp6, clientIp6,
      sensorMac: mac(sensorNs, sensorIf), clientMac: mac(clientNs, clientIf),
      net4: `198.18.${octet}.0/24`, net6: `fd5b:${octet.toString(16)}::/64`,
      cleanup,
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/**
 * The firewall lurker's setup guide puts on the sensor host: accept loopback and established traffic, drop all
 * other inbound TCP/UDP (so the kernel never answers with RST), drop outgoing ICMP port unreachable.
 * `iptablesCmd` picks the backend ("iptables" = nft on Debian 12, or "iptables-legacy").
 */
export function installLurkerFirewall(ns: string, opts: { backend?: 'nft' | 'legacy' } = {}): void {
  const suffix = opts.backend === 'legacy' ? '-legacy' : '';
  for (const [cmd, icmp] of [[`iptables${suffix}`, ['-p', 'icmp', '--icmp-type', 'destination-unreachable']], [`ip6tables${suffix}`, ['-p', 'icmpv6', '--icmpv6-type', 'destination-unreachable']]] as const) {
    nsExec(ns, cmd, ['-A', 'INPUT', '-i', 'lo', '-j', 'ACCEPT']);
    nsExec(ns, cmd, ['-A', 'INPUT', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
    nsExec(ns, cmd, ['-A', 'INPUT', '-p', 'tcp', '-j', 'DROP']);
    nsExec(ns, cmd, ['-A', 'INPUT', '-p', 'udp', '-j', 'DROP']);
    nsExec(ns, cmd, ['-A', 'OUTPUT', ...icmp, '-j', 'DROP']);
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
