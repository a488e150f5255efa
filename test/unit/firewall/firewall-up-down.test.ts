// firewall up and down against a fake of the iptables binaries (no root): what is installed and where, that a
// second run and a run after a SIGKILL leave exactly one copy, that teardown removes every leftover (both
// backends, both families, several copies of a jump) and keeps the host's rules, that a failed install is fatal and
// removes what it installed, and that every change is logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirewallExecutor } from '../../../src/firewall/firewall-executor.ts';
import { firewallDown } from '../../../src/firewall/firewall-down.ts';
import { firewallUp, type RenderedRules } from '../../../src/firewall/firewall-up.ts';
import { FakeIptables, recordingLogger } from '../../helpers/fake-iptables.ts';

const RULES4 = `*filter
:SYNBAIT-INPUT - [0:0]
:SYNBAIT-OUTPUT - [0:0]
-A SYNBAIT-INPUT -i lo -j RETURN
-A SYNBAIT-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
-A SYNBAIT-INPUT -p tcp -m tcp --dport 22 -j RETURN
-A SYNBAIT-INPUT -d 192.0.2.7/32 -i eth0 -p tcp -j DROP
-A SYNBAIT-OUTPUT -s 192.0.2.7/32 -o eth0 -p icmp -m icmp --icmp-type 3 -j DROP
COMMIT
`;
const RULES6 = RULES4.replace(/192\.0\.2\.7\/32/g, '2001:db8::7/128').replace('-p icmp -m icmp --icmp-type 3', '-p ipv6-icmp -m icmp6 --icmpv6-type 1');
const BOTH: RenderedRules = { 4: RULES4, 6: RULES6 };
const ON = { enabled: true, backend: 'auto' } as const;

function setup(installed?: ConstructorParameters<typeof FakeIptables>[0]) {
  const fw = new FakeIptables(installed);
  const log = recordingLogger();
  return { fw, log, x: new FirewallExecutor(fw, log) };
}
const events = (log: ReturnType<typeof recordingLogger>, event: string) => log.lines.filter((l) => l.event === event);

test('up: detects nft on an empty host, loads both families, one jump per chain at position 1, prints the undo plan', async () => {
  const { fw, log, x } = setup();
  fw.hostRule('nft', 4, 'INPUT', '-p tcp -m tcp --dport 12345 -j ACCEPT');
  const out = await firewallUp(x, ON, BOTH);
  assert.equal(out.status, 0);
  assert.ok(out.status === 0 && out.backend === 'nft');
  for (const family of [4, 6] as const) {
    const t = fw.table('nft', family);
    assert.equal(t.chains.get('INPUT')![0], '-j SYNBAIT-INPUT');
    assert.equal(t.chains.get('OUTPUT')![0], '-j SYNBAIT-OUTPUT');
    assert.equal(t.chains.get('SYNBAIT-INPUT')![0], '-i lo -j RETURN', 'loopback first');
    assert.equal(t.chains.get('SYNBAIT-INPUT')![1], '-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN', 'then established');
    assert.equal(fw.save('legacy', family).includes('SYNBAIT'), false, 'the other backend is untouched');
  }
  assert.ok(fw.table('nft', 4).chains.get('INPUT')!.includes('-p tcp -m tcp --dport 12345 -j ACCEPT'), 'host rule kept');
  assert.deepEqual(events(log, 'BackendChosen').map((l) => [l.backend, l.reason, l.nft_rules, l.legacy_rules]), [['nft', 'detected', '1', '0']]);
  assert.ok(out.status === 0);
  assert.deepEqual(out.undo.slice(0, 3), ['iptables-nft -w -D INPUT -j SYNBAIT-INPUT', 'iptables-nft -w -F SYNBAIT-INPUT', 'iptables-nft -w -X SYNBAIT-INPUT']);
  assert.equal(out.undo.length, 12);
  // every change is logged before it runs, with the command
  const logged = events(log, 'FirewallCommand').map((l) => l.cmd);
  for (const change of fw.changes()) assert.ok(logged.includes(change), `logged: ${change}`);
  assert.equal(events(log, 'FirewallInstalled').length, 1);
  assert.ok(events(log, 'FirewallRule').some((l) => l.family === '6' && l.msg === '-A SYNBAIT-INPUT -i lo -j RETURN'));
});

