// End to end, as root: a service started after the sensor stays reachable. `synbait firewall up` installs the
// container firewall in the sensor's namespace (as entrypoint.sh does), the sensor runs, then socat starts on a
// new port: within 10 s a real client has a full TCP exchange with it (its greeting, not our SYN-ACK), through
// the firewall's new RETURN rule; the sensor logged ListenerExcluded with the port, protocol and process. Once
// socat stops, ListenerGone, the rule is gone, and the sensor answers the port again (a record of the client).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { ruleset, runEntrypoint } from '../../helpers/entrypoint.ts';
import { createTopology, isRoot, nsExec, nsSpawn, type Topology } from '../../helpers/netns.ts';
import { BIN, startSensor, type SensorProcess } from '../../helpers/sensor.ts';

const skip = isRoot() ? false : 'needs root (network namespaces, iptables)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PORT = 8088;

/** What the service says to a client that connects and sends nothing ('' when nothing answers with data). */
function reach(topo: Topology, host: string, port: number): string {
  const addr = host.includes(':') ? `[${host}]` : host;
  return nsExec(topo.clientNs, 'timeout', ['3', 'socat', '-T1', '-', `TCP:${addr}:${port},connect-timeout=1`], { input: '', allowFail: true }).trim();
}

describe('a listener started after the sensor', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess | undefined;
  let service: ChildProcess | undefined;

  before(() => {
    topo = createTopology();
    nsExec(topo.sensorNs, 'env', ['SYNBAIT_IPTABLES_BACKEND=nft', `SYNBAIT_DEVICE=${topo.sensorIf}`, process.execPath, BIN, 'firewall', 'up']);
  });
  after(async () => {
    service?.kill('SIGKILL');
    await sensor?.stop();
    await runEntrypoint(topo.sensorNs, ['cleanup']);
    topo?.cleanup();
  });

  test('is reachable within 10 s through the firewall, then answered by the sensor again once it stops', async (t) => {
    sensor = await startSensor(topo.sensorNs, ['-i', topo.sensorIf, '--format', 'json', '--flow-timeout', '1', '--listener-check-interval', '1']);
    assert.equal(reach(topo, topo.sensorIp4, PORT), '', 'nothing listens yet: the sensor answers, silently');
    await sensor.waitForRecord((r) => r.dst_port === PORT && r.src_ip === topo.clientIp4, 'the sensor\'s record of the first connection');

    const started = Date.now();
    service = nsSpawn(topo.sensorNs, 'socat', [`TCP6-LISTEN:${PORT},ipv6only=0,reuseaddr,fork`, 'SYSTEM:echo late-service']);
    let answer = '';
    while (Date.now() - started < 10_000 && answer !== 'late-service') {
      await sleep(250);
      answer = reach(topo, topo.sensorIp4, PORT);
    }
    assert.equal(answer, 'late-service', 'the real service answered within 10 s');
    t.diagnostic(`the service was reachable ${Date.now() - started} ms after it started`);
    assert.equal(reach(topo, topo.sensorIp6, PORT), 'late-service', 'over IPv6 too');
    // logged once the firewall command returned: the line may arrive just after the first answer
    const ev = await sensor.waitFor(() => sensor!.logs.find((l) => l.event === 'ListenerExcluded' && l.port === PORT), 'ListenerExcluded', 5000);
    assert.deepEqual(ev.protocol, ['tcp']);
    assert.equal(ev.firewall, 'updated');
    assert.equal(ev.filter_updated, true);
    assert.ok((ev.process as { command: string }[]).some((p) => p.command === 'socat'), JSON.stringify(ev.process));
    assert.match(ruleset(topo.sensorNs, 'nft'), new RegExp(`--dport ${PORT} -j RETURN`));

    const gone = Date.now();
    service.kill('SIGKILL');
    service = undefined;
    await sensor.waitFor(() => sensor!.logs.find((l) => l.event === 'ListenerGone' && l.port === PORT), 'ListenerGone', 10_000);
    assert.doesNotMatch(ruleset(topo.sensorNs, 'nft'), new RegExp(`--dport ${PORT} `));
    const seen = sensor.records.length;
    assert.equal(reach(topo, topo.sensorIp4, PORT), '');
    await sensor.waitFor(() => sensor!.records.slice(seen).find((r) => r.dst_port === PORT && r.src_ip === topo.clientIp4 && Date.parse(r.ts) >= gone - 1000), 'the sensor answering the port again');
    assert.equal(await sensor.stop(), 0);
    sensor = undefined;
  });
});
