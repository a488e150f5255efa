// End to end, as root: the sensor's device disappears while it runs (`ip link del`) and comes back with the same
// name and addresses but a new MAC. The sensor must not abort: it logs CaptureLost, reports unhealthy, retries,
// logs CaptureRestored once the device is back, and answers a real client (nc through the kernel) again.
// Also a link taken down and up again (`ip link set down/up`).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addVethPair, isRoot, nsExec, type Topology } from '../helpers/netns.ts';
import { sensorFixture, sensorMetric } from '../helpers/sensor-fixture.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';
const METRICS = '127.0.0.1:9465';
const HEALTH_DIR = mkdtempSync(join(tmpdir(), 'synbait-lost-'));
const HEALTH_FILE = join(HEALTH_DIR, 'heartbeat');
process.on('exit', () => rmSync(HEALTH_DIR, { recursive: true, force: true }));

function healthz(topo: Topology): string {
  return nsExec(topo.sensorNs, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${METRICS}/healthz`], { allowFail: true });
}

const metric = (topo: Topology, name: string) => sensorMetric(topo, METRICS, name);

function ncSend(topo: Topology, port: number, text: string): void {
  nsExec(topo.clientNs, 'sh', ['-c', `printf '${text}' | timeout 3 nc -q 1 ${topo.sensorIp4} ${port}`], { allowFail: true });
}

describe('capture device lost and back', { skip }, () => {
  const f = sensorFixture(['--stats-interval', '1', '--metrics-listen', METRICS, '--health-file', HEALTH_FILE]);

  test('the sensor survives `ip link del`, re-opens the re-created device and answers nc again', async () => {
    const { topo, sensor } = f;
    ncSend(topo, 31337, 'before\\n');
    const first = await sensor.waitForRecord((r) => r.dst_port === 31337, 'a record before the loss');
    assert.equal(first.state, 'acked');
    assert.equal(healthz(topo), '200');
    assert.ok(existsSync(HEALTH_FILE), 'the heartbeat file is there while healthy');
    const oldMac = topo.sensorMac;

    nsExec(topo.sensorNs, 'ip', ['link', 'del', topo.sensorIf]);
    const lost = await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'CaptureLost'), 'CaptureLost', 5000);
    assert.equal(lost.device, topo.sensorIf);
    assert.equal(typeof lost.error, 'string');
    assert.ok((lost.error as string).length > 0);
    await sensor.waitFor(() => (healthz(topo) === '503' ? true : undefined), 'unhealthy while the device is gone', 5000);
    await sensor.waitFor(() => (existsSync(HEALTH_FILE) ? undefined : true), 'the heartbeat file removed', 5000);
    // a few retries fail while the device is gone: logged once, not once a second
    await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'CaptureReopenFailed'), 'CaptureReopenFailed', 5000);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(sensor.logs.filter((l) => l.event === 'CaptureReopenFailed').length, 1);

    addVethPair(topo);
    const newMac = /link\/ether ([0-9a-f:]{17})/.exec(nsExec(topo.sensorNs, 'ip', ['link', 'show', topo.sensorIf]))![1]!;
    assert.notEqual(newMac, oldMac, 'the re-created device has a new MAC (the filter must be rebuilt)');
    const restored = await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'CaptureRestored'), 'CaptureRestored', 5000);
    assert.match(String(restored.filter), new RegExp(`ether dst ${newMac}`));
    assert.ok(Number(restored.attempts) >= 2);

    ncSend(topo, 31338, 'after\\n');
    const again = await sensor.waitForRecord((r) => r.dst_port === 31338, 'a record after the device came back', 8000);
    assert.equal(again.state, 'acked');
    assert.equal(Buffer.from(again.payload, 'base64').toString(), 'after\n');
    assert.equal(healthz(topo), '200');
    await sensor.waitFor(() => (existsSync(HEALTH_FILE) ? true : undefined), 'the heartbeat file back', 5000);
    assert.equal(metric(topo, 'synbait_capture_reopened_total'), 1);
    assert.equal(typeof metric(topo, 'synbait_capture_kernel_drops_total'), 'number');

    const stats = await sensor.waitFor(() => [...sensor.logs].reverse().find((l) => l.event === 'Stats' && l.capture_reopened === 1), 'a stats line after the re-open', 3000);
    assert.equal(typeof stats.kernel_dropped, 'number');
    assert.equal(typeof stats.if_dropped, 'number');
    assert.equal(sensor.child.exitCode, null, 'still running');
    assert.equal(sensor.child.signalCode, null, 'no abort');
    const code = await sensor.stop('SIGTERM');
    assert.equal(code, 0, sensor.text.stderr);
    const stopped = sensor.logs.find((l) => l.event === 'SensorStopped');
    assert.ok(stopped && typeof stopped.kernel_dropped === 'number', 'SensorStopped has the kernel drops');
  });
});

describe('capture device down and up', { skip }, () => {
  const f = sensorFixture(['--stats-interval', '0']);

  test('`ip link set down` then up: lost, not re-opened while down, restored, answers nc again', async () => {
    const { topo, sensor } = f;
    nsExec(topo.sensorNs, 'ip', ['link', 'set', topo.sensorIf, 'down']);
    const lost = await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'CaptureLost'), 'CaptureLost', 5000);
    assert.match(String(lost.error), /went down or away/);
    const failed = await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'CaptureReopenFailed'), 'CaptureReopenFailed', 5000);
    assert.match(String(failed.error), /not up/);
    nsExec(topo.sensorNs, 'ip', ['link', 'set', topo.sensorIf, 'up']);
    await sensor.waitFor(() => sensor.logs.find((l) => l.event === 'CaptureRestored'), 'CaptureRestored', 5000);
    ncSend(topo, 31339, 'up again\\n');
    const r = await sensor.waitForRecord((x) => x.dst_port === 31339, 'a record after the link came up', 8000);
    assert.equal(Buffer.from(r.payload, 'base64').toString(), 'up again\n');
    assert.equal(sensor.child.exitCode, null, 'still running');
  });
});
