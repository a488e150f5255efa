// -a end to end, as root, with three parties on one Ethernet segment (a bridge in a namespace of its own): a
// client, the sensor, and a live host with a real TCP listener. Real kernels do the ARP (arping from iputils,
// the client's own neighbour resolution); the sensor is the real `synbait` command.
//
// Proves: the live host's address is never claimed and stays reachable; an unused address is claimed after the
// window and a connection to it is recorded; the gateway is never claimed; when the live host takes a claimed
// address, announcing it (arping -U) or silently (found by the recheck probe), the sensor lets go and the live
// host is reachable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createLan, type Lan } from '../../helpers/lan.ts';
import { installLurkerFirewall, isRoot, nsExec, nsSpawn } from '../../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../../helpers/sensor.ts';

const hasArping = spawnSync('arping', ['-V'], { stdio: 'ignore' }).status === 0;
const skip = !isRoot() ? 'end-to-end tests need root (network namespaces)' : !hasArping ? 'needs arping (Debian package iputils-arping)' : false;

/** Runs a command in a namespace without blocking the event loop (the sensor's output must keep flowing). */
function run(ns: string, cmd: string, args: string[], timeoutMs = 20_000): Promise<{ stdout: string; code: number | null }> {
  const child = nsSpawn(ns, cmd, args);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stdout += d.toString()));
  const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.on('exit', (code) => { clearTimeout(t); resolve({ stdout, code }); }));
}

/** Connects from `ns`, sends `data`, collects what the server says within `holdMs`. */
async function tcp(ns: string, host: string, port: number, data: string, opts: { holdMs?: number; giveUpMs?: number } = {}): Promise<{ connected: boolean; received: string }> {
  const script = `
    const net = require('node:net');
    const [host, port, data, hold, giveUp] = process.argv.slice(1);
    let connected = false, received = '';
    const done = (extra) => { console.log(JSON.stringify({ connected, received, ...extra })); process.exit(0); };
    const s = net.connect({ host, port: Number(port) });
    s.on('connect', () => { connected = true; s.write(data); setTimeout(() => { s.end(); done({}); }, Number(hold)); });
    s.on('data', (d) => (received += d.toString('latin1')));
    s.on('error', (e) => done({ error: e.code }));
    setTimeout(() => done({ timeout: true }), Number(giveUp));
  `;
  const r = await run(ns, process.execPath, ['-e', script, host, String(port), data, String(opts.holdMs ?? 500), String(opts.giveUpMs ?? 10_000)], (opts.giveUpMs ?? 10_000) + 5000);
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  try {
    const o = JSON.parse(last) as { connected?: boolean; received?: string };
    return { connected: o.connected === true, received: o.received ?? '' };
  } catch {
    return { connected: false, received: '' };
  }
}

/** arping's "reply from IP [MAC]" lines, as MACs (lower case). */
const replyMacs = (out: string, ip: string) =>
  [...out.matchAll(/reply from ([\d.]+) \[([0-9A-Fa-f:]{17})\]/g)].filter((m) => m[1] === ip).map((m) => m[2]!.toLowerCase());