test('up: legacy when it holds more host rules; SYNBAIT_IPTABLES_BACKEND wins over detection', async () => {
  const a = setup();
  a.fw.hostRule('legacy', 4, 'INPUT', '-j ACCEPT');
  a.fw.hostRule('legacy', 6, 'INPUT', '-j ACCEPT');
  a.fw.hostRule('nft', 4, 'INPUT', '-j ACCEPT');
  assert.ok((await firewallUp(a.x, ON, BOTH)).status === 0);
  assert.match(a.fw.save('legacy', 4), /-A INPUT -j SYNBAIT-INPUT/);
  assert.doesNotMatch(a.fw.save('nft', 4), /SYNBAIT/);

  const b = setup();
  b.fw.hostRule('legacy', 4, 'INPUT', '-j ACCEPT');
  assert.ok((await firewallUp(b.x, { enabled: true, backend: 'nft' }, BOTH)).status === 0);
  assert.deepEqual(events(b.log, 'BackendChosen').map((l) => [l.backend, l.reason]), [['nft', 'override']]);
  assert.match(b.fw.save('nft', 4), /SYNBAIT-INPUT/);
  // an override does not read the rulesets to count them
  assert.ok(!b.fw.calls.some((c) => c.argv[0] === 'iptables-legacy-save' && b.fw.calls.indexOf(c) > b.fw.calls.findIndex((d) => d.argv.includes('--noflush'))));
});

test('up twice: the chains are flushed and reloaded and the jump is not inserted again', async () => {
  const { fw, log, x } = setup();
  await firewallUp(x, ON, BOTH);
  const once = fw.save('nft', 4) + fw.save('nft', 6);
  await firewallUp(x, ON, BOTH);
  assert.equal(fw.save('nft', 4) + fw.save('nft', 6), once);
  // the second run found the first run's rules as leftovers and removed them first
  assert.equal(events(log, 'FirewallTeardown').length, 2);
});

test('-C decides: a jump already present (restored by someone else) is not inserted twice', async () => {
  const { fw, log, x } = setup();
  fw.failWhen = undefined;
  // a jump to our chain appears between the teardown and the install: -C finds it
  const orig = fw.run.bind(fw);
  fw.run = async (argv, stdin) => {
    const r = await orig(argv, stdin);
    if (argv.includes('--noflush') && argv[0] === 'iptables-nft-restore') fw.hostRule('nft', 4, 'INPUT', '-j SYNBAIT-INPUT');
    return r;
  };
  await firewallUp(x, ON, BOTH);
  assert.deepEqual(fw.table('nft', 4).chains.get('INPUT')!.filter((r) => r === '-j SYNBAIT-INPUT'), ['-j SYNBAIT-INPUT']);
  assert.ok(events(log, 'FirewallJumpPresent').some((l) => l.family === '4' && /INPUT already jumps to SYNBAIT-INPUT/.test(l.msg)));
});

test('leftovers of killed runs (both backends, both families, several jumps, a half-installed chain) are removed before setup', async () => {
  const { fw, log, x } = setup();
  for (const backend of ['nft', 'legacy'] as const) {
    for (const family of [4, 6] as const) {
      fw.hostRule(backend, family, 'SYNBAIT-INPUT', '-i lo -j RETURN');
      fw.hostRule(backend, family, 'INPUT', '-j SYNBAIT-INPUT');
      fw.hostRule(backend, family, 'INPUT', '-p tcp --dport 80 -j ACCEPT');
      fw.hostRule(backend, family, 'INPUT', '-j SYNBAIT-INPUT');
      fw.hostRule(backend, family, 'INPUT', '-j SYNBAIT-INPUT');
    }
  }
  fw.hostRule('legacy', 6, 'SYNBAIT-OUTPUT', '-j DROP'); // the output chain without its jump
  const out = await firewallUp(x, { enabled: true, backend: 'nft' }, BOTH);
  assert.equal(out.status, 0);
  for (const family of [4, 6] as const) {
    assert.doesNotMatch(fw.save('legacy', family), /SYNBAIT/, `legacy IPv${family} clean`);
    assert.deepEqual(fw.table('nft', family).chains.get('INPUT'), ['-j SYNBAIT-INPUT', '-p tcp --dport 80 -j ACCEPT']);
  }
  assert.equal(events(log, 'FirewallTeardown').length, 4);
  assert.equal(fw.calls.filter((c) => c.argv.join(' ') === 'iptables-legacy -w -D INPUT -j SYNBAIT-INPUT').length, 3, 'every copy of the jump');
});

test('teardown tolerates missing pieces; a backend that is not installed is skipped; down twice succeeds', async () => {
  const { fw, log, x } = setup(['nft']);
  fw.hostRule('nft', 4, 'SYNBAIT-OUTPUT', '-j DROP'); // only one chain, no jumps
  assert.equal(await firewallDown(x, ON), 0);
  assert.doesNotMatch(fw.save('nft', 4), /SYNBAIT/);
  assert.ok(!fw.calls.some((c) => c.argv[0]!.includes('legacy') && !c.argv.includes('--version')), 'legacy is not installed: only asked for its version');
  assert.equal(await firewallDown(x, ON), 0);
  assert.equal(events(log, 'FirewallRemoved').length, 2);
  assert.equal(events(log, 'FirewallTeardown').length, 1, 'nothing to do the second time');
});

