// Run-time port exclusions (a service started after the sensor) against the fake iptables, and the pure diff of
// two reads of /proc/net that says which ports to add or remove.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirewallExecutor } from '../../../src/firewall/firewall-executor.ts';
import { firewallUp } from '../../../src/firewall/firewall-up.ts';
import { diffListeningPorts, fixedPorts } from '../../../src/scope/listener-diff.ts';
import { resolveExclusions } from '../../../src/scope/exclusions.ts';
import { addPortExclusion, exclusionRule, installedFamilies, removePortExclusion } from '../../../src/firewall/port-exclusion.ts';
import type { Listener } from '../../../src/scope/proc-net.ts';
import { parseCidr, parseIp } from '../../../src/wire/address.ts';
import { FakeIptables, recordingLogger } from '../../helpers/fake-iptables.ts';

const RULES = (net: string) => `*filter
:SYNBAIT-INPUT - [0:0]
:SYNBAIT-OUTPUT - [0:0]
-A SYNBAIT-INPUT -i lo -j RETURN
-A SYNBAIT-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
-A SYNBAIT-INPUT -p tcp -m tcp --dport 22 -j RETURN
-A SYNBAIT-INPUT -d ${net} -i eth0 -p tcp -j DROP
-A SYNBAIT-INPUT -d ${net} -i eth0 -p udp -j DROP
COMMIT
`;

async function installed() {
  const fw = new FakeIptables();
  const log = recordingLogger();
  const x = new FirewallExecutor(fw, log);
  await firewallUp(x, { enabled: true, backend: 'nft' }, { 4: RULES('192.0.2.7/32'), 6: RULES('2001:db8::7/128') });
  log.lines.length = 0;
  fw.calls.length = 0;
  return { fw, log, x };
}
const dropIndex = (rules: readonly string[]) => rules.findIndex((r) => r.endsWith('-j DROP'));

test('exclusionRule: the RETURN rule the templates render, a range with a colon', () => {
  assert.deepEqual(exclusionRule('tcp', { from: 8080, to: 8080 }), ['-p', 'tcp', '-m', 'tcp', '--dport', '8080', '-j', 'RETURN']);
  assert.deepEqual(exclusionRule('udp', { from: 8000, to: 8100 }).join(' '), '-p udp -m udp --dport 8000:8100 -j RETURN');
});

test('add: TCP and UDP RETURN before every DROP, in each installed family only; idempotent; logged', async () => {
  const { fw, log, x } = await installed();
  assert.deepEqual(await installedFamilies(x), [{ backend: 'nft', family: 4 }, { backend: 'nft', family: 6 }]);
  assert.equal(await addPortExclusion(x, { from: 8080, to: 8080 }, 'listening: tcp 0.0.0.0:8080 (nginx, pid 42)'), true);
  for (const family of [4, 6] as const) {
    const rules = fw.table('nft', family).chains.get('SYNBAIT-INPUT')!;
    for (const proto of ['tcp', 'udp']) {
      const i = rules.indexOf(`-p ${proto} -m ${proto} --dport 8080 -j RETURN`);
      assert.ok(i >= 0 && i < dropIndex(rules), `${proto} RETURN before the first DROP (IPv${family})`);
    }
  }
  assert.doesNotMatch(fw.save('legacy', 4), /8080/, 'the other backend is untouched');
  const before = fw.save('nft', 4) + fw.save('nft', 6);
  assert.equal(await addPortExclusion(x, { from: 8080, to: 8080 }), true);
  assert.equal(fw.save('nft', 4) + fw.save('nft', 6), before, 'adding twice changes nothing');
  const added = log.lines.filter((l) => l.event === 'FirewallPortExcluded');
  assert.deepEqual(added.map((l) => [l.port, l.family, l.detail]).slice(0, 2), [
    ['8080', '4', 'listening: tcp 0.0.0.0:8080 (nginx, pid 42)'], ['8080', '6', 'listening: tcp 0.0.0.0:8080 (nginx, pid 42)'],
  ]);
  assert.ok(log.lines.some((l) => l.event === 'FirewallCommand' && l.cmd === 'iptables-nft -w -I SYNBAIT-INPUT 1 -p tcp -m tcp --dport 8080 -j RETURN'));
  assert.ok(!fw.calls.some((c) => c.argv.includes('-C')), 'iptables-save decides, not -C');
});

test('remove: every copy, TCP and UDP; removing what is not there succeeds; the rest of the chain stays', async () => {
  const { fw, log, x } = await installed();
  const original = fw.save('nft', 4);
  await addPortExclusion(x, { from: 9000, to: 9100 });
  fw.hostRule('nft', 4, 'SYNBAIT-INPUT', '-p tcp -m tcp --dport 9000:9100 -j RETURN'); // a second copy
  assert.equal(await removePortExclusion(x, { from: 9000, to: 9100 }, 'gone'), true);
  assert.equal(fw.save('nft', 4), original);
  assert.equal(await removePortExclusion(x, { from: 9000, to: 9100 }), true);
  assert.equal(fw.save('nft', 4), original);
  assert.ok(log.lines.some((l) => l.event === 'FirewallPortIncluded' && l.port === '9000-9100' && l.detail === 'gone'));
});

