// End to end, as root: greeted ports against real clients from Debian in the client namespace (telnet, busybox
// telnet, hydra, curl, openssh-client, nmap), the real sensor behind lurker's firewall in the other. The records
// must hold what the clients typed, and the HASSH the HASSH method gives for the client (tshark computes it
// independently from a capture of the same connection).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, installLurkerFirewall, isRoot, nsExec, type Topology } from '../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../helpers/sensor.ts';
import { labelKey, type FlowRecord } from '../../src/record/flow-record.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';

type Facts = Record<string, { attempts?: { user: string; password: string }[] } & Record<string, unknown>>;
const factsOf = (r: FlowRecord) => (r.facts ?? {}) as Facts;
const attemptsOn = (s: SensorProcess, port: number) => s.records.filter((r) => r.dst_port === port).flatMap((r) => Object.values(factsOf(r)).flatMap((f) => (typeof f === 'object' && f && Array.isArray(f.attempts) ? f.attempts : [])));
const labelIds = (r: FlowRecord) => r.labels.map(labelKey);

/** A shell command in the client namespace; output (stdout and stderr) whatever the exit status. */
function client(topo: Topology, cmd: string): string {
  return nsExec(topo.clientNs, 'sh', ['-c', `${cmd} 2>&1; true`]);
}

const GREET = ['--greet', '23,2323=telnet', '--greet', '2222=ssh', '--greet', '21,2121=ftp', '--greet', '25=smtp', '--greet', '110=pop3',
  '--greet', '143=imap', '--greet', '5900=vnc', '--greet', '3306=mysql'];

