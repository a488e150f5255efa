// End to end, as root: the real sensor in one namespace behind lurker's firewall, the real kernel TCP/IP stack and
// real tools (nc, curl, socat, node net) in the other, over IPv4 and IPv6.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopology, installLurkerFirewall, isRoot, nsExec, nsSpawn, type Topology } from '../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../helpers/sensor.ts';
import type { FlowRecord } from '../../src/record/flow-record.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';
const b64 = (r: FlowRecord) => Buffer.from(r.payload, 'base64');

/** A client in the client namespace: connect, send `data`, then wait `holdMs` (or close at once). */
function nodeClient(topo: Topology, host: string, port: number, data: Buffer, opts: { holdMs?: number; end?: boolean; giveUpMs?: number } = {}): Promise<{ connected: boolean; code: number | null }> {
  // the payload travels on stdin: it can be larger than an argument may be
  const script = `
    const net = require('node:net');
    const chunks = [];
    process.stdin.on('data', (d) => chunks.push(d));
    process.stdin.on('end', () => {
      const data = Buffer.concat(chunks);
      const s = net.connect({ host: process.argv[1], port: Number(process.argv[2]) });
      let connected = false;
      s.on('connect', () => { connected = true; s.write(data, () => {
        if (process.argv[4] === '1') s.end();
        setTimeout(() => { console.log(JSON.stringify({ connected })); process.exit(0); }, Number(process.argv[3]));
      }); });
      s.on('error', (e) => { console.log(JSON.stringify({ connected, error: e.code })); process.exit(0); });
      setTimeout(() => { console.log(JSON.stringify({ connected, timeout: true })); process.exit(0); }, Number(process.argv[5]));
    });
  `;
  const child = nsSpawn(topo.clientNs, process.execPath, ['-e', script, host, String(port), String(opts.holdMs ?? 300), opts.end ? '1' : '0', String(opts.giveUpMs ?? 8000)]);
  child.stdin!.end(data);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => {
    let connected = false;
    try { connected = JSON.parse(out.trim().split('\n').pop() ?? '{}').connected === true; } catch { /* no output */ }
    resolve({ connected, code });
  }));
}

