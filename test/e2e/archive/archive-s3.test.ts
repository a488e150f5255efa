// End to end, as root: the real sensor in a network namespace with --archive-dir, --pcap and uploads to a real S3
// protocol server (s3rver) on the namespace's loopback, real TCP traffic from the client namespace.
//   1. S3 goes down for several seconds while traffic keeps coming: after SIGTERM the bucket holds exactly the
//      records the sensor printed, the spool is empty, and tshark reads the uploaded pcaps.
//   2. SIGKILL mid-write, restart on the same spool: every record flushed before the kill reaches the bucket.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FlowRecord } from '../../../src/record/flow-record.ts';
import { parseRecordLine } from '../../../src/record/ndjson.ts';
import { createTopology, installLurkerFirewall, isRoot, nsSpawn, type Topology } from '../../helpers/netns.ts';
import { startS3rver, type RunningS3rver } from '../../helpers/s3rver.ts';
import { startSensor, type SensorProcess } from '../../helpers/sensor.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';
const BUCKET = 'synbait-e2e';
const SENSOR = 'e2e-archive';

/** Connects to the sensor again and again (a new port each time), sends a line, closes. Runs until killed. */
function trafficLoop(topo: Topology, firstPort: number, intervalMs: number): ChildProcess {
  const script = `
    const net = require('node:net');
    let port = ${firstPort};
    const one = () => {
      const p = port++;
      const s = net.connect({ host: ${JSON.stringify(topo.sensorIp4)}, port: p });
      s.on('connect', () => s.end('probe to ' + p + '\\n'));
      s.on('error', () => {});
      s.setTimeout(3000, () => s.destroy());
    };
    setInterval(one, ${intervalMs});
  `;
  return nsSpawn(topo.clientNs, process.execPath, ['-e', script]);
}

function stopTraffic(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recordsOfGz(gz: Buffer): FlowRecord[] {
  const text = gunzipSync(gz).toString('utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => {
    const p = parseRecordLine(l);
    if (!p.ok) throw new Error(`invalid line in the bucket: ${p.reason}`);
    return p.record;
  });
}

async function bucketRecords(s3: RunningS3rver): Promise<{ records: FlowRecord[]; keys: string[] }> {
  const records: FlowRecord[] = [];
  const keys: string[] = [];
  for (const o of await s3.listObjects(BUCKET)) {
    keys.push(o.key);
    if (o.key.endsWith('.jsonl.gz')) records.push(...recordsOfGz(await s3.getObject(BUCKET, o.key)));
  }
  return { records, keys };
}

function sensorArgs(topo: Topology, dir: string, s3: RunningS3rver | undefined, extra: string[] = []): string[] {
  return [
    '-i', topo.sensorIf, '-n', topo.net4, '--format', 'json', '--flow-timeout', '0.5', '--stats-interval', '0',
    '--sensor-id', SENSOR, '--archive-dir', dir, '--rotate-interval', '2s', '--pcap',
    ...(s3 ? ['--s3-bucket', BUCKET, '--s3-prefix', 'synbait', '--s3-endpoint', s3.endpoint, '--s3-force-path-style', '--upload-schedule', '*/1 * * * * *'] : []),
    ...extra,
  ];
}