describe('-a/--arp-spoof on a shared segment (client, sensor, live host)', { skip }, () => {
  let lan: Lan;
  let sensor: SensorProcess;
  let ip: (last: number) => string;

  before(async () => {
    lan = createLan({ sensor: 1, client: 2, live: 3 });
    ip = (last) => `${lan.prefix}.${last}`;
    const { sensor: s, live } = lan.hosts;
    // a gateway that the sensor must never claim, although nobody answers for it
    nsExec(s!.ns, 'ip', ['route', 'add', 'default', 'via', ip(254)]);
    installLurkerFirewall(s!.ns);
    // the live host answers on every address it has (it will take more of them later)
    const server = `require('node:net').createServer((c) => { c.on('error', () => {}); c.end('live-host\\n'); }).listen(8080, '0.0.0.0', () => console.log('listening'));`;
    const srv = nsSpawn(live!.ns, process.execPath, ['-e', server]);
    await new Promise<void>((resolve, reject) => {
      srv.stdout!.once('data', () => resolve());
      srv.once('exit', (code) => reject(new Error(`live server exited ${code}`)));
    });
    sensor = await startSensor(s!.ns, [
      '-i', s!.ifname, '-n', lan.net4, '-n', 'fd00:5b::/64', '-a', '--arp-recheck-interval', '2',
      '--format', 'json', '--flow-timeout', '1', '--stats-interval', '0', '--sensor-id', 'e2e-arp',
    ]);
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    lan?.cleanup();
  });

  const claimed = (addr: string) => sensor.logs.find((l) => l.event === 'AddressClaimed' && l.address === addr);
  const released = (addr: string) => sensor.logs.find((l) => l.event === 'AddressReleased' && l.address === addr);

  test('start-up: the filter passes ARP, the gateway is never claimed, IPv6 is an explicit no-op', () => {
    const started = sensor.logs.find((l) => l.event === 'SensorStarted')!;
    assert.match(String(started.filter), /\(arp and not ether src [0-9a-f:]{17}\)/);
    const enabled = sensor.logs.find((l) => l.event === 'ArpClaimingEnabled');
    assert.ok(enabled, 'ArpClaimingEnabled logged');
    assert.deepEqual(enabled.never_claimed, [ip(254)]);
    assert.equal(enabled.mac, lan.hosts.sensor!.mac);
    const v6 = sensor.logs.find((l) => l.event === 'ArpIpv6NotClaimed');
    assert.deepEqual(v6?.networks, ['fd00:5b::/64']);
  });

  test('repeated requests: an unused address is claimed after the window, the live one and the gateway never are', async () => {
    const c = lan.hosts.client!;
    // arping asks once a second; the default is 3 unanswered requests spanning >= 5 s, then ~1.5 s of probes.
    // -b: broadcast every request (arping otherwise goes unicast after the first reply), so the sensor sees all
    // ten requests for the live host, and only our probes can tell it that the host is alive: its replies to the
    // client are unicast, and the bridge never shows them to the sensor
    const started = Date.now();
    const [unused, unused2, liveHost, gateway] = await Promise.all([50, 60, 3, 254].map((last) =>
      run(c.ns, 'arping', ['-b', '-c', '10', '-w', '12', '-I', c.ifname, ip(last)])));
    const sensorMac = lan.hosts.sensor!.mac;
    const liveMac = lan.hosts.live!.mac;
    const c50 = claimed(ip(50));
    assert.ok(c50, `AddressClaimed for ${ip(50)}; logs: ${JSON.stringify(sensor.logs.slice(-8))}`);
    assert.ok(Number(c50.first_request_ms_ago) >= 5000, `claimed only after the window (${c50.first_request_ms_ago} ms)`);
    assert.ok(Number(c50.requests) >= 3);
    const macs50 = replyMacs(unused.stdout, ip(50));
    assert.ok(macs50.length >= 2 && macs50.every((m) => m === sensorMac), `arping got our replies: ${unused.stdout}`);
    assert.ok(macs50.length <= 5, `the first requests went unanswered: ${unused.stdout}`);
    assert.ok(claimed(ip(60)), `AddressClaimed for ${ip(60)}`);
    assert.ok(replyMacs(unused2.stdout, ip(60)).length >= 2);
    // the live host: every reply is its own, never ours, and the sensor never claimed it
    const macs3 = replyMacs(liveHost.stdout, ip(3));
    assert.ok(macs3.length >= 9, `the live host answered: ${liveHost.stdout}`);
    assert.ok(macs3.every((m) => m === liveMac), `only the live host answered for ${ip(3)}: ${macs3.join(' ')}`);
    assert.equal(claimed(ip(3)), undefined);
    // the gateway: nobody answers, and neither do we
    assert.equal(replyMacs(gateway.stdout, ip(254)).length, 0, gateway.stdout);
    assert.equal(claimed(ip(254)), undefined);
    assert.ok(Date.now() - started < 20_000);
  });

  test('a TCP connection to the claimed address is answered by the sensor and recorded', async () => {
    const c = lan.hosts.client!;
    const res = await tcp(c.ns, ip(50), 8080, 'hello claimed address\n', { holdMs: 300 });
    assert.equal(res.connected, true, 'the handshake completed with our SYN-ACK');
    assert.equal(res.received, '', 'a honeypot says nothing');
    const r = await sensor.waitForRecord((x) => x.dst_ip === ip(50) && x.dst_port === 8080, 'record for the claimed address');
    assert.equal(r.src_ip, c.ip4);
    assert.equal(r.state, 'acked');
    assert.equal(Buffer.from(r.payload, 'base64').toString(), 'hello claimed address\n');
  });

  test('the live host stays reachable, and nothing to it is recorded', async () => {
    const res = await tcp(lan.hosts.client!.ns, ip(3), 8080, 'hi live\n');
    assert.equal(res.connected, true);
    assert.equal(res.received, 'live-host\n');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sensor.records.filter((x) => x.dst_ip === ip(3)).length, 0);
    assert.equal(claimed(ip(3)), undefined);
  });

  test('the live host announces a claimed address (gratuitous ARP): released at once, logged, reachable', async () => {
    const { live, client } = lan.hosts;
    nsExec(live!.ns, 'ip', ['addr', 'add', `${ip(50)}/24`, 'dev', live!.ifname]);
    await run(live!.ns, 'arping', ['-U', '-c', '2', '-I', live!.ifname, ip(50)]);
    const rel = await sensor.waitFor(() => released(ip(50)), 'AddressReleased for the announced address', 5000);
    assert.equal(rel.owner_mac, live!.mac);
    assert.equal(rel.reason, 'gratuitous_arp');
    const res = await tcp(client!.ns, ip(50), 8080, 'who are you\n');
    assert.equal(res.connected, true);
    assert.equal(res.received, 'live-host\n', 'the client reaches the live host, not the sensor');
  });

  test('the live host takes a claimed address silently: the recheck probe finds it, the sensor lets go', async () => {
    const { live, client } = lan.hosts;
    assert.ok(claimed(ip(60)) && !released(ip(60)));
    // Linux sends no gratuitous ARP when an IPv4 address is added
    nsExec(live!.ns, 'ip', ['addr', 'add', `${ip(60)}/24`, 'dev', live!.ifname]);
    await new Promise((r) => setTimeout(r, 2500)); // longer than --arp-recheck-interval 2
    assert.equal(released(ip(60)), undefined, 'nothing told the sensor yet');
    // a client that has not talked to it before asks: the sensor probes instead of answering, the owner answers
    nsExec(client!.ns, 'ip', ['neigh', 'flush', 'to', ip(60)], { allowFail: true });
    const res = await tcp(client!.ns, ip(60), 8080, 'anyone\n');
    assert.equal(res.received, 'live-host\n');
    const rel = await sensor.waitFor(() => released(ip(60)), 'AddressReleased for the silent owner', 5000);
    assert.equal(rel.owner_mac, live!.mac);
    assert.equal(rel.reason, 'arp_reply');
    assert.equal(sensor.records.filter((x) => x.dst_ip === ip(60)).length, 0);
  });

  test('a released address is not claimed again while its owner is remembered; SIGTERM exits 0', async () => {
    const c = lan.hosts.client!;
    nsExec(lan.hosts.live!.ns, 'ip', ['addr', 'del', `${ip(50)}/24`, 'dev', lan.hosts.live!.ifname]);
    const r = await run(c.ns, 'arping', ['-b', '-c', '8', '-w', '10', '-I', c.ifname, ip(50)]);
    assert.equal(replyMacs(r.stdout, ip(50)).length, 0, `nobody answers: the owner left, and we wait: ${r.stdout}`);
    assert.equal(sensor.logs.filter((l) => l.event === 'AddressClaimed' && l.address === ip(50)).length, 1);
    assert.equal(await sensor.stop('SIGTERM'), 0);
  });
});
