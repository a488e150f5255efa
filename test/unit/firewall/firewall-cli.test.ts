// `synbait firewall up|down|render|device` as the entrypoint calls it, with a fake iptables runner and fake host
// facts (no root): exit statuses 0/1/2, the undo plan on stdout, JSON log lines on stderr, nothing changed on bad
// configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runFirewall, templatePath } from '../../../src/firewall/cli.ts';
import type { Listener } from '../../../src/scope/proc-net.ts';
import { parseCidr, parseIp } from '../../../src/wire/address.ts';
import { FakeIptables } from '../../helpers/fake-iptables.ts';

function capture() {
  let text = '';
  return { stream: { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream, text: () => text };
}
const listener: Listener = { proto: 'tcp', version: 4, address: parseIp('0.0.0.0')!, port: 8443 };

function harness(env: Record<string, string> = {}, fw = new FakeIptables()) {
  const out = capture();
  const err = capture();
  const io = { stdout: out.stream, stderr: err.stream, env: { SYNBAIT_DEVICE: 'eth0', ...env }, hostname: 'h', version: '0.0.0-test' };
  const deps = {
    runner: fw,
    listeners: () => [listener],
    deviceAddresses: () => [parseCidr('192.0.2.7/32')!, parseCidr('2001:db8::7/128')!],
    template: (f: 4 | 6) => readFileSync(templatePath(f), 'utf8'),
    readText: (p: string) => {
      if (p === '/proc/net/route') return 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\neth9\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n';
      throw new Error('ENOENT');
    },
  };
  const logs = () => err.text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { fw, out, err, io, deps, logs, run: (args: string[]) => runFirewall(args, io, deps) };
}

test('up: installs the rendered rules for the sensor flags, prints the undo plan, logs JSON lines (component firewall)', async () => {
  const h = harness();
  assert.equal(await h.run(['up', '--', '-e', '9000']), 0);
  const input = h.fw.table('nft', 4).chains.get('SYNBAIT-INPUT')!;
  assert.ok(input.includes('-p tcp -m tcp --dport 9000 -j RETURN'), 'the -e port');
  assert.ok(input.includes('-p tcp -m tcp --dport 8443 -j RETURN'), 'the listening port');
  assert.ok(input.includes('-d 192.0.2.7/32 -i eth0 -p tcp -j DROP'));
  assert.ok(h.fw.table('nft', 6).chains.get('SYNBAIT-INPUT')!.includes('-d 2001:db8::7/128 -i eth0 -p udp -j DROP'));
  assert.match(h.out.text(), /^# installed \(nft\); to undo: synbait firewall down, or\niptables-nft -w -D INPUT -j SYNBAIT-INPUT\n/);
  assert.equal(h.out.text().trim().split('\n').length, 13);
  const logs = h.logs();
  assert.ok(logs.every((l) => l.component === 'firewall' && typeof l.time === 'string' && typeof l.msg === 'string'));
  assert.ok(logs.some((l) => l.event === 'FirewallInstalled' && l.backend === 'nft' && l.level === 'info'));
  // `up` without `--` takes the sensor flags too
  const h2 = harness();
  assert.equal(await h2.run(['up', '-n', '192.0.2.0/24']), 0);
  assert.ok(h2.fw.table('nft', 4).chains.get('SYNBAIT-INPUT')!.includes('-d 192.0.2.0/24 -i eth0 -p tcp -j DROP'));
  assert.doesNotMatch(h2.fw.save('nft', 6), /SYNBAIT/, 'no IPv6 network monitored: no IPv6 chain');
});

test('up: bad configuration exits 2 before any command runs, naming the culprit', async () => {
  for (const [args, env, culprit] of [
    [['up', '-n', 'nonsense'], {}, '-n/--network'],
    [['up'], { SYNBAIT_FIREWALL: 'maybe' }, 'SYNBAIT_FIREWALL'],
    [['up'], { SYNBAIT_IPTABLES_BACKEND: 'iptables' }, 'SYNBAIT_IPTABLES_BACKEND'],
    [['up'], { SYNBAIT_NOPE: '1' }, 'SYNBAIT_NOPE'],
    [['up', 'report'], {}, undefined],
    [['down', 'extra'], {}, undefined],
  ] as const) {
    const h = harness(env as Record<string, string>);
    assert.equal(await h.run([...args]), 2, args.join(' '));
    assert.deepEqual(h.fw.calls, [], 'nothing ran');
    const fatal = h.logs().find((l) => l.level === 'fatal');
    assert.equal(fatal?.event, 'ConfigInvalid');
    assert.equal(fatal?.code, 'SYNBAIT_ERR_CONFIG');
    assert.equal(fatal?.culprit, culprit);
    assert.equal(h.out.text(), '');
  }
  const noDevice = harness();
  assert.equal(await runFirewall(['up'], noDevice.io, { ...noDevice.deps, deviceAddresses: () => [] }), 2);
  assert.match(noDevice.err.text(), /has no IP addresses/);
});

test('up: a failed install exits 1 and leaves nothing; down exits 1 while something stays', async () => {
  const fw = new FakeIptables();
  fw.failWhen = (argv) => (argv[0] === 'iptables-nft-restore' ? { status: 2, stdout: '', stderr: 'simulated' } : undefined);
  const h = harness({}, fw);
  assert.equal(await h.run(['up']), 1);
  assert.doesNotMatch(fw.save('nft', 4) + fw.save('nft', 6), /SYNBAIT/);
  assert.ok(h.logs().some((l) => l.event === 'FirewallFailed' && l.level === 'fatal'));
  assert.equal(h.out.text(), '', 'no undo plan: nothing is installed');

  const d = harness();
  assert.equal(await d.run(['up']), 0);
  d.fw.failWhen = (argv) => (argv.includes('-X') ? { status: 1, stdout: '', stderr: 'busy' } : undefined);
  assert.equal(await d.run(['down']), 1);
  d.fw.failWhen = undefined;
  assert.equal(await d.run(['down']), 0);
  assert.doesNotMatch(d.fw.save('nft', 4), /SYNBAIT/);
});

test('SYNBAIT_FIREWALL=off: up and down run nothing and exit 0 (the sensor flags are not even rendered)', async () => {
  const h = harness({ SYNBAIT_FIREWALL: 'off' });
  assert.equal(await h.run(['up', '-n', 'nonsense']), 0);
  assert.equal(await h.run(['down']), 0);
  assert.deepEqual(h.fw.calls, []);
  assert.deepEqual(h.logs().map((l) => l.event), ['FirewallSkipped', 'FirewallSkipped']);
});

test('render (= firewall-rules), device, help and unknown commands', async () => {
  const r = harness();
  assert.equal(await r.run(['render', '--family', '4', '--', '-i', 'eth1']), 0);
  assert.match(r.out.text(), /^-A SYNBAIT-INPUT -d 192\.0\.2\.7\/32 -i eth1 -p tcp -j DROP$/m);
  const bad = harness();
  assert.equal(await bad.run(['render', '--family', '5']), 2);
  assert.match(bad.err.text(), /^synbait firewall render: --family: expected 4 or 6/);

  const d = harness();
  assert.equal(await d.run(['device']), 0);
  assert.equal(d.out.text(), 'eth9\n');
  assert.deepEqual(d.logs().map((l) => [l.event, l.device]), [['DeviceChosen', 'eth9']]);
  const none = harness();
  assert.equal(await runFirewall(['device'], none.io, { ...none.deps, readText: () => '' }), 0);
  assert.equal(none.out.text(), '');
  assert.equal(none.logs()[0]!.level, 'warn');

  const help = harness();
  assert.equal(await help.run(['--help']), 0);
  assert.match(help.out.text(), /synbait firewall up/);
  assert.equal(await harness().run([]), 2);
  const unknown = harness();
  assert.equal(await unknown.run(['sideways']), 2);
  assert.match(unknown.err.text(), /unknown command "sideways"/);
});
