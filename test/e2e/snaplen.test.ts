// End to end, as root: frames longer than the snapshot length arrive marked truncated (the patched binding compares
// caplen with the frame's length) and are never answered: the sensor does not ACK data it did not capture, and
// keeps nothing of it, while frames within the snapshot length are answered and recorded as usual.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoot, nsExec, nsSpawn } from '../helpers/netns.ts';
import { sensorFixture, sensorMetric } from '../helpers/sensor-fixture.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';
const METRICS = '127.0.0.1:9467';

describe('snapshot length', { skip }, () => {
  const f = sensorFixture(['--stats-interval', '0', '--snaplen', '200', '--metrics-listen', METRICS]);

  test('a data segment longer than --snaplen is never ACKed nor kept; a short one is', async () => {
    const { topo, sensor } = f;
    assert.equal(sensor.logs.find((l) => l.event === 'SensorStarted')?.snaplen, 200);
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'short' | timeout 3 nc -q 1 ${topo.sensorIp4} 4001`], { allowFail: true });
    const short = await sensor.waitForRecord((r) => r.dst_port === 4001, 'the short record');
    assert.equal(Buffer.from(short.payload, 'base64').toString(), 'short');

    // the client side sees every segment of port 4002 (absolute sequence numbers)
    const dump = nsSpawn(topo.clientNs, 'tcpdump', ['-i', topo.clientIf, '-n', '-l', '-S', 'tcp port 4002']);
    let seen = '';
    let ready = false;
    dump.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
    dump.stderr!.on('data', (d: Buffer) => { if (d.toString().includes('listening on')) ready = true; });
    try {
      await sensor.waitFor(() => (ready ? true : undefined), 'tcpdump');
      const long = 'x'.repeat(1200);
      nsExec(topo.clientNs, 'sh', ['-c', `printf '${long}' | timeout 3 nc -q 1 ${topo.sensorIp4} 4002`], { allowFail: true });
      const r = await sensor.waitForRecord((x) => x.dst_port === 4002, 'the long record', 15_000);
      assert.equal(r.state, 'acked', 'the handshake completed (its frames fit)');
      assert.equal(r.payload_len, 0, 'nothing of the cut frame is kept');
    } finally {
      dump.kill('SIGINT');
      await new Promise((res) => dump.once('exit', res));
    }
    const isn = Number(/> [\d.]+\.4002: Flags \[S\], seq (\d+)/.exec(seen)?.[1]);
    assert.ok(Number.isFinite(isn), seen);
    const acks = [...seen.matchAll(/\.4002 > [\d.]+: Flags \[[^\]]*\.[^\]]*\],(?: seq \d+(?::\d+)?,)? ack (\d+)/g)].map((m) => Number(m[1]));
    assert.ok(acks.length >= 1, seen);
    for (const a of acks) assert.equal(a, (isn + 1) % 2 ** 32, `the sensor never ACKs the bytes it did not capture:\n${seen}`);
    const truncated = Number(sensorMetric(topo, METRICS, 'synbait_frames_capture_truncated_total'));
    assert.ok(truncated >= 1, `truncated frames counted: ${truncated}`);
  });
});