describe('greetings end to end', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'synbait-greet-'));
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    sensor = await startSensor(topo.sensorNs, [
      '-i', topo.sensorIf, '-n', topo.net4, '-n', topo.net6, '--format', 'json', '--flow-timeout', '2', '--stats-interval', '0', ...GREET,
    ]);
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    topo?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('telnet (netkit) typing at the prompts: three refused logins, each attempt in the record, then closed', { timeout: 30_000 }, async () => {
    const out = client(topo, `(sleep 0.4; printf 'root\\n'; sleep 0.3; printf 'xc3511\\n'; sleep 0.3; printf 'admin\\n'; sleep 0.3; printf 'admin\\n'; sleep 0.3; printf 'guest\\n'; sleep 0.3; printf 'guest\\n'; sleep 1) | timeout 6 telnet ${topo.sensorIp4} 23`);
    assert.match(out, /login: .*Password: .*Login incorrect/s, out);
    assert.match(out, /Connection closed by foreign host/, 'the server closed after the third refusal');
    const r = await sensor.waitForRecord((x) => x.dst_port === 23 && x.dialogue?.ended === true, 'the telnet record');
    assert.deepEqual(factsOf(r).telnet!.attempts, [{ user: 'root', password: 'xc3511' }, { user: 'admin', password: 'admin' }, { user: 'guest', password: 'guest' }]);
    assert.equal(r.facts!.app, 'telnet');
    assert.ok(labelIds(r).includes('sb-3101'), `Mirai's root:xc3511: ${labelIds(r)}`);
    const server = Buffer.from(r.dialogue!.server, 'base64').toString('latin1');
    assert.ok(server.startsWith('\xff\xfd\x01\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03'), 'busybox telnetd negotiation first');
    assert.equal(server.match(/Login incorrect/g)?.length, 3);
    assert.equal(r.dialogue!.turns[0]![0], 's', 'the server spoke first');
    assert.equal(r.end_reason, 'fin');
  });

  test('busybox telnet: the login attempt is recorded', { timeout: 30_000 }, async () => {
    client(topo, `(sleep 0.4; printf 'support\\n'; sleep 0.3; printf 'support\\n'; sleep 0.8) | timeout 5 busybox telnet ${topo.sensorIp4} 2323`);
    await sensor.waitFor(() => (attemptsOn(sensor, 2323).some((a) => a.user === 'support') ? true : undefined), 'busybox telnet attempt');
    assert.deepEqual(attemptsOn(sensor, 2323).filter((a) => a.user === 'support'), [{ user: 'support', password: 'support' }]);
  });

  test('hydra against telnet and ftp: the records hold the pairs it sent', { timeout: 90_000 }, async () => {
    writeFileSync(join(dir, 'users'), 'admin\nroot\n');
    writeFileSync(join(dir, 'pass'), '1234\nxc3511\n');
    const pairs = new Set(['admin:1234', 'admin:xc3511', 'root:1234', 'root:xc3511']);
    const seen = (port: number) => new Set(attemptsOn(sensor, port).map((a) => `${a.user}:${a.password}`).filter((p) => pairs.has(p)));
    // FTP: hydra sends all four pairs (three on one connection, until we close, and one on the next)
    let out = client(topo, `cd ${dir} && timeout 60 hydra -L users -P pass -t 1 -I ftp://${topo.sensorIp4}`);
    assert.match(out, /0 valid password/, out);
    await sensor.waitFor(() => (seen(21).size === 4 ? true : undefined), 'hydra ftp attempts', 15_000);
    // telnet: hydra answers each "Login incorrect" with an empty line, which re-prompts (as login does) and shifts
    // its own idea of which prompt it answers; the records hold what it actually sent
    out = client(topo, `cd ${dir} && timeout 60 hydra -L users -P pass -t 1 -I telnet://${topo.sensorIp4}:2323`);
    assert.match(out, /0 valid password/, out);
    await sensor.waitFor(() => (seen(2323).has('admin:1234') && seen(2323).has('admin:xc3511') ? true : undefined), 'hydra telnet attempts', 15_000);
  });

  test('curl ftp:// and smtp://: the login and the envelope', { timeout: 30_000 }, async () => {
    client(topo, `curl -s --max-time 5 ftp://anonymous:guest%40example.org@${topo.sensorIp4}/pub/`);
    await sensor.waitFor(() => (attemptsOn(sensor, 21).some((a) => a.user === 'anonymous') ? true : undefined), 'curl ftp login');
    assert.ok(attemptsOn(sensor, 21).some((a) => a.user === 'anonymous' && a.password === 'guest@example.org'));
    writeFileSync(join(dir, 'mail.txt'), 'Subject: relay test\r\n\r\nhello\r\n');
    const out = client(topo, `curl -sv --max-time 5 smtp://${topo.sensorIp4} --mail-from spammer@example.org --mail-rcpt victim@example.net --mail-rcpt other@example.com -T ${join(dir, 'mail.txt')}`);
    assert.match(out, /250 2\.0\.0 Ok: queued as [0-9A-F]{10}/, out);
    const r = await sensor.waitForRecord((x) => x.dst_port === 25 && factsOf(x).smtp?.mail_from !== undefined, 'the smtp record');
    const smtp = factsOf(r).smtp!;
    assert.equal(smtp.mail_from, 'spammer@example.org');
    assert.deepEqual(smtp.rcpt_to, ['victim@example.net', 'other@example.com']);
    assert.equal(smtp.subject, 'relay test');
    assert.equal(smtp.messages, 1);
    assert.equal(typeof smtp.helo, 'string');
  });

  test('ssh -p 2222: the client version, and the HASSH tshark computes from a capture of the same connection', { timeout: 30_000 }, async () => {
    const pcap = join(dir, 'ssh.pcap');
    client(topo, `timeout 15 tcpdump -i ${topo.clientIf} -U -w ${pcap} tcp port 2222 >/dev/null 2>&1 & tp=$!; sleep 1; ` +
      `timeout 10 ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -p 2222 root@${topo.sensorIp4} true; sleep 1; kill $tp; wait $tp`);
    const want = nsExec(topo.clientNs, 'tshark', ['-r', pcap, '-d', 'tcp.port==2222,ssh', '-Y', 'ssh.kex.hassh', '-T', 'fields', '-e', 'ssh.kex.hassh']).trim();
    assert.match(want, /^[0-9a-f]{32}$/, `tshark's HASSH: ${want}`);
    const r = await sensor.waitForRecord((x) => x.dst_port === 2222 && x.dialogue?.ended === true, 'the ssh record');
    const ssh = factsOf(r).ssh!;
    const version = nsExec(topo.clientNs, 'ssh', ['-V'], { allowFail: true }) || client(topo, 'ssh -V');
    assert.equal(ssh.client_version, /^(OpenSSH_\S+?),? /.exec(version)?.[1]);
    assert.equal(ssh.hassh, want);
    assert.match(String(ssh.kex_algorithms), /curve25519-sha256/);
    assert.match(Buffer.from(r.dialogue!.server, 'base64').toString('latin1'), /^SSH-2\.0-OpenSSH_9\.2p1 Debian-2\+deb12u10\r\n/);
  });

  test('nmap -sV takes every greeting for the real server', { timeout: 150_000 }, async () => {
    const out = client(topo, `timeout 120 nmap -sV -Pn -n -p 21,23,25,110,143,2222,3306,5900 ${topo.sensorIp4}`);
    for (const want of [/21\/tcp\s+open\s+ftp\s+vsftpd 3\.0\.3/, /23\/tcp\s+open\s+telnet\s+BusyBox telnetd/, /25\/tcp\s+open\s+smtp\s+Postfix smtpd/,
      /110\/tcp\s+open\s+pop3\s+Dovecot pop3d/, /143\/tcp\s+open\s+imap\s+Dovecot imapd/, /2222\/tcp\s+open\s+ssh\s+OpenSSH 9\.2p1 Debian/,
      /3306\/tcp\s+open\s+mysql\s+MySQL 8\.0\.40/, /5900\/tcp\s+open\s+vnc\s+VNC \(protocol 3\.8\)/]) {
      assert.match(out, want, out);
    }
  });

  test('hydra against vnc, mysql, pop3 and imap: what each client said is in facts', { timeout: 90_000 }, async () => {
    writeFileSync(join(dir, 'one'), 'hunter2\n');
    client(topo, `cd ${dir} && timeout 30 hydra -P one -t 1 -I vnc://${topo.sensorIp4}`);
    const vnc = await sensor.waitForRecord((x) => x.dst_port === 5900 && factsOf(x).vnc?.response !== undefined, 'the vnc record');
    assert.match(String(factsOf(vnc).vnc!.response), /^[0-9a-f]{32}$/);
    assert.match(String(factsOf(vnc).vnc!.challenge), /^[0-9a-f]{32}$/);
    assert.equal(factsOf(vnc).vnc!.security_type, 2);
    client(topo, `cd ${dir} && timeout 30 hydra -l dbadmin -P one -t 1 -I mysql://${topo.sensorIp4}`);
    const my = await sensor.waitForRecord((x) => x.dst_port === 3306 && factsOf(x).mysql?.user === 'dbadmin', 'the mysql record');
    assert.match(Buffer.from(my.dialogue!.server, 'base64').toString('latin1'), /Access denied for user 'dbadmin'/);
    for (const [svc, port] of [['pop3', 110], ['imap', 143]] as const) {
      client(topo, `cd ${dir} && timeout 30 hydra -l mailuser -P one -t 1 -I ${svc}://${topo.sensorIp4}`);
      await sensor.waitFor(() => (attemptsOn(sensor, port).some((a) => a.user === 'mailuser' && a.password === 'hunter2') ? true : undefined), `hydra ${svc}`);
    }
  });

  test('a lost greeting is retransmitted, and the dialogue goes on', { timeout: 30_000 }, async () => {
    // drop the first data segment from port 2121 on its way into the client (our frames bypass the sensor's OUTPUT)
    const rule = ['INPUT', '-p', 'tcp', '--sport', '2121', '--tcp-flags', 'PSH', 'PSH', '-m', 'statistic', '--mode', 'nth', '--every', '1000000', '--packet', '0', '-j', 'DROP'];
    nsExec(topo.clientNs, 'iptables', ['-I', ...rule]);
    try {
      client(topo, `curl -s --max-time 8 ftp://lost:greeting@${topo.sensorIp4}:2121/`);
      const dropped = nsExec(topo.clientNs, 'iptables', ['-L', 'INPUT', '-v', '-n', '-x']);
      assert.match(dropped, /^\s*1\s+\d+\s+DROP/m, `exactly one segment dropped:\n${dropped}`);
    } finally {
      nsExec(topo.clientNs, 'iptables', ['-D', ...rule], { allowFail: true });
    }
    const r = await sensor.waitForRecord((x) => x.dst_port === 2121 && attemptsOn(sensor, 2121).length > 0, 'the ftp record on 2121');
    assert.ok(r.dialogue!.retransmits >= 1, `retransmits ${r.dialogue!.retransmits}`);
    assert.deepEqual(attemptsOn(sensor, 2121), [{ user: 'lost', password: 'greeting' }]);
  });
});

describe('greetings by default', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;

  before(async () => {
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    sensor = await startSensor(topo.sensorNs, ['-i', topo.sensorIf, '-n', topo.net4, '--format', 'json', '--flow-timeout', '1', '--stats-interval', '0']);
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    topo?.cleanup();
  });

  test('without --greet: telnet on 23 and 2323, ssh on 2222, every other port client-first', { timeout: 30_000 }, async () => {
    const read = (port: number) => client(topo, `timeout 2 nc -w 1 ${topo.sensorIp4} ${port} </dev/null | head -c 64 | od -An -c | tr -d ' \\n'`);
    assert.match(read(23), /^377375001/, 'IAC DO ECHO on 23');
    assert.match(read(2323), /^377375001/, 'and on 2323');
    assert.match(read(2222), /^SSH-2\.0-OpenSSH_9\.2p1/);
    assert.equal(read(21), '', 'port 21 says nothing');
    const started = sensor.logs.find((l) => l.event === 'SensorStarting') as { settings?: { greet?: string[] } } | undefined;
    assert.deepEqual(started?.settings?.greet, ['23=telnet', '2323=telnet', '2222=ssh']);
  });
});
