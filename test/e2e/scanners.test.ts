// Real scanners against the sensor: nmap SYN scan, masscan, nmap service probes. They must see every monitored
// port open and the excluded ones filtered, and what they send must be recorded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopology, installLurkerFirewall, isRoot, nsExec, type Topology } from '../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../helpers/sensor.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';

describe('real scanners', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;

  before(async () => {
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    sensor = await startSensor(topo.sensorNs, [
      '-i', topo.sensorIf, '-n', topo.net4, '-n', topo.net6, '-e', '22', '-e', '8000-8010',
      '--format', 'json', '--flow-timeout', '2', '--stats-interval', '0',
      // masscan sends thousands of SYNs a second from one address: lift the per-destination reflection cap
      '--syn-rate-per-dest', '0',
    ]);
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    topo?.cleanup();
  });

  test('nmap -sS sees monitored ports open and excluded ports filtered (IPv4 and IPv6)', () => {
    const out = nsExec(topo.clientNs, 'nmap', ['-sS', '-Pn', '-n', '--max-retries', '1', '-p', '20-25,80,443,3389,8000-8010', '-oG', '-', topo.sensorIp4]);
    const ports = /Ports: ([^\t\n]*)/.exec(out)?.[1] ?? '';
    for (const p of [20, 21, 23, 24, 25, 80, 443, 3389]) assert.match(ports, new RegExp(`\\b${p}/open/tcp`), `port ${p}: ${ports}`);
    assert.doesNotMatch(ports, /\b22\/open/);
    assert.doesNotMatch(ports, /\b800\d\/open|\b8010\/open/);
    const out6 = nsExec(topo.clientNs, 'nmap', ['-6', '-sS', '-Pn', '-n', '--max-retries', '1', '-p', '22,80,5432', '-oG', '-', topo.sensorIp6]);
    assert.match(out6, /80\/open\/tcp/);
    assert.match(out6, /5432\/open\/tcp/);
    assert.doesNotMatch(out6, /22\/open/);
  });

  test("nmap's RSTs end the SYN-only attempts as 'syn' records with nmap's SYN fingerprint", async () => {
    const r = await sensor.waitForRecord((x) => x.dst_port === 3389 && x.state === 'syn', 'nmap syn record');
    assert.equal(r.end_reason, 'rst');
    // nmap's raw SYN: one MSS option, window 1024
    assert.equal(r.syn?.options, 'mss:1460');
    assert.equal(r.syn?.window, 1024);
  });

  test('masscan finds every monitored port in a range and none of the excluded ones', () => {
    // the client namespace has no default route: tell masscan the next hop's MAC, as on a LAN
    const out = nsExec(topo.clientNs, 'timeout', ['60', 'masscan', topo.sensorIp4, '-p', '1-2000,7990-8020', '--rate', '2000', '--wait', '3', '-e', topo.clientIf, '--router-mac', topo.sensorMac], { allowFail: true });
    const found = new Set([...out.matchAll(/Discovered open port (\d+)\/tcp/g)].map((m) => Number(m[1])));
    assert.ok(found.size >= 1800, `masscan found ${found.size} open ports`);
    assert.ok(!found.has(22));
    for (let p = 8000; p <= 8010; p++) assert.ok(!found.has(p), `excluded ${p}`);
  });

  test("masscan's SYNs are recorded with masscan's fingerprint (TTL 255, window 1024, no options)", async () => {
    const r = await sensor.waitForRecord((x) => x.state === 'syn' && x.dst_port === 1999, 'masscan syn record');
    assert.deepEqual({ ttl: r.syn?.ttl, window: r.syn?.window, options: r.syn?.options }, { ttl: 255, window: 1024, options: '' });
  });

  test("nmap service detection completes handshakes and its probes are recorded with their bytes", async () => {
    nsExec(topo.clientNs, 'nmap', ['-sV', '-Pn', '-n', '--version-intensity', '2', '-p', '8081', topo.sensorIp4], { allowFail: true });
    const r = await sensor.waitForRecord((x) => x.dst_port === 8081 && x.state === 'acked' && x.payload_len > 0, 'a service probe');
    const text = Buffer.from(r.payload, 'base64').toString('latin1');
    assert.match(text, /HTTP\/1\.0|OPTIONS|\r\n/, text.slice(0, 200));
  });
});
