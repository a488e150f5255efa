// entrypoint.sh end to end, as root, with real iptables in network namespaces, for both backends (nft, legacy) and
// both IP versions: what stays reachable (SSH, services listening at start, loopback, the host's own connections),
// what only the sensor answers (our SYN-ACK, never a kernel RST; no ICMP unreachable for UDP), and that the host's
// ruleset is exactly what it was after SIGTERM, after SIGKILL + restart (one copy of each rule) and after cleanup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createTopology, isRoot, nsExec, nsSpawn, type Topology } from '../../helpers/netns.ts';
import { type Backend, type EntrypointProcess, ruleset, runEntrypoint, startEntrypoint, startTcpdump } from '../../helpers/entrypoint.ts';

const skip = isRoot() ? false : 'appliance tests need root (network namespaces, iptables)';
const SENSOR_FLAGS = ['--format', 'json', '--stats-interval', '0', '--flow-timeout', '1'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rules a host of that backend might already have: detection must pick it, and teardown must keep them. */
function hostRules(ns: string, backend: Backend): void {
  for (const cmd of [`iptables-${backend}`, `ip6tables-${backend}`]) {
    nsExec(ns, cmd, ['-w', '-A', 'INPUT', '-p', 'tcp', '--dport', '12345', '-j', 'ACCEPT']);
    nsExec(ns, cmd, ['-w', '-N', 'HOST-AUDIT']);
    nsExec(ns, cmd, ['-w', '-A', 'HOST-AUDIT', '-j', 'RETURN']);
    nsExec(ns, cmd, ['-w', '-A', 'OUTPUT', '-j', 'HOST-AUDIT']);
  }
}

/** A TCP server in `ns` answering each connection with `banner` (IPv4 and IPv6, dual stack). */
function banner(ns: string, port: number, text: string): ChildProcess {
  return nsSpawn(ns, 'socat', [`TCP6-LISTEN:${port},ipv6only=0,reuseaddr,fork`, `SYSTEM:echo ${text}`]);
}

async function waitListening(ns: string, port: number, proto: 't' | 'u' = 't'): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (nsExec(ns, 'ss', [`-Hln${proto}`, `sport = :${port}`]).trim() !== '') return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Connects from `ns` and returns what the server said ('' when nothing answered). */
function fetchBanner(ns: string, host: string, port: number): string {
  const addr = host.includes(':') ? `[${host}]` : host;
  return nsExec(ns, 'timeout', ['4', 'socat', '-T2', '-', `TCP:${addr}:${port},connect-timeout=2`], { input: '', allowFail: true }).trim();
}

/**
 * The sensor misses the very first frame its capture matches after start (seen at HEAD too; reported to the core):
 * UDP datagrams until one is recorded, so the single-packet probes that follow are all seen.
 */
async function warmUp(ep: EntrypointProcess, topo: Topology, port: number): Promise<void> {
  for (let i = 0; i < 20 && !ep.records.some((r) => r.dst_port === port); i++) {
    nsExec(topo.clientNs, 'sh', ['-c', `printf warm-up | socat -u - UDP4-SENDTO:${topo.sensorIp4}:${port}`]);
    await sleep(300);
  }
  await ep.waitFor(() => ep.records.find((r) => r.dst_port === port), `warm-up record for ${port}`);
}

const jumpCount = (rules: string, parent: string, chain: string) =>
  rules.split('\n').filter((l) => l === `-A ${parent} -j ${chain}`).length;

for (const backend of ['nft', 'legacy'] as const) {
  describe(`entrypoint.sh with iptables-${backend}`, { skip }, () => {
    let topo: Topology;
    let ep: EntrypointProcess | undefined;
    let baseline: Record<Backend, string>;
    let hbDir: string;
    const extra: ChildProcess[] = [];
    let service: ChildProcess;
    let udpService: ChildProcess;
    let udpFile: string;
    const env = () => ({ SYNBAIT_DEVICE: topo.sensorIf, SYNBAIT_HEALTH_FILE: join(hbDir, 'heartbeat') });

    before(async () => {
      topo = createTopology();
      hbDir = mkdtempSync(join(tmpdir(), 'synbait-ep-'));
      udpFile = join(hbDir, 'udp-service.txt');
      hostRules(topo.sensorNs, backend);
      baseline = { nft: ruleset(topo.sensorNs, 'nft'), legacy: ruleset(topo.sensorNs, 'legacy') };
      // real services, listening before the sensor starts: they must be auto-excluded
      service = banner(topo.sensorNs, 8443, 'real-service');
      udpService = nsSpawn(topo.sensorNs, 'socat', ['-u', 'UDP6-RECV:5355,ipv6only=0', `OPEN:${udpFile},creat,append`]);
      await waitListening(topo.sensorNs, 8443);
      await waitListening(topo.sensorNs, 5355, 'u');
      ep = await startEntrypoint(topo.sensorNs, SENSOR_FLAGS, { env: env() });
    });

    after(async () => {
      if (ep) await ep.killAll();
      for (const c of [service, udpService, ...extra]) c?.kill('SIGKILL');
      topo?.cleanup();
      rmSync(hbDir, { recursive: true, force: true });
    });

    test('detects the backend from the host rules and installs one jump per chain, first in INPUT and OUTPUT', () => {
      const chosen = ep!.logs.find((l) => l.event === 'BackendChosen');
      assert.equal(chosen?.backend, backend);
      assert.equal(chosen?.reason, 'detected');
      const rules = ruleset(topo.sensorNs, backend);
      for (const family of rules.split('--- ip6 ---')) {
        const lines = family.split('\n');
        assert.equal(lines.find((l) => l.startsWith('-A INPUT ')), '-A INPUT -j SYNBAIT-INPUT');
        assert.equal(lines.find((l) => l.startsWith('-A OUTPUT ')), '-A OUTPUT -j SYNBAIT-OUTPUT');
        assert.equal(jumpCount(family, 'INPUT', 'SYNBAIT-INPUT'), 1);
        assert.ok(lines.includes('-A INPUT -p tcp -m tcp --dport 12345 -j ACCEPT'), 'host rules kept');
        assert.ok(!lines.some((l) => /^-A SYNBAIT-/.test(l) && /ACCEPT/.test(l)), 'we never ACCEPT');
      }
      assert.match(rules, /-A SYNBAIT-INPUT -p tcp -m tcp --dport 8443 -j RETURN/);
      assert.match(rules, /-A SYNBAIT-INPUT -p udp -m udp --dport 5355 -j RETURN/);
      assert.match(rules, /-A SYNBAIT-OUTPUT -s fd5b:[0-9a-f:]+\/128 -o \S+ -p ipv6-icmp -m icmp6 --icmpv6-type 1 -j DROP/);
      const other: Backend = backend === 'nft' ? 'legacy' : 'nft';
      assert.equal(ruleset(topo.sensorNs, other), baseline[other], `the ${other} ruleset is untouched`);
      // every command is logged
      assert.ok(ep!.logs.some((l) => l.event === 'FirewallCommand' && String(l.cmd).startsWith(`iptables-${backend}-restore -w --noflush`)));
      assert.ok(ep!.logs.some((l) => l.event === 'FirewallCommand' && l.cmd === `ip6tables-${backend} -w -I INPUT 1 -j SYNBAIT-INPUT`));
    });

    test('SSH (port 22) stays reachable over IPv4 and IPv6, and is never recorded', async () => {
      // started after the entrypoint, so only the SSH rule (not listener detection) keeps it open
      extra.push(banner(topo.sensorNs, 22, 'SSH-2.0-test'));
      await waitListening(topo.sensorNs, 22);
      assert.equal(fetchBanner(topo.clientNs, topo.sensorIp4, 22), 'SSH-2.0-test');
      assert.equal(fetchBanner(topo.clientNs, topo.sensorIp6, 22), 'SSH-2.0-test');
      await sleep(1500);
      assert.equal(ep!.records.filter((r) => r.dst_port === 22).length, 0);
    });

    test('services listening at start are auto-excluded: reachable (TCP and UDP), not recorded', async () => {
      const started = ep!.sensorLogs.find((l) => l.event === 'SensorStarted')!;
      assert.match(String(started.exclusions), /8443 \(listening: tcp \[::\]:8443\)/);
      assert.match(String(started.exclusions), /5355 \(listening: udp \[::\]:5355\)/);
      assert.equal(fetchBanner(topo.clientNs, topo.sensorIp4, 8443), 'real-service');
      assert.equal(fetchBanner(topo.clientNs, topo.sensorIp6, 8443), 'real-service');
      nsExec(topo.clientNs, 'sh', ['-c', `printf 'to-real-udp-4\\n' | socat -u - UDP4-SENDTO:${topo.sensorIp4}:5355`]);
      nsExec(topo.clientNs, 'sh', ['-c', `printf 'to-real-udp-6\\n' | socat -u - UDP6-SENDTO:[${topo.sensorIp6}]:5355`]);
      await sleep(1500);
      assert.deepEqual(readFileSync(udpFile, 'utf8').split('\n').filter(Boolean).sort(), ['to-real-udp-4', 'to-real-udp-6']);
      assert.equal(ep!.records.filter((r) => r.dst_port === 8443 || r.dst_port === 5355).length, 0);
    });

    test('other ports get only our SYN-ACK, never a kernel RST; UDP gets no ICMP unreachable (IPv4 and IPv6)', async () => {
      await warmUp(ep!, topo, 39999);
      const cap = await startTcpdump(topo.clientNs, topo.clientIf);
      nsExec(topo.clientNs, 'hping3', ['-S', '-c', '1', '-p', '40001', '-s', '50001', topo.sensorIp4], { allowFail: true });
      const nmap4 = nsExec(topo.clientNs, 'nmap', ['-sS', '-Pn', '-n', '-p', '40003', '--max-retries', '0', topo.sensorIp4]);
      const nmap6 = nsExec(topo.clientNs, 'nmap', ['-6', '-sS', '-Pn', '-n', '-p', '40002', '--max-retries', '0', topo.sensorIp6]);
      nsExec(topo.clientNs, 'sh', ['-c', `printf 'udp-4' | socat -u - UDP4-SENDTO:${topo.sensorIp4}:5060`]);
      nsExec(topo.clientNs, 'sh', ['-c', `printf 'udp-6' | socat -u - UDP6-SENDTO:[${topo.sensorIp6}]:5061`]);
      await ep!.waitFor(() => ep!.records.find((r) => r.proto === 'udp' && r.dst_port === 5061), 'udp v6 record');
      const lines = await cap.stop();
      const fromSensor = lines.filter((l) => l.includes(` IP ${topo.sensorIp4}`) || l.includes(` IP6 ${topo.sensorIp6}`));
      assert.match(nmap4, /40003\/tcp\s+open/);
      assert.match(nmap6, /40002\/tcp\s+open/);
      assert.ok(fromSensor.some((l) => l.includes(` IP ${topo.sensorIp4}.40001 >`) && /Flags \[S\.\]/.test(l)), 'SYN-ACK over IPv4');
      assert.ok(fromSensor.some((l) => l.includes(` IP6 ${topo.sensorIp6}.40002 >`) && /Flags \[S\.\]/.test(l)), 'SYN-ACK over IPv6');
      assert.deepEqual(fromSensor.filter((l) => /Flags \[R/.test(l)), [], 'no RST from the sensor host');
      assert.deepEqual(fromSensor.filter((l) => /ICMP.*unreachable/.test(l)), [], 'no ICMP unreachable from the sensor host');
      assert.ok(!fromSensor.some((l) => /ICMP/.test(l) && !/neighbor (advertisement|solicitation)/.test(l)), 'only NDP');
      for (const port of [40001, 40002, 40003, 5060, 5061]) {
        await ep!.waitFor(() => ep!.records.find((r) => r.dst_port === port), `record for ${port}`);
      }
    });

    test('loopback and the host\'s own outgoing connections keep working while the rules are installed', async () => {
      extra.push(banner(topo.clientNs, 7001, 'pong'));
      await waitListening(topo.clientNs, 7001);
      assert.equal(fetchBanner(topo.sensorNs, topo.clientIp4, 7001), 'pong', 'outgoing IPv4 (ESTABLISHED replies return)');
      assert.equal(fetchBanner(topo.sensorNs, topo.clientIp6, 7001), 'pong', 'outgoing IPv6');
      // a service started after the sensor (so not excluded) is still reachable from the host itself: via lo
      const local = nsSpawn(topo.sensorNs, 'socat', ['TCP6-LISTEN:7002,ipv6only=0,reuseaddr,fork', 'SYSTEM:echo local']);
      try {
        await waitListening(topo.sensorNs, 7002);
        assert.equal(fetchBanner(topo.sensorNs, '127.0.0.1', 7002), 'local');
        assert.equal(fetchBanner(topo.sensorNs, '::1', 7002), 'local');
        assert.equal(fetchBanner(topo.sensorNs, topo.sensorIp4, 7002), 'local');
        assert.equal(fetchBanner(topo.sensorNs, topo.sensorIp6, 7002), 'local');
      } finally {
        local.kill('SIGKILL');
      }
    });

    test('healthcheck: healthy while the sensor runs', async () => {
      const h = await runEntrypoint(topo.sensorNs, ['healthcheck'], env());
      assert.equal(h.code, 0, h.stdout + h.stderr);
      assert.match(h.stdout, /^healthy/);
    });

    test('SIGHUP: forwarded to the sensor, which reloads its rules; the entrypoint and the firewall carry on', async () => {
      const rules = ruleset(topo.sensorNs, 'nft');
      ep!.child.kill('SIGHUP');
      await ep!.waitFor(() => ep!.sensorLogs.find((l) => l.event === 'RulesReloaded'), 'RulesReloaded');
      assert.ok(ep!.logs.some((l) => l.event === 'SignalReceived' && l.signal === 'HUP'));
      assert.equal(ep!.child.exitCode, null, 'the entrypoint still runs');
      assert.equal(ruleset(topo.sensorNs, 'nft'), rules, 'the firewall is as it was');
    });

    test('SIGTERM: the sensor stops, exit 0, and both rulesets are exactly as before; healthcheck fails', async () => {
      for (const c of extra.splice(0)) c.kill('SIGKILL');
      const code = await ep!.stop('SIGTERM');
      assert.equal(code, 0, ep!.stderr().slice(-2000));
      assert.ok(ep!.sensorLogs.some((l) => l.event === 'SensorStopped'));
      assert.ok(ep!.logs.some((l) => l.event === 'SignalReceived' && l.signal === 'TERM'));
      assert.ok(ep!.logs.some((l) => l.event === 'FirewallRemoved'));
      assert.equal(ruleset(topo.sensorNs, 'nft'), baseline.nft);
      assert.equal(ruleset(topo.sensorNs, 'legacy'), baseline.legacy);
      const h = await runEntrypoint(topo.sensorNs, ['healthcheck'], env());
      assert.equal(h.code, 1);
      assert.match(h.stdout, /^unhealthy: no heartbeat file/);
      ep = undefined;
    });

    test('SIGKILL leaves the rules; a restart installs exactly one copy of each; cleanup removes everything', async () => {
      const first = await startEntrypoint(topo.sensorNs, SENSOR_FLAGS, { env: env() });
      const installed = ruleset(topo.sensorNs, backend);
      await first.killAll();
      assert.equal(ruleset(topo.sensorNs, backend), installed, 'a SIGKILLed run leaves its rules behind');

      ep = await startEntrypoint(topo.sensorNs, SENSOR_FLAGS, { env: env() });
      assert.ok(ep.logs.some((l) => l.event === 'FirewallTeardown'), 'leftovers removed first');
      const again = ruleset(topo.sensorNs, backend);
      assert.equal(again, installed, 'the same rules, once');
      for (const family of again.split('--- ip6 ---')) {
        assert.equal(jumpCount(family, 'INPUT', 'SYNBAIT-INPUT'), 1);
        assert.equal(jumpCount(family, 'OUTPUT', 'SYNBAIT-OUTPUT'), 1);
      }
      // still answering after the restart
      await warmUp(ep, topo, 39998);
      nsExec(topo.clientNs, 'hping3', ['-S', '-c', '1', '-p', '41001', topo.sensorIp4], { allowFail: true });
      await ep.waitFor(() => ep!.records.find((r) => r.dst_port === 41001), 'record after restart');

      await ep.killAll();
      ep = undefined;
      const clean = await runEntrypoint(topo.sensorNs, ['cleanup']);
      assert.equal(clean.code, 0, clean.stderr);
      assert.equal(ruleset(topo.sensorNs, 'nft'), baseline.nft);
      assert.equal(ruleset(topo.sensorNs, 'legacy'), baseline.legacy);
      const twice = await runEntrypoint(topo.sensorNs, ['cleanup']);
      assert.equal(twice.code, 0, 'cleanup with nothing to remove succeeds');
    });
  });
}

describe('entrypoint.sh: what it must not do', { skip }, () => {
  let topo: Topology;
  let dir: string;
  before(() => {
    topo = createTopology();
    dir = mkdtempSync(join(tmpdir(), 'synbait-ep-'));
  });
  after(() => {
    topo?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('SYNBAIT_FIREWALL=off touches nothing (and the kernel answers too: the check can fail); the device comes from the default route', async () => {
    nsExec(topo.sensorNs, 'ip', ['route', 'add', 'default', 'via', topo.clientIp4]);
    hostRules(topo.sensorNs, 'nft');
    const before = { nft: ruleset(topo.sensorNs, 'nft'), legacy: ruleset(topo.sensorNs, 'legacy') };
    const ep = await startEntrypoint(topo.sensorNs, SENSOR_FLAGS, { env: { SYNBAIT_FIREWALL: 'off' } });
    try {
      assert.equal(ep.logs.find((l) => l.event === 'DeviceChosen')?.device, topo.sensorIf);
      assert.ok(ep.logs.some((l) => l.event === 'FirewallSkipped'));
      assert.ok(!ep.logs.some((l) => l.event === 'FirewallCommand'));
      assert.equal(ruleset(topo.sensorNs, 'nft'), before.nft);
      assert.equal(ruleset(topo.sensorNs, 'legacy'), before.legacy);
      // without the drop rules the kernel resets the connection and sends ICMP port unreachable: the detector works
      await warmUp(ep, topo, 39999);
      const cap = await startTcpdump(topo.clientNs, topo.clientIf);
      nsExec(topo.clientNs, 'hping3', ['-S', '-c', '1', '-p', '40001', topo.sensorIp4], { allowFail: true });
      nsExec(topo.clientNs, 'sh', ['-c', `printf 'udp-4' | socat -u - UDP4-SENDTO:${topo.sensorIp4}:5060`]);
      await ep.waitFor(() => ep.records.find((r) => r.dst_port === 5060), 'udp record');
      const lines = (await cap.stop()).filter((l) => l.includes(` IP ${topo.sensorIp4}`));
      assert.ok(lines.some((l) => /Flags \[R/.test(l)), `kernel RST seen: ${lines.join('\n')}`);
      assert.ok(lines.some((l) => /ICMP .*unreachable/.test(l)), 'kernel ICMP port unreachable seen');
      assert.equal(await ep.stop('SIGTERM'), 0);
      assert.equal(ruleset(topo.sensorNs, 'nft'), before.nft);
      assert.equal(ruleset(topo.sensorNs, 'legacy'), before.legacy);
    } finally {
      await ep.killAll();
    }
  });

  test('a failure to install is fatal: exit 1, the sensor never starts, what was installed is removed', async () => {
    const before = ruleset(topo.sensorNs, 'nft');
    const fake = join(dir, 'bin');
    rmSync(fake, { recursive: true, force: true });
    nsExec(topo.sensorNs, 'mkdir', ['-p', fake]);
    writeFileSync(join(fake, 'ip6tables-nft-restore'), '#!/bin/sh\necho "ip6tables-restore: line 3 failed (simulated)" >&2\nexit 1\n');
    chmodSync(join(fake, 'ip6tables-nft-restore'), 0o755);
    const r = await runEntrypoint(topo.sensorNs, SENSOR_FLAGS, {
      SYNBAIT_DEVICE: topo.sensorIf, SYNBAIT_IPTABLES_BACKEND: 'nft', PATH: `${fake}:${process.env.PATH}`,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"event":"FirewallFailed"/);
    assert.match(r.stderr, /simulated/);
    assert.doesNotMatch(r.stdout + r.stderr, /SensorStarted/);
    assert.match(r.stderr, /"event":"FirewallTeardown","backend":"nft","family":"4"/, 'the IPv4 rules it had installed are removed');
    assert.equal(ruleset(topo.sensorNs, 'nft'), before);
  });

  test('bad configuration stops before any change (exit 2)', async () => {
    const before = ruleset(topo.sensorNs, 'nft');
    const bad = await runEntrypoint(topo.sensorNs, ['-n', 'not-a-network'], { SYNBAIT_DEVICE: topo.sensorIf });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--network/);
    const backend = await runEntrypoint(topo.sensorNs, [], { SYNBAIT_DEVICE: topo.sensorIf, SYNBAIT_IPTABLES_BACKEND: 'iptables' });
    assert.equal(backend.code, 2);
    assert.match(backend.stderr, /SYNBAIT_IPTABLES_BACKEND/);
    const fw = await runEntrypoint(topo.sensorNs, [], { SYNBAIT_DEVICE: topo.sensorIf, SYNBAIT_FIREWALL: 'maybe' });
    assert.equal(fw.code, 2);
    assert.equal(ruleset(topo.sensorNs, 'nft'), before);
    // commands that are not a sensor run need no firewall
    const version = await runEntrypoint(topo.sensorNs, ['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^synbait \d+\.\d+\.\d+/);
    assert.doesNotMatch(version.stderr, /FirewallCommand/);
    const rules = await runEntrypoint(topo.sensorNs, ['firewall-rules', '--family', '4', '--', '-i', topo.sensorIf]);
    assert.equal(rules.code, 0, rules.stderr);
    assert.match(rules.stdout, new RegExp(`^-A SYNBAIT-INPUT -d ${topo.sensorIp4.replace(/\./g, '\\.')}/32 -i ${topo.sensorIf} -p tcp -j DROP$`, 'm'));
    assert.equal(ruleset(topo.sensorNs, 'nft'), before);
  });

  test('SYNBAIT_IPTABLES_BACKEND=legacy wins over detection; SYNBAIT_SSH_PORT=none monitors port 22; SIGINT is forwarded too', async () => {
    const before = { nft: ruleset(topo.sensorNs, 'nft'), legacy: ruleset(topo.sensorNs, 'legacy') };
    const ep = await startEntrypoint(topo.sensorNs, [...SENSOR_FLAGS, '-i', topo.sensorIf], {
      env: { SYNBAIT_IPTABLES_BACKEND: 'legacy', SYNBAIT_SSH_PORT: 'none' },
    });
    try {
      assert.equal(ep.logs.find((l) => l.event === 'BackendChosen')?.reason, 'override');
      assert.match(ruleset(topo.sensorNs, 'legacy'), /SYNBAIT-INPUT/);
      assert.equal(ruleset(topo.sensorNs, 'nft'), before.nft, 'nft untouched although it holds the host rules');
      assert.doesNotMatch(ruleset(topo.sensorNs, 'legacy'), /--dport 22 /);
      await warmUp(ep, topo, 39997);
      nsExec(topo.clientNs, 'hping3', ['-S', '-c', '1', '-p', '22', topo.sensorIp4], { allowFail: true });
      await ep.waitFor(() => ep.records.find((r) => r.dst_port === 22), 'a record for port 22');
      assert.equal(await ep.stop('SIGINT'), 0);
      assert.ok(ep.logs.some((l) => l.event === 'SignalReceived' && l.signal === 'INT'));
      // this namespace had no legacy tables: the kernel keeps the (empty, all-ACCEPT) filter table once used
      assert.doesNotMatch(ruleset(topo.sensorNs, 'legacy'), /SYNBAIT|^-A|^:[A-Z-]+ (?!ACCEPT)/m);
      assert.equal(ruleset(topo.sensorNs, 'nft'), before.nft);
    } finally {
      await ep.killAll();
    }
  });
});
