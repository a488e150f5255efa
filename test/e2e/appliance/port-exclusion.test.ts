// Run-time port exclusions against real iptables (nft and legacy) in a namespace: `synbait firewall up` installs
// the chains, then addPortExclusion (what the sensor will call when a service starts after it) makes a new
// service reachable through the drop rules, idempotently, and removePortExclusion closes it again. The firewall
// code runs in this process with the real runner, each command prefixed by `ip netns exec` (the runner seam).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { childProcessRunner } from '../../../src/firewall/child-process-runner.ts';
import type { CommandRunner } from '../../../src/firewall/command-runner.ts';
import { FirewallExecutor } from '../../../src/firewall/firewall-executor.ts';
import { addPortExclusion, installedFamilies, removePortExclusion } from '../../../src/firewall/port-exclusion.ts';
import { ruleset, runEntrypoint } from '../../helpers/entrypoint.ts';
import { recordingLogger } from '../../helpers/fake-iptables.ts';
import { createTopology, isRoot, nsExec, nsSpawn, type Topology } from '../../helpers/netns.ts';
import { BIN } from '../../helpers/sensor.ts';

const skip = isRoot() ? false : 'needs root (network namespaces, iptables)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function inNamespace(ns: string): CommandRunner {
  const real = childProcessRunner();
  return { run: (argv, stdin) => real.run(['ip', 'netns', 'exec', ns, ...argv], stdin) };
}

function reach(topo: Topology, host: string, port: number): string {
  const addr = host.includes(':') ? `[${host}]` : host;
  return nsExec(topo.clientNs, 'timeout', ['3', 'socat', '-T1', '-', `TCP:${addr}:${port},connect-timeout=1`], { input: '', allowFail: true }).trim();
}

for (const backend of ['nft', 'legacy'] as const) {
  describe(`run-time port exclusions with iptables-${backend}`, { skip }, () => {
    let topo: Topology;
    let service: ChildProcess | undefined;
    let before0: string;
    const log = recordingLogger();
    let x: FirewallExecutor;

    before(async () => {
      topo = createTopology();
      before0 = ruleset(topo.sensorNs, backend);
      const up = nsExec(topo.sensorNs, 'env', [`SYNBAIT_IPTABLES_BACKEND=${backend}`, `SYNBAIT_DEVICE=${topo.sensorIf}`, process.execPath, BIN, 'firewall', 'up']);
      assert.match(up, /to undo: synbait firewall down/);
      x = new FirewallExecutor(inNamespace(topo.sensorNs), log);
    });
    after(async () => {
      service?.kill('SIGKILL');
      await runEntrypoint(topo.sensorNs, ['cleanup']);
      topo?.cleanup();
    });

    test('a service started after the firewall is dropped, then reachable once its port is excluded (IPv4 and IPv6)', async () => {
      service = nsSpawn(topo.sensorNs, 'socat', ['TCP6-LISTEN:8088,ipv6only=0,reuseaddr,fork', 'SYSTEM:echo late-service']);
      await sleep(500);
      assert.equal(reach(topo, topo.sensorIp4, 8088), '', 'dropped: the sensor would answer it');
      assert.deepEqual(await installedFamilies(x), [{ backend, family: 4 }, { backend, family: 6 }]);
      assert.equal(await addPortExclusion(x, { from: 8088, to: 8088 }, 'listening: tcp [::]:8088 (socat)'), true);
      assert.equal(reach(topo, topo.sensorIp4, 8088), 'late-service');
      assert.equal(reach(topo, topo.sensorIp6, 8088), 'late-service');
      const once = ruleset(topo.sensorNs, backend);
      assert.match(once, /-A SYNBAIT-INPUT -p udp -m udp --dport 8088 -j RETURN/);
      assert.equal(await addPortExclusion(x, { from: 8088, to: 8088 }), true);
      assert.equal(ruleset(topo.sensorNs, backend), once, 'idempotent');
      assert.ok(log.lines.some((l) => l.event === 'FirewallPortExcluded' && l.family === '6' && l.backend === backend));
    });

    test('removing the exclusion drops the port again and restores the chain exactly', async () => {
      assert.equal(await removePortExclusion(x, { from: 8088, to: 8088 }, 'gone'), true);
      assert.equal(reach(topo, topo.sensorIp4, 8088), '');
      assert.doesNotMatch(ruleset(topo.sensorNs, backend), /8088/);
      assert.equal(await removePortExclusion(x, { from: 8088, to: 8088 }), true, 'nothing left to remove is fine');
      const down = await runEntrypoint(topo.sensorNs, ['cleanup']);
      assert.equal(down.code, 0, down.stderr);
      assert.doesNotMatch(ruleset(topo.sensorNs, backend), /SYNBAIT/);
      assert.equal(before0.includes('SYNBAIT'), false);
    });
  });
}