describe('sensor end to end', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;

  before(async () => {
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    sensor = await startSensor(topo.sensorNs, [
      '-i', topo.sensorIf, '-n', topo.net4, '-n', topo.net6, '-e', '22', '-e', '8000-8010',
      '--format', 'json', '--flow-timeout', '1', '--stats-interval', '0', '--sensor-id', 'e2e-sensor',
    ]);
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    topo?.cleanup();
  });

  test('the very first frame after start is answered and recorded (one SYN, no retransmission)', async () => {
    // regression: libpcap's "inbound" could not be evaluated for the first frame in the ring, which was lost
    const out = nsExec(topo.clientNs, 'hping3', ['-S', '-c', '1', '-p', '45001', '-s', '52001', topo.sensorIp4], { allowFail: true });
    assert.match(out, /flags=SA/, out);
    const r = await sensor.waitForRecord((x) => x.dst_port === 45001, 'the first SYN');
    assert.equal(r.state, 'syn');
  });

  test('nc over IPv4 to an arbitrary port: an ACKed record with the exact bytes', async () => {
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'hello from nc\\n' | timeout 3 nc -q 1 ${topo.sensorIp4} 31337`], { allowFail: true });
    const r = await sensor.waitForRecord((x) => x.dst_port === 31337, 'nc record');
    assert.equal(r.state, 'acked');
    assert.equal(r.proto, 'tcp');
    assert.equal(r.ip_version, 4);
    assert.equal(r.src_ip, topo.clientIp4);
    assert.equal(r.dst_ip, topo.sensorIp4);
    assert.equal(b64(r).toString(), 'hello from nc\n');
    assert.equal(r.payload_len, 14);
    assert.equal(r.truncated, false);
    assert.equal(r.sensor, 'e2e-sensor');
    assert.match(r.flow_id, /^[0-9A-Z]{26}$/);
    assert.ok(Array.isArray(r.labels));
    assert.ok(!Number.isNaN(Date.parse(r.ts)));
    assert.equal(r.schema, 1);
  });

  test('curl over IPv4 and IPv6: the HTTP request arrives whole', async () => {
    nsExec(topo.clientNs, 'curl', ['-s', '-m', '2', '-A', 'e2e-curl/1.0', `http://${topo.sensorIp4}:8080/probe-v4?x=1`], { allowFail: true });
    nsExec(topo.clientNs, 'curl', ['-s', '-m', '2', '-A', 'e2e-curl/1.0', `http://[${topo.sensorIp6}]:8081/probe-v6`], { allowFail: true });
    const v4 = await sensor.waitForRecord((x) => x.dst_port === 8080, 'curl v4 record');
    const v6 = await sensor.waitForRecord((x) => x.dst_port === 8081, 'curl v6 record');
    assert.match(b64(v4).toString(), /^GET \/probe-v4\?x=1 HTTP\/1\.1\r\nHost: 198\.18\.\d+\.1:8080\r\nUser-Agent: e2e-curl\/1\.0\r\nAccept: \*\/\*\r\n\r\n$/);
    assert.equal(v6.ip_version, 6);
    assert.equal(v6.src_ip, topo.clientIp6);
    assert.equal(v6.dst_ip, topo.sensorIp6);
    assert.match(b64(v6).toString(), /^GET \/probe-v6 HTTP\/1\.1\r\n/);
    assert.equal(v6.state, 'acked');
  });

  test('a payload larger than one segment (node net, 50 kB of varied bytes; 100 kB over the limit) is reassembled exactly, up to max-payload', async () => {
    const data = Buffer.alloc(50_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const res = await nodeClient(topo, topo.sensorIp4, 40123, data, { holdMs: 500, end: true });
    assert.ok(res.connected, 'the kernel completed the handshake with our SYN-ACK');
    const r = await sensor.waitForRecord((x) => x.dst_port === 40123, 'large record');
    assert.equal(r.payload_len, 50_000);
    assert.ok(b64(r).equals(data), 'bytes identical');
    assert.equal(r.end_reason, 'fin');
    assert.ok(r.segments > 1, `segments ${r.segments}`);
    const big = Buffer.alloc(100_000, 0x5a);
    await nodeClient(topo, `${topo.sensorIp6}`, 40124, big, { holdMs: 800, end: true });
    const r6 = await sensor.waitForRecord((x) => x.dst_port === 40124, 'over-limit record');
    assert.equal(r6.payload_len, 65536);
    assert.equal(r6.truncated, true);
  });

  test('an excluded port gets no answer (no SYN-ACK, no RST) and no record', async () => {
    const res = await nodeClient(topo, topo.sensorIp4, 8005, Buffer.from('x'), { holdMs: 100, giveUpMs: 2500 });
    assert.equal(res.connected, false);
    const ssh = nsExec(topo.clientNs, 'sh', ['-c', `timeout 2 nc -z -w 1 ${topo.sensorIp4} 22; echo rc=$?`], { allowFail: true });
    assert.match(ssh, /rc=[1-9]/, 'port 22 is neither answered nor reset');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sensor.records.filter((x) => x.dst_port === 8005 || x.dst_port === 22).length, 0);
  });

  test('a SYN without a handshake gives a "syn" record (hping3)', async () => {
    nsExec(topo.clientNs, 'hping3', ['-S', '-c', '1', '-p', '45678', '-s', '51000', '-k', topo.sensorIp4], { allowFail: true });
    const r = await sensor.waitForRecord((x) => x.dst_port === 45678, 'syn record');
    assert.equal(r.state, 'syn');
    assert.equal(r.payload, '');
    assert.equal(r.payload_len, 0);
    assert.equal(r.src_port, 51000);
    assert.ok(r.syn && r.syn.ttl === 64);
  });

  test('UDP datagrams are recorded (IPv4 and IPv6) and get no ICMP port unreachable', async () => {
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'udp-probe-4' | socat -u - UDP4-SENDTO:${topo.sensorIp4}:5060,sourceport=5070`]);
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'udp-probe-6' | socat -u - UDP6-SENDTO:[${topo.sensorIp6}]:161`]);
    const r4 = await sensor.waitForRecord((x) => x.proto === 'udp' && x.dst_port === 5060, 'udp v4 record');
    const r6 = await sensor.waitForRecord((x) => x.proto === 'udp' && x.dst_port === 161, 'udp v6 record');
    assert.equal(b64(r4).toString(), 'udp-probe-4');
    assert.equal(r4.state, 'udp');
    assert.equal(r4.src_port, 5070);
    assert.equal(b64(r6).toString(), 'udp-probe-6');
    assert.equal(r6.ip_version, 6);
  });

  test('SIGTERM emits every open flow, flushes, and exits 0 within 5 seconds', async () => {
    // a connection left open (no FIN, longer than nothing): recorded only because of the shutdown
    const pending = nodeClient(topo, topo.sensorIp4, 7777, Buffer.from('still open'), { holdMs: 3000 });
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    const code = await sensor.stop('SIGTERM');
    const took = Date.now() - started;
    assert.equal(code, 0);
    assert.ok(took < 5000, `took ${took} ms`);
    const r = sensor.records.find((x) => x.dst_port === 7777);
    assert.ok(r, 'the open flow was recorded at shutdown');
    assert.equal(r.end_reason, 'shutdown');
    assert.equal(b64(r).toString(), 'still open');
    assert.ok(sensor.logs.some((l) => l.event === 'SensorStopped'));
    await pending;
  });
});
