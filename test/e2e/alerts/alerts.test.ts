// Alerts end to end, as root: the real sensor in a namespace with --webhook-url pointing at an HTTP server that
// runs inside the sensor's namespace (its own loopback: a server in the root namespace is not reachable from
// there). A flood of one exploit gives one alert and a digest; a hanging endpoint slows nothing and does not hang
// the shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createTopology, installLurkerFirewall, isRoot, nsSpawn, type Topology } from '../../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../../helpers/sensor.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';
const SECRET_PATH = '/services/T0E2E/B0E2E/e2e-s3cr3t';

interface Hook { child: ChildProcess; url: string; requests: { atMs: number; body: Record<string, any> }[] }

/** A webhook receiver on the namespace's loopback: answers 200 ("ok") or never ("hang"); one JSON line per request. */
async function startHook(ns: string, mode: 'ok' | 'hang'): Promise<Hook> {
  const script = `
    const http = require('node:http');
    const mode = process.argv[1];
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        console.log(JSON.stringify({ atMs: Date.now(), path: req.url, body: Buffer.concat(chunks).toString('utf8') }));
        if (mode === 'ok') res.end('ok');
      });
    });
    server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
  `;
  const child = nsSpawn(ns, process.execPath, ['-e', script, mode]);
  const hook: Hook = { child, url: '', requests: [] };
  let pending = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`webhook receiver exited ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = JSON.parse(pending.slice(0, nl)) as { port?: number; atMs: number; path: string; body: string };
        pending = pending.slice(nl + 1);
        if (line.port) {
          hook.url = `http://127.0.0.1:${line.port}${SECRET_PATH}`;
          resolve();
        } else {
          assert.equal(line.path, SECRET_PATH);
          hook.requests.push({ atMs: line.atMs, body: JSON.parse(line.body) as Record<string, any> });
        }
      }
    });
  });
  return hook;
}

/** `count` TCP connections from the client namespace, `parallel` at a time, each sending `payload(i)`. */
async function connections(topo: Topology, port: number, count: number, parallel: number, payload: string): Promise<{ connected: number; ms: number }> {
  const script = `
    const net = require('node:net');
    const [host, port, count, parallel, payload] = process.argv.slice(1);
    let next = 0, connected = 0, done = 0;
    const t0 = Date.now();
    const one = () => {
      if (next >= Number(count)) return;
      const i = next++;
      const s = net.connect({ host, port: Number(port) });
      const finish = () => { if (s.finished) return; s.finished = true; s.destroy(); done++; if (done === Number(count)) { console.log(JSON.stringify({ connected, ms: Date.now() - t0 })); process.exit(0); } one(); };
      s.on('connect', () => { connected++; s.end(payload.replace('#', String(i))); });
      s.on('close', finish);
      s.on('error', finish);
      s.setTimeout(5000, finish);
    };
    for (let k = 0; k < Number(parallel); k++) one();
  `;
  const child = nsSpawn(topo.clientNs, process.execPath, ['-e', script, topo.sensorIp4, String(port), String(count), String(parallel), payload]);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(out.trim().split('\n').pop() ?? '{"connected":0,"ms":0}') as { connected: number; ms: number };
}

const ZMEU = 'GET /w00tw00t.at.blackhats.romanian.anti-sec:) HTTP/1.1\r\nHost: 192.0.2.#\r\nUser-Agent: ZmEu\r\n\r\n';

const sensorArgs = (topo: Topology, url: string) => [
  '-i', topo.sensorIf, '-n', topo.net4, '--format', 'json', '--flow-timeout', '1', '--stats-interval', '0',
  '--sensor-id', 'e2e-alerts', '--webhook-url', url, '--alert-digest-interval', '2', '--alert-max-per-minute', '6',
];

describe('alerts from the real sensor to a webhook in its namespace', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;
  let hook: Hook;

  before(async () => {
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    hook = await startHook(topo.sensorNs, 'ok');
    sensor = await startSensor(topo.sensorNs, sensorArgs(topo, hook.url));
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    topo?.cleanup();
  });

  test('40 identical exploits: one alert with the record and its label, then a digest counting the other 39', async () => {
    const res = await connections(topo, 80, 40, 8, ZMEU);
    assert.equal(res.connected, 40);
    await sensor.waitFor(() => (sensor.records.filter((r) => r.dst_port === 80).length >= 40 ? true : undefined), '40 records');
    const deadline = Date.now() + 8000;
    while (!hook.requests.some((r) => r.body.type === 'digest') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const alerts = hook.requests.filter((r) => r.body.type === 'alert');
    const digests = hook.requests.filter((r) => r.body.type === 'digest');
    assert.equal(alerts.length, 1, JSON.stringify(hook.requests.map((r) => r.body.type)));
    const a = alerts[0]!.body;
    assert.equal(a.version, 1);
    assert.equal(a.sensor, 'e2e-alerts');
    assert.ok(a.labels.some((l: { id: string }) => l.id === 'sb-1003'), JSON.stringify(a.labels));
    assert.equal(a.record.dst_ip, topo.sensorIp4);
    assert.equal(a.record.dst_port, 80);
    assert.match(Buffer.from(a.record.payload, 'base64').toString(), /^GET \/w00tw00t/);
    assert.ok(digests.length >= 1, 'a digest within --alert-digest-interval');
    const counted = digests.reduce((s, d) => s + Number(d.body.records), 0);
    assert.equal(counted, 39);
    const zmeu = digests.flatMap((d) => d.body.labels as { id: string; count: number }[]).filter((l) => l.id === 'sb-1003');
    assert.equal(zmeu.reduce((s, l) => s + l.count, 0), 39);
    assert.ok(!JSON.stringify(sensor.logs).includes('e2e-s3cr3t'), 'the webhook URL is never logged');
  });
});

describe('a hanging webhook does not slow the sensor nor hang its shutdown', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;
  let hook: Hook;

  before(async () => {
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    hook = await startHook(topo.sensorNs, 'hang');
    sensor = await startSensor(topo.sensorNs, sensorArgs(topo, hook.url));
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    topo?.cleanup();
  });

  test('while the endpoint never answers, 200 connections (many of them new threats) are all answered and recorded; SIGTERM exits 0 in time', async () => {
    // distinct paths: each a new payload shape, so alerts keep being due while the endpoint hangs
    const res = await connections(topo, 8080, 200, 20, 'GET /probe-#/x HTTP/1.1\r\nUser-Agent: e2e\r\n\r\n');
    assert.equal(res.connected, 200, 'every SYN was answered');
    assert.ok(res.ms < 5000, `200 connections took ${res.ms} ms`);
    await sensor.waitFor(() => (sensor.records.filter((r) => r.dst_port === 8080).length >= 200 ? true : undefined), '200 records', 10_000);
    assert.ok(hook.requests.length >= 1 && hook.requests.length <= 6, `the endpoint saw at most the per-minute budget (${hook.requests.length})`);
    const t0 = Date.now();
    const code = await sensor.stop('SIGTERM');
    const took = Date.now() - t0;
    assert.equal(code, 0);
    assert.ok(took < 5000, `shutdown took ${took} ms`);
    assert.ok(sensor.logs.some((l) => l.event === 'AlertDropped' && l.reason === 'shutdown'), 'what could not be sent is logged as dropped');
  });
});