test('exclusions do not trust -C (ip6tables-legacy 1.8.9 ignores --dport in -C): iptables-save decides', async () => {
  const { fw, x } = await installed();
  fw.checkIgnoresPorts = true; // the chain already holds `--dport 22` rules: -C would say 8080 is there
  assert.equal(await addPortExclusion(x, { from: 8080, to: 8080 }), true);
  assert.ok(fw.table('nft', 6).chains.get('SYNBAIT-INPUT')!.includes('-p tcp -m tcp --dport 8080 -j RETURN'));
  fw.hostRule('nft', 6, 'SYNBAIT-INPUT', '-p tcp -m tcp --dport 8080 -j RETURN');
  assert.equal(await removePortExclusion(x, { from: 8080, to: 8080 }), true);
  assert.doesNotMatch(fw.save('nft', 6), /--dport 8080/);
  assert.match(fw.save('nft', 6), /--dport 22 -j RETURN/, 'the SSH rule -C confuses it with stays');
});

test('no chain installed (firewall off or the owner\'s): nothing is run but the reads; a failed insert is reported', async () => {
  const fw = new FakeIptables();
  const x = new FirewallExecutor(fw, recordingLogger());
  assert.equal(await addPortExclusion(x, { from: 8080, to: 8080 }), true);
  assert.deepEqual(fw.changes(), []);

  const b = await installed();
  b.fw.failWhen = (argv) => (argv.includes('-I') && argv[0] === 'ip6tables-nft' ? { status: 1, stdout: '', stderr: 'simulated' } : undefined);
  assert.equal(await addPortExclusion(b.x, { from: 8080, to: 8080 }), false);
  assert.ok(b.log.lines.some((l) => l.event === 'FirewallCommandFailed' && /simulated/.test(String(l.output))));
});

const l = (proto: 'tcp' | 'udp', addr: string, port: number): Listener => {
  const address = parseIp(addr)!;
  return { proto, version: address.length === 4 ? 4 : 6, address, port };
};
const networks = [parseCidr('192.0.2.7/32')!, parseCidr('2001:db8::7/128')!];

test('diffListeningPorts: new exposed ports added, vanished ones removed; loopback-only, other addresses and fixed ports ignored', () => {
  const ex = resolveExclusions({ excludePorts: [{ from: 9000, to: 9010 }], sshPorts: [{ from: 22, to: 22 }], listeners: [], networks });
  const scope = { networks, fixed: fixedPorts(ex) };
  assert.deepEqual(scope.fixed, [{ from: 22, to: 22 }, { from: 9000, to: 9010 }]);
  const before = [l('tcp', '0.0.0.0', 22), l('tcp', '0.0.0.0', 8443), l('udp', '::', 5353), l('tcp', '127.0.0.1', 631)];
  const after = [
    l('tcp', '0.0.0.0', 22), l('udp', '::', 5353), l('tcp', '127.0.0.1', 631),
    l('tcp', '192.0.2.7', 8080), l('tcp', '::', 8080), l('tcp', '::', 8080), // one port, two sockets (and a duplicate)
    l('udp', '::ffff:192.0.2.7', 4789), // dual-stack socket bound to a monitored IPv4 address
    l('tcp', '127.0.0.1', 5432), l('tcp', '198.51.100.9', 7000), // loopback-only, an address not monitored
    l('tcp', '0.0.0.0', 9005), // inside -e: already excluded
  ];
  assert.deepEqual(diffListeningPorts(before, after, scope), {
    added: [{ port: 4789, listeners: ['udp [::ffff:192.0.2.7]:4789'] }, { port: 8080, listeners: ['tcp 192.0.2.7:8080', 'tcp [::]:8080'] }],
    removed: [{ port: 8443, listeners: ['tcp 0.0.0.0:8443'] }],
  });
  assert.deepEqual(diffListeningPorts(after, after, scope), { added: [], removed: [] });
});

test('diffListeningPorts: a port stays while either protocol still listens on it', () => {
  const scope = { networks, fixed: [] };
  const before = [l('tcp', '0.0.0.0', 53), l('udp', '0.0.0.0', 53)];
  assert.deepEqual(diffListeningPorts(before, [l('udp', '0.0.0.0', 53)], scope), { added: [], removed: [] });
  assert.deepEqual(diffListeningPorts(before, [], scope).removed.map((c) => c.port), [53]);
});
