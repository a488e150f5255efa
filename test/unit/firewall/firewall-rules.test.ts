// The firewall plan: listening sockets from /proc/net text, the excluded ports and why, and the rules rendered
// from the real templates in iptables/ (the e2e tests load them into real iptables).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCommandLine } from '../../../src/cli.ts';
import type { Settings } from '../../../src/config/settings.ts';
import { runFirewallRules, templatePath } from '../../../src/firewall/cli.ts';
import { describeExclusions, resolveExclusions } from '../../../src/scope/exclusions.ts';
import { describeListener, parseProcNet, type Listener } from '../../../src/scope/proc-net.ts';
import { renderRules } from '../../../src/firewall/render-rules.ts';
import { type Cidr, formatIp, parseCidr } from '../../../src/wire/address.ts';

const cidr = (t: string): Cidr => parseCidr(t)!;

// What the kernel prints (little-endian host): header, then sl local remote st ...
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 3500007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 1002 1 0000000000000000 100 0 0 10 0
   2: 076433C6:20FB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 100 0 0 10 0
   3: 076433C6:D431 0A6433C6:01BB 01 00000000:00000000 02:000A7B2D 00000000     0        0 1004 2 0000000000000000 20 4 30 10 -1
   4: 0A0A0A0A:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1005 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF0000076433C6:2382 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2003 1 0000000000000000 100 0 0 10 0
   3: B80D0120000000000000000007000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2004 1 0000000000000000 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3001 2 0000000000000000 0
  101: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 3002 2 0000000000000000 0
  102: 076433C6:A1B2 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 3003 2 0000000000000000 0
  103: 076433C6:007B 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3004 2 0000000000000000 0
