// --metrics-listen and --health-file on the real sensor in a namespace: /metrics counts what happened, /healthz and
// the heartbeat file (what the container HEALTHCHECK reads) are healthy only while the capture is open and its
// loop alive: a stopped process or a vanished device turns them unhealthy although the process still exists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, installLurkerFirewall, isRoot, nsExec, type Topology } from '../../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../../helpers/sensor.ts';
import { runEntrypoint } from '../../helpers/entrypoint.ts';

const skip = isRoot() ? false : 'needs root (network namespaces)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('metrics and health endpoints', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;
  let dir: string;
  let heartbeat: string;
  const url = (path: string) => `http://127.0.0.1:9108${path}`;
  const get = (path: string) => {
    const out = nsExec(topo.sensorNs, 'curl', ['-s', '-m', '2', '-w', '\\n%{http_code}', url(path)], { allowFail: true });
    const nl = out.lastIndexOf('\n');
    return { status: Number(out.slice(nl + 1)) || 0, body: out.slice(0, Math.max(nl, 0)) };
  };
  const metric = (body: string, line: RegExp) => Number(line.exec(body)?.[1] ?? NaN);
  const healthcheck = () => runEntrypoint(topo.sensorNs, ['healthcheck'], { SYNBAIT_HEALTH_FILE: heartbeat });

  before(async () => {
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    dir = mkdtempSync(join(tmpdir(), 'synbait-health-'));
    heartbeat = join(dir, 'run', 'heartbeat');
    sensor = await startSensor(topo.sensorNs, [
      '-i', topo.sensorIf, '--format', 'json', '--stats-interval', '0', '--flow-timeout', '1',
      '--metrics-listen', '127.0.0.1:9108', '--health-file', heartbeat,
    ]);
  });
  after(async () => {
    if (sensor) {
      try { process.kill(sensor.child.pid!, 'SIGCONT'); } catch { /* gone */ }
      await sensor.stop('SIGKILL');
    }
    topo?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/metrics counts SYN-ACKs and records; /healthz and the heartbeat say healthy', async () => {
    assert.equal(sensor.logs.find((l) => l.event === 'SensorStarted')?.metrics_listen, '127.0.0.1:9108');
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'hello' | timeout 3 nc -q 1 ${topo.sensorIp4} 31337`], { allowFail: true });
    await sensor.waitForRecord((r) => r.dst_port === 31337, 'record');
    const m = get('/metrics');
    assert.equal(m.status, 200);
    assert.ok(metric(m.body, /^synbait_syn_acks_sent_total (\d+)$/m) >= 1);
    assert.ok(metric(m.body, /^synbait_records_total\{state="acked"\} (\d+)$/m) >= 1);
    assert.equal(metric(m.body, /^synbait_healthy (\d+)$/m), 1);
    assert.ok(metric(m.body, /^process_resident_memory_bytes (\d+)$/m) > 10_000_000);
    assert.deepEqual(get('/healthz'), { status: 200, body: 'ok\n' });
    const h = await healthcheck();
    assert.equal(h.code, 0, h.stdout);
    // loopback only: not reachable from the other namespace
    assert.notEqual(nsExec(topo.clientNs, 'curl', ['-s', '-m', '2', '-o', '/dev/null', '-w', '%{http_code}', `http://${topo.sensorIp4}:9108/healthz`], { allowFail: true }), '200');
  });

  test('a stopped event loop is unhealthy although the process exists; healthy again when it resumes', async () => {
    process.kill(sensor.child.pid!, 'SIGSTOP');
    try {
      assert.equal(get('/healthz').status, 0, 'no answer from a stopped loop');
      await sleep(12_000);
      const h = await healthcheck();
      assert.equal(h.code, 1);
      assert.match(h.stdout, /^unhealthy: heartbeat .* old/);
    } finally {
      process.kill(sensor.child.pid!, 'SIGCONT');
    }
    await sleep(2500);
    assert.equal(get('/healthz').status, 200);
    assert.equal((await healthcheck()).code, 0);
  });

  test('SIGTERM closes the endpoint and removes the heartbeat', async () => {
    assert.equal(await sensor.stop('SIGTERM'), 0);
    assert.equal(get('/healthz').status, 0);
    assert.ok(!existsSync(heartbeat));
  });
  test('a vanished capture device is unhealthy: /healthz 503 or the process ends, and the health check fails', async () => {
    sensor = await startSensor(topo.sensorNs, [
      '-i', topo.sensorIf, '--format', 'json', '--stats-interval', '0',
      '--metrics-listen', '127.0.0.1:9108', '--health-file', heartbeat,
    ]);
    assert.equal((await healthcheck()).code, 0);
    nsExec(topo.sensorNs, 'ip', ['link', 'del', topo.sensorIf]);
    await sleep(2500);
    const r = get('/healthz');
    if (r.status !== 0) {
      assert.equal(r.status, 503);
      assert.match(r.body, /device_missing/);
      assert.ok(!existsSync(heartbeat), 'heartbeat removed');
    } else {
      // libpcap's poll error aborts the process (cap asserts): the heartbeat goes stale, the restart policy acts
      assert.notEqual(await sensor.exited, 0);
      await sleep(9000);
    }
    const h = await healthcheck();
    assert.equal(h.code, 1, h.stdout);
  });
});