test('down removes everything from both backends and keeps the host rules; status 1 if something stays', async () => {
  const { fw, log, x } = setup();
  await firewallUp(x, { enabled: true, backend: 'legacy' }, BOTH);
  fw.hostRule('nft', 6, 'INPUT', '-j SYNBAIT-INPUT'); // a leftover in the other backend
  fw.hostRule('nft', 6, 'SYNBAIT-INPUT', '-j RETURN');
  fw.hostRule('legacy', 4, 'INPUT', '-j ACCEPT');
  assert.equal(await firewallDown(x, ON), 0);
  for (const b of ['nft', 'legacy'] as const) for (const f of [4, 6] as const) assert.doesNotMatch(fw.save(b, f), /SYNBAIT/);
  assert.deepEqual(fw.table('legacy', 4).chains.get('INPUT'), ['-j ACCEPT']);

  await firewallUp(x, { enabled: true, backend: 'nft' }, BOTH);
  fw.failWhen = (argv) => (argv.join(' ') === 'iptables-nft -w -X SYNBAIT-OUTPUT' ? { status: 4, stdout: '', stderr: 'Resource busy (simulated)' } : undefined);
  assert.equal(await firewallDown(x, ON), 1);
  const incomplete = events(log, 'FirewallTeardownIncomplete');
  assert.equal(incomplete.length, 1);
  assert.match(String(incomplete[0]!.remaining), /:SYNBAIT-OUTPUT/);
  assert.ok(events(log, 'FirewallCommandFailed').some((l) => l.status === '4' && /simulated/.test(String(l.output))));
});

test('a failed install is fatal: status 1, what was installed is removed, the failure and its output logged', async () => {
  const { fw, log, x } = setup();
  fw.failWhen = (argv) => (argv[0] === 'ip6tables-nft-restore' ? { status: 1, stdout: '', stderr: 'line 3 failed (simulated)' } : undefined);
  const out = await firewallUp(x, ON, BOTH);
  assert.equal(out.status, 1);
  for (const f of [4, 6] as const) assert.doesNotMatch(fw.save('nft', f), /SYNBAIT/);
  assert.ok(events(log, 'FirewallFailed').some((l) => l.level === 'fatal' && l.family === '6'));
  assert.ok(events(log, 'FirewallCommandFailed').some((l) => /simulated/.test(String(l.output))));
  assert.ok(events(log, 'FirewallTeardown').some((l) => l.family === '4' && l.backend === 'nft'), 'the IPv4 rules it had installed are removed');

  // a failed jump insert too
  const b = setup();
  b.fw.failWhen = (argv) => (argv.join(' ') === 'iptables-nft -w -I OUTPUT 1 -j SYNBAIT-OUTPUT' ? { status: 1, stdout: '', stderr: 'no' } : undefined);
  assert.equal((await firewallUp(b.x, ON, BOTH)).status, 1);
  assert.doesNotMatch(b.fw.save('nft', 4), /SYNBAIT/);
});

test('up fails when leftovers cannot be removed, or when the chosen backend is not installed, before installing anything', async () => {
  const a = setup();
  a.fw.hostRule('legacy', 4, 'INPUT', '-j SYNBAIT-INPUT');
  a.fw.hostRule('legacy', 4, 'SYNBAIT-INPUT', '-j RETURN');
  a.fw.failWhen = (argv) => (argv[1] === '-w' && argv[2] === '-D' ? { status: 1, stdout: '', stderr: 'busy' } : undefined);
  assert.equal((await firewallUp(a.x, ON, BOTH)).status, 1);
  assert.ok(!a.fw.calls.some((c) => c.argv.includes('--noflush')), 'nothing installed');
  assert.ok(events(a.log, 'FirewallFailed').some((l) => /leftover/.test(l.msg)));

  const b = setup(['nft']);
  assert.equal((await firewallUp(b.x, { enabled: true, backend: 'legacy' }, BOTH)).status, 1);
  assert.ok(events(b.log, 'FirewallFailed').some((l) => l.msg === 'iptables-legacy is not installed'));
});

test('a family without monitored addresses gets no chain; SYNBAIT_FIREWALL=off runs nothing at all', async () => {
  const a = setup();
  const out = await firewallUp(a.x, ON, { 4: RULES4, 6: '' });
  assert.ok(out.status === 0 && out.families.join() === '4');
  assert.doesNotMatch(a.fw.save('nft', 6), /SYNBAIT/);
  assert.ok(events(a.log, 'FirewallSkipped').some((l) => l.family === '6'));

  const b = setup();
  const off = { enabled: false, backend: 'auto' } as const;
  assert.equal((await firewallUp(b.x, off, BOTH)).status, 0);
  assert.equal(await firewallDown(b.x, off), 0);
  assert.deepEqual(b.fw.calls, []);
  assert.equal(events(b.log, 'FirewallSkipped').length, 2);
});