`;

const listeners = (): Listener[] => [
  ...parseProcNet(TCP, 'tcp'), ...parseProcNet(TCP6, 'tcp'), ...parseProcNet(UDP, 'udp'),
];

test('parseProcNet reads listening TCP sockets and unconnected UDP sockets, in both families', () => {
  const tcp = parseProcNet(TCP, 'tcp').map(describeListener);
  assert.deepEqual(tcp, ['tcp 0.0.0.0:22', 'tcp 127.0.0.53:53', 'tcp 198.51.100.7:8443', 'tcp 10.10.10.10:8000']);
  const tcp6 = parseProcNet(TCP6, 'tcp').map(describeListener);
  assert.deepEqual(tcp6, ['tcp [::]:8080', 'tcp [::1]:631', 'tcp [::ffff:198.51.100.7]:9090', 'tcp [2001:db8::7]:80']);
  const udp = parseProcNet(UDP, 'udp').map(describeListener);
  assert.deepEqual(udp, ['udp 0.0.0.0:68', 'udp 127.0.0.53:53', 'udp 198.51.100.7:123'], 'the connected socket (state 01) is not a listener');
});

test('parseProcNet skips what it cannot read and honours big-endian hosts', () => {
  assert.deepEqual(parseProcNet('garbage\n  0: zz:zz 00:00 0A\n  1: 00000000:0000 00000000:0000 0A\n', 'tcp'), []);
  const be = parseProcNet('   0: C6336407:0016 00000000:0000 0A 0\n', 'tcp', false);
  assert.equal(formatIp(be[0]!.address), '198.51.100.7');
});

test('exclusions: SSH, -e, listeners exposed on a wildcard or monitored address, never loopback-only ones', () => {
  const e = resolveExclusions({
    excludePorts: [{ from: 8000, to: 8100 }],
    sshPorts: [{ from: 22, to: 22 }],
    listeners: listeners(),
    networks: [cidr('198.51.100.7/32'), cidr('2001:db8::/64')],
  });
  assert.deepEqual(e.ports, [
    { from: 22, to: 22 }, { from: 68, to: 68 }, { from: 80, to: 80 }, { from: 123, to: 123 },
    { from: 8000, to: 8100 }, { from: 8443, to: 8443 }, { from: 9090, to: 9090 },
  ]);
  // 53 (127.0.0.53) and 631 (::1) are loopback-only; 10.10.10.10:8000 is not monitored (8000 is excluded by -e anyway)
  assert.ok(!e.reasons.some((r) => r.from === 53 || r.from === 631));
  assert.ok(!e.reasons.some((r) => r.detail === 'tcp 10.10.10.10:8000'));
  assert.match(describeExclusions(e), /^22 \(ssh\), 8000-8100 \(exclude-ports\), 22 \(listening: tcp 0\.0\.0\.0:22\)/);
  assert.ok(e.reasons.some((r) => r.reason === 'listening' && r.detail === 'tcp [::ffff:198.51.100.7]:9090'), 'an IPv4-mapped bind counts as IPv4');
});

test('exclusions: "--ssh-port none" leaves 22 to the sensor unless something listens there', () => {
  const none = resolveExclusions({ excludePorts: [], sshPorts: [], listeners: [], networks: [cidr('198.51.100.0/24')] });
  assert.deepEqual(none.ports, []);
  assert.equal(describeExclusions(none), 'none');
  const sshd = resolveExclusions({ excludePorts: [], sshPorts: [], listeners: parseProcNet(TCP, 'tcp'), networks: [cidr('198.51.100.0/24')] });
  assert.ok(sshd.ports.some((r) => r.from <= 22 && r.to >= 22), 'a listening sshd is never answered');
});

test('exclusions: the metrics port only when bound beyond loopback', () => {
  const base = { excludePorts: [], sshPorts: [], listeners: [], networks: [cidr('198.51.100.0/24')] };
  for (const host of ['127.0.0.1', '127.9.9.9', '::1', 'localhost']) {
    assert.deepEqual(resolveExclusions({ ...base, metricsListen: { host, port: 9108 } }).ports, [], host);
  }
  for (const host of ['0.0.0.0', '::', '198.51.100.7']) {
    assert.deepEqual(resolveExclusions({ ...base, metricsListen: { host, port: 9108 } }).ports, [{ from: 9108, to: 9108 }], host);
  }
});

const template = (family: 4 | 6) => readFileSync(templatePath(family), 'utf8');
const ruleLines = (text: string) => text.split('\n').filter((l) => l.startsWith('-A '));

test('the IPv4 template: our chains only, RETURN before DROP, nothing ACCEPTed', () => {
  const out = renderRules(template(4), {
    family: 4, device: 'eth0', networks: [cidr('198.51.100.7/32'), cidr('2001:db8::/64'), cidr('203.0.113.0/24')],
    ports: [{ from: 22, to: 22 }, { from: 8000, to: 8100 }], notes: ['excluded ports: 22 (ssh)'],
  });
  assert.match(out, /^\*filter$/m);
  assert.match(out, /^COMMIT$/m);
  assert.match(out, /^# excluded ports: 22 \(ssh\)$/m);
  assert.deepEqual(ruleLines(out), [
    '-A SYNBAIT-INPUT -i lo -j RETURN',
    '-A SYNBAIT-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
    '-A SYNBAIT-INPUT -p tcp -m tcp --dport 22 -j RETURN',
    '-A SYNBAIT-INPUT -p tcp -m tcp --dport 8000:8100 -j RETURN',
    '-A SYNBAIT-INPUT -p udp -m udp --dport 22 -j RETURN',
    '-A SYNBAIT-INPUT -p udp -m udp --dport 8000:8100 -j RETURN',
    '-A SYNBAIT-INPUT -d 198.51.100.7/32 -i eth0 -p tcp -j DROP',
    '-A SYNBAIT-INPUT -d 203.0.113.0/24 -i eth0 -p tcp -j DROP',
    '-A SYNBAIT-INPUT -d 198.51.100.7/32 -i eth0 -p udp -j DROP',
    '-A SYNBAIT-INPUT -d 203.0.113.0/24 -i eth0 -p udp -j DROP',
    '-A SYNBAIT-OUTPUT -s 198.51.100.7/32 -o eth0 -p icmp -m icmp --icmp-type 3/4 -j RETURN',
    '-A SYNBAIT-OUTPUT -s 203.0.113.0/24 -o eth0 -p icmp -m icmp --icmp-type 3/4 -j RETURN',
    '-A SYNBAIT-OUTPUT -s 198.51.100.7/32 -o eth0 -p icmp -m icmp --icmp-type 3 -j DROP',
    '-A SYNBAIT-OUTPUT -s 203.0.113.0/24 -o eth0 -p icmp -m icmp --icmp-type 3 -j DROP',
  ]);
  assert.ok(!ruleLines(out).some((l) => /ACCEPT/.test(l)));
  assert.doesNotMatch(out.split('\n').filter((l) => !l.startsWith('#')).join('\n'), /\{\{|\}\}/);
});

test('the IPv6 template drops ICMPv6 type 1 only (never neighbour discovery or packet-too-big)', () => {
  const out = renderRules(template(6), { family: 6, device: 'ens5', networks: [cidr('2001:db8::7/128')], ports: [] });
  const rules = ruleLines(out);
  assert.deepEqual(rules.filter((l) => /icmp/.test(l)), ['-A SYNBAIT-OUTPUT -s 2001:db8::7/128 -o ens5 -p ipv6-icmp -m icmp6 --icmpv6-type 1 -j DROP']);
  assert.ok(!rules.some((l) => /--dport/.test(l)), 'no port lines without excluded ports');
  assert.ok(rules.some((l) => l === '-A SYNBAIT-INPUT -d 2001:db8::7/128 -i ens5 -p tcp -j DROP'));
  assert.ok(!rules.some((l) => /ACCEPT/.test(l)));
});

test('renderRules: nothing for a family without monitored networks; unsafe values and unknown placeholders throw', () => {
  assert.equal(renderRules(template(6), { family: 6, device: 'eth0', networks: [cidr('192.0.2.0/24')], ports: [] }), '');
  assert.throws(() => renderRules(template(4), { family: 4, device: 'eth0 -j ACCEPT', networks: [cidr('192.0.2.0/24')], ports: [] }), { code: 'SYNBAIT_ERR_FIREWALL' });
  assert.throws(() => renderRules(template(4), { family: 4, device: 'eth0', networks: [cidr('192.0.2.0/24')], ports: [{ from: 0, to: 5 }] }), { code: 'SYNBAIT_ERR_FIREWALL' });
  assert.throws(() => renderRules('*filter\n-A X -p {{PROTO}} -j DROP\nCOMMIT\n', { family: 4, device: 'eth0', networks: [cidr('192.0.2.0/24')], ports: [] }), /PROTO/);
  assert.throws(() => renderRules('*filter\n-A X -d {{NETWORK} -j DROP\nCOMMIT\n', { family: 4, device: 'eth0', networks: [cidr('192.0.2.0/24')], ports: [] }), { code: 'SYNBAIT_ERR_FIREWALL' });
});

test('--ssh-port: 22 by default, a list, or none; anything else names the variable', () => {
  const run = (argv: string[], env: Record<string, string> = {}): Settings => {
    const c = parseCommandLine(argv, env, { hostname: 'h' });
    assert.equal(c.kind, 'run');
    return (c as { settings: Settings }).settings;
  };
  assert.deepEqual(run(['-i', 'eth0']).sshPorts, [{ from: 22, to: 22 }]);
  assert.deepEqual(run(['-i', 'eth0', '--ssh-port', '2222,22']).sshPorts, [{ from: 22, to: 22 }, { from: 2222, to: 2222 }]);
  assert.deepEqual(run(['-i', 'eth0'], { SYNBAIT_SSH_PORT: 'none' }).sshPorts, []);
  assert.throws(() => run(['-i', 'eth0'], { SYNBAIT_SSH_PORT: 'ssh' }), (e: Error & { culprit?: string }) => e.culprit === 'SYNBAIT_SSH_PORT');
});

function capture() {
  let text = '';
  return { stream: { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream, text: () => text };
}

test('synbait firewall-rules: the sensor command line after --, the same parser and exit codes', () => {
  const io = (env: Record<string, string> = {}) => {
    const out = capture();
    const err = capture();
    return { io: { stdout: out.stream, stderr: err.stream, env, hostname: 'h', version: '0.0.0-test' }, out, err };
  };
  const deps = { listeners: listeners, deviceAddresses: () => [cidr('198.51.100.7/32'), cidr('2001:db8::7/128')] };

  const a = io({ SYNBAIT_DEVICE: 'eth0' });
  assert.equal(runFirewallRules(['--family', '4', '--', '-e', '9000'], a.io, deps), 0);
  assert.match(a.out.text(), /^# rendered by synbait 0\.0\.0-test firewall-rules --family 4 for device eth0$/m);
  assert.match(a.out.text(), /^# excluded ports: 22 \(ssh\), 9000 \(exclude-ports\), .*8443 \(listening: tcp 198\.51\.100\.7:8443\)/m);
  assert.ok(ruleLines(a.out.text()).includes('-A SYNBAIT-INPUT -p tcp -m tcp --dport 9000 -j RETURN'));
  assert.ok(ruleLines(a.out.text()).includes('-A SYNBAIT-INPUT -d 198.51.100.7/32 -i eth0 -p udp -j DROP'));

  const six = io();
  assert.equal(runFirewallRules(['--family=6', '--', '-i', 'eth1', '-n', '2001:db8::/64', '-n', '192.0.2.0/24'], six.io, deps), 0);
  assert.ok(ruleLines(six.out.text()).includes('-A SYNBAIT-INPUT -d 2001:db8::/64 -i eth1 -p tcp -j DROP'));

  const none = io();
  assert.equal(runFirewallRules(['--family', '6', '--', '-i', 'eth1', '-n', '192.0.2.0/24'], none.io, deps), 0);
  assert.equal(none.out.text(), '', 'no IPv6 network: nothing to install');

  for (const [args, env, pattern] of [
    [['--', '-i', 'eth0'], {}, /--family 4\|6 is required/],
    [['--family', '5', '--', '-i', 'eth0'], {}, /expected 4 or 6/],
    [['--family', '4', '-i', 'eth0'], {}, /sensor flags go after --/],
    [['--family', '4', '--'], {}, /-i\/--device is required/],
    [['--family', '4', '--', '-i', 'eth0', '-n', 'nonsense'], {}, /--network/],
    [['--family', '4', '--', '-i', 'eth0'], { SYNBAIT_NOPE: '1' }, /unknown environment variable SYNBAIT_NOPE/],
    [['--family', '4', '--', 'report'], {}, /unexpected argument|must start the sensor/],
  ] as const) {
    const x = io(env as Record<string, string>);
    assert.equal(runFirewallRules(args, x.io, deps), 2, args.join(' '));
    assert.match(x.err.text(), pattern);
    assert.equal(x.out.text(), '');
  }
  const noAddr = io();
  assert.equal(runFirewallRules(['--family', '4', '--', '-i', 'eth0'], noAddr.io, { ...deps, deviceAddresses: () => [] }), 2);
  assert.match(noAddr.err.text(), /has no IP addresses/);
});