describe('archive and S3 end to end', { skip }, () => {
  let topo: Topology;
  let s3: RunningS3rver;
  let work: string;
  const sensors: SensorProcess[] = [];
  const traffic: ChildProcess[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'synbait-e2e-archive-'));
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    s3 = await startS3rver({ buckets: [BUCKET], netns: topo.sensorNs });
  });

  after(async () => {
    for (const c of traffic) await stopTraffic(c);
    for (const s of sensors) await s.stop('SIGKILL');
    await s3?.stop();
    topo?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  let downloaded: string | undefined;

  test('an S3 outage while traffic keeps coming loses nothing; SIGTERM uploads the last file', async () => {
    const dir = join(work, 'spool-outage');
    const sensor = await startSensor(topo.sensorNs, sensorArgs(topo, dir, s3), { env: s3.env });
    sensors.push(sensor);
    await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'UploadPreflightPassed'), 'the start-up check', 15_000);
    const gen = trafficLoop(topo, 20000, 40);
    traffic.push(gen);
    await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'ArchiveUploaded'), 'a first upload', 15_000);

    await s3.pause(); // S3 is gone (the server process is killed)
    await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'UploadFailed' && l.stage !== 'preflight'), 'a failed upload run', 15_000);
    const recordsBefore = sensor.records.length;
    await sleep(4000);
    const rotatedDuringOutage = sensor.logs.filter((l) => l.event === 'ArchiveRotated').length;
    assert.ok(sensor.records.length > recordsBefore + 20, 'traffic kept coming during the outage');
    await s3.resume();
    const uploadedAfter = sensor.logs.filter((l) => l.event === 'ArchiveUploaded').length;
    await sensor.waitFor(() => (sensor.logs.filter((l) => l.event === 'ArchiveUploaded').length > uploadedAfter + 2 ? true : undefined), 'the backlog to go up', 15_000);
    // SIGTERM while traffic still comes: flows in progress are recorded at shutdown and must reach the bucket too
    const started = Date.now();
    const code = await sensor.stop('SIGTERM');
    await stopTraffic(gen);
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
    assert.ok(rotatedDuringOutage >= 3);

    // nothing left behind locally
    assert.deepEqual(await readdir(join(dir, 'ready')), [], 'the spool is empty: everything went up');
    assert.deepEqual(await readdir(join(dir, 'open')), []);

    const { records, keys } = await bucketRecords(s3);
    const printed = sensor.records;
    assert.ok(printed.length > 100, `${printed.length} records`);
    assert.equal(records.length, printed.length, `records sent (${printed.length}) = records in the bucket (${records.length})`);
    assert.deepEqual(new Set(records.map((r) => r.flow_id)), new Set(printed.map((r) => r.flow_id)));
    // byte for byte the same records as printed
    const byId = new Map(printed.map((r) => [r.flow_id, r]));
    for (const r of records) assert.deepEqual(r, byId.get(r.flow_id));
    for (const k of keys) {
      assert.match(k, /^synbait\/(pcap\/)?sensor=e2e-archive\/dt=\d{4}-\d{2}-\d{2}\/e2e-archive-\d{8}T\d{6}Z-\d{3}[0-9a-f]{6}\.(jsonl\.gz|pcap)$/);
    }
    // the final upload ran at shutdown (the set equality above shows it sent the last file)
    assert.ok(sensor.logs.some((l) => l.event === 'UploadStopped'));
    const failures = sensor.logs.filter((l) => l.event === 'UploadFailed');
    assert.ok(failures.every((l) => l.component === 'upload' && typeof l.error === 'string'));

    if (process.env.SYNBAIT_TEST_LOG === '1') for (const l of sensor.logs) console.error(JSON.stringify(l));
    downloaded = join(work, 'bucket');
    await s3.download(BUCKET, downloaded);
  });

  test('tshark reads the uploaded pcaps: every TCP record has its SYN and our SYN-ACK', async () => {
    assert.ok(downloaded, 'needs the bucket of the previous test');
    const pcapDir = join(downloaded, 'synbait', 'pcap', `sensor=${SENSOR}`);
    const files: string[] = [];
    for (const dt of await readdir(pcapDir)) for (const f of await readdir(join(pcapDir, dt))) files.push(join(pcapDir, dt, f));
    assert.ok(files.length >= 2);
    const syns = new Set<string>();
    const synAcks = new Set<string>();
    let data = '';
    for (const f of files) {
      const out = execFileSync('tshark', ['-r', f, '-n', '-T', 'fields', '-E', 'separator=,', '-e', 'frame.protocols', '-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.flags.syn', '-e', 'tcp.flags.ack', '-e', 'tcp.payload'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      for (const line of out.trim().split('\n')) {
        const [protocols, src, sport, dport, syn, ack, payload] = line.split(',');
        assert.match(protocols!, /^eth:ethertype:ip:tcp/, 'tshark decodes Ethernet/IPv4/TCP');
        if (syn === '1' && ack === '0' && src === topo.clientIp4) syns.add(`${sport}>${dport}`);
        if (syn === '1' && ack === '1' && src === topo.sensorIp4) synAcks.add(`${dport}>${sport}`);
        if (payload) data += Buffer.from(payload.replace(/:/g, ''), 'hex').toString('latin1');
      }
    }
    const { records } = await bucketRecords(s3);
    const tcp = records.filter((r) => r.proto === 'tcp');
    assert.ok(tcp.length > 100);
    for (const r of tcp) {
      const k = `${r.src_port}>${r.dst_port}`;
      assert.ok(syns.has(k), `the client's SYN of ${k} is in the pcap`);
      assert.ok(synAcks.has(k), `our SYN-ACK for ${k} is in the pcap`);
    }
    const acked = tcp.find((r) => r.state === 'acked' && r.payload_len > 0)!;
    assert.ok(data.includes(Buffer.from(acked.payload, 'base64').toString('latin1')), 'the payload bytes are in the pcap');
  });

  test('SIGKILL mid-write, restart on the same spool: every record flushed before the kill reaches the bucket', async () => {
    const dir = join(work, 'spool-kill');
    const first = await startSensor(topo.sensorNs, sensorArgs(topo, dir, undefined, ['--rotate-interval', '1h']), { env: s3.env });
    sensors.push(first);
    const gen = trafficLoop(topo, 40000, 20);
    traffic.push(gen);
    await first.waitFor(() => (first.records.length >= 100 ? true : undefined), '100 records', 20_000);
    // records printed by now are in the archive within a flush interval (1 s)
    const flushed = first.records.map((r) => r.flow_id);
    await sleep(2500);
    assert.ok(first.records.length > flushed.length, 'still writing when killed');
    const code = await first.stop('SIGKILL');
    assert.equal(code, 'SIGKILL');
    const printedByFirst = new Map(first.records.map((r) => [r.flow_id, r]));
    assert.ok((await readdir(join(dir, 'open'))).some((f) => f.endsWith('.jsonl.gz')), 'the killed sensor left its file open');

    const second = await startSensor(topo.sensorNs, sensorArgs(topo, dir, s3), { env: s3.env });
    sensors.push(second);
    const recovered = await second.waitFor(() => second.logs.find((l) => l.event === 'ArchiveRecovered' && typeof l.records === 'number'), 'the recovery', 15_000);
    assert.ok((recovered.records as number) >= flushed.length, `recovered ${String(recovered.records)} records, ${flushed.length} were flushed`);
    const pcap = await second.waitFor(() => second.logs.find((l) => l.event === 'ArchiveRecovered' && typeof l.frames === 'number'), 'the pcap recovery', 15_000);
    assert.ok((pcap.frames as number) >= 2 * flushed.length, `the pcap is recovered too (${String(pcap.frames)} frames)`);
    await second.waitFor(() => second.logs.find((l) => l.event === 'ArchiveUploaded' && l.file === recovered.file), 'the recovered file uploaded', 15_000);
    await stopTraffic(gen);
    await sleep(1000);
    assert.equal(await second.stop('SIGTERM'), 0);

    const key = `synbait/sensor=${SENSOR}/dt=`;
    const all: FlowRecord[] = [];
    for (const o of await s3.listObjects(BUCKET, key.slice(0, -3))) {
      if (o.key.endsWith(recovered.file as string)) all.push(...recordsOfGz(await s3.getObject(BUCKET, o.key)));
    }
    const inBucket = new Set(all.map((r) => r.flow_id));
    for (const id of flushed) assert.ok(inBucket.has(id), `flushed record ${id} survived the SIGKILL`);
    // nothing invented: records the first run printed are identical; a few may be in the archive without having
    // reached stdout (its buffer is flushed asynchronously and died with the process): they are real flows of the
    // traffic (one per port), each once
    assert.equal(inBucket.size, all.length, 'no duplicates');
    let unprinted = 0;
    for (const r of all) {
      const printed = printedByFirst.get(r.flow_id);
      if (printed) assert.deepEqual(r, printed);
      else {
        unprinted++;
        assert.equal(r.sensor, SENSOR);
        assert.equal(Buffer.from(r.payload, 'base64').toString(), `probe to ${r.dst_port}\n`);
      }
    }
    assert.ok(unprinted < 100, `${unprinted} archived records were not printed yet`);
    assert.deepEqual(await readdir(join(dir, 'ready')), []);
  });
});

