// Anti-reflection, end to end: a spoofed SYN flood that names one victim must not turn into a SYN-ACK flood at
// that victim. hping3 floods from the client namespace with the victim as (spoofed) source; we count the SYN-ACKs
// that come back for the victim on the client side, and check that other clients are still answered meanwhile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createTopology, installLurkerFirewall, isRoot, nsExec, type Topology } from '../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../helpers/sensor.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';
const RATE = 100;
const BURST = 200;
const VICTIM = '203.0.113.66';

describe('per-destination SYN-ACK cap under a spoofed flood', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;

  before(async () => {
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    // the victim is routed back through the client side, as on the internet
    nsExec(topo.sensorNs, 'ip', ['route', 'add', 'default', 'via', topo.clientIp4]);
    sensor = await startSensor(topo.sensorNs, [
      '-i', topo.sensorIf, '-n', topo.net4, '--format', 'json', '--flow-timeout', '1', '--stats-interval', '0',
      '--syn-rate-per-dest', String(RATE), '--syn-burst-per-dest', String(BURST),
    ]);
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    topo?.cleanup();
  });

  test('SYN-ACKs to the victim stay within burst + rate x duration, and others are still answered', async () => {
    const dump = spawn('ip', ['netns', 'exec', topo.clientNs, 'tcpdump', '-i', topo.clientIf, '-n', '-l', '-q',
      `src host ${topo.sensorIp4} and dst host ${VICTIM} and tcp[13] & 0x12 = 0x12`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let ready = false;
    dump.stdout.on('data', (d: Buffer) => (lines += d.toString().split('\n').filter(Boolean).length));
    dump.stderr.on('data', (d: Buffer) => { if (d.toString().includes('listening on')) ready = true; });
    try {
      for (let i = 0; i < 100 && !ready; i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(ready, 'tcpdump started');
      const started = Date.now();
      const flood = spawn('ip', ['netns', 'exec', topo.clientNs, 'timeout', '3', 'hping3', '-S', '--flood', '-a', VICTIM, '-p', '++1000', topo.sensorIp4], { stdio: 'ignore' });
      // meanwhile a real client is answered: the cap is per destination, not global
      await new Promise((r) => setTimeout(r, 1000));
      nsExec(topo.clientNs, 'sh', ['-c', `printf 'during the flood' | timeout 3 nc -q 1 ${topo.sensorIp4} 4444`], { allowFail: true });
      await new Promise((r) => flood.on('exit', r));
      const seconds = (Date.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 500));
      const limit = BURST + RATE * seconds;
      assert.ok(lines > BURST / 2, `the victim got some SYN-ACKs (${lines}): the flood reached the sensor`);
      assert.ok(lines <= limit * 1.05 + 10, `SYN-ACKs to the victim: ${lines}, cap ${limit.toFixed(0)} over ${seconds.toFixed(1)} s`);
      const r = await sensor.waitForRecord((x) => x.dst_port === 4444 && x.src_ip === topo.clientIp4, 'the real client record');
      assert.equal(Buffer.from(r.payload, 'base64').toString(), 'during the flood');
    } finally {
      dump.kill('SIGINT');
    }
    assert.equal(await sensor.stop('SIGTERM'), 0);
    const stopped = sensor.logs.find((l) => l.event === 'SensorStopped') as { rate_limited?: number; syns?: number } | undefined;
    assert.ok(stopped && (stopped.rate_limited ?? 0) > 1000, `rate-limited SYNs are counted (${stopped?.rate_limited} of ${stopped?.syns})`);
  });
});
