// One sensor per spool, with the real sensor in a namespace: a second sensor on the same --archive-dir exits 2
// with SYNBAIT_ERR_SPOOL_LOCKED and touches none of the first one's files; after the first is SIGKILLed, a new
// sensor starts on the same spool at once, recovers what the killed one left open, and records again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, installLurkerFirewall, isRoot, nsExec, type Topology } from '../../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../../helpers/sensor.ts';

const skip = isRoot() ? false : 'needs root (network namespaces)';

describe('one sensor per spool', { skip }, () => {
  let topo: Topology;
  let dir: string;
  const running: SensorProcess[] = [];
  const flags = () => ['-i', topo.sensorIf, '--format', 'json', '--stats-interval', '0', '--flow-timeout', '1', '--archive-dir', dir];

  before(async () => {
    topo = createTopology();
    installLurkerFirewall(topo.sensorNs);
    dir = await mkdtemp(join(tmpdir(), 'synbait-spool-lock-'));
  });
  after(async () => {
    for (const s of running) await s.stop('SIGKILL');
    topo?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('a second sensor on the same spool exits 2 and leaves the first one\'s files alone', async () => {
    const first = await startSensor(topo.sensorNs, flags());
    running.push(first);
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'first' | timeout 3 nc -q 1 ${topo.sensorIp4} 31001`], { allowFail: true });
    await first.waitForRecord((r) => r.dst_port === 31001, 'a record of the first sensor');
    const open = await readdir(join(dir, 'open'));
    assert.ok(open.length >= 1, 'the first sensor has an open archive');

    const second = await startSensor(topo.sensorNs, flags(), { waitStarted: false });
    assert.equal(await second.exited, 2, second.text.stderr);
    assert.match(second.text.stderr, /--archive-dir .* is in use by another sensor \(pid \d+ on /);
    const failed = second.logs.find((l) => l.event === 'SensorFailed');
    assert.equal(failed?.code, 'SYNBAIT_ERR_SPOOL_LOCKED');
    assert.deepEqual(await readdir(join(dir, 'open')), open, 'the open files were not recovered from under the first sensor');
    assert.ok(!second.logs.some((l) => l.event === 'SensorStarted'));
  });

  test('a SIGKILLed sensor leaves no lock behind: the next one starts on the spool and recovers its files', async () => {
    const first = running.pop()!;
    assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
    const next = await startSensor(topo.sensorNs, flags());
    running.push(next);
    await next.waitFor(() => next.logs.find((l) => l.event === 'ArchiveRecovered'), 'the killed sensor\'s open file recovered');
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'next' | timeout 3 nc -q 1 ${topo.sensorIp4} 31002`], { allowFail: true });
    await next.waitForRecord((r) => r.dst_port === 31002, 'a record of the restarted sensor');
    assert.equal(await next.stop('SIGTERM'), 0);
    running.pop();
    const again = await startSensor(topo.sensorNs, flags());
    running.push(again);
    assert.equal(await again.stop('SIGTERM'), 0, 'and after a clean stop too');
    running.pop();
  });
});
