// End to end, as root: rules reloaded in a running sensor. A rules directory of ours with 20,000 generated
// signatures (a compile of about a second or more, like ET Open's); a SIGHUP sent while a SYN flood of a few
// thousand SYN/s is replayed at the sensor: every SYN the interface delivered is answered (SYN-ACKs out = SYNs in,
// the sensor's own counters agree, no kernel drop), the reload happened during the flood, and its longest
// event-loop stall is under 100 ms. Then the rule added before the SIGHUP labels a real client's (curl) request,
// and a bad rules file on the next SIGHUP is refused with a clear error while the rules in use still label.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isCommunityLabel, type FlowRecord } from '../../src/record/flow-record.ts';
import { writeTar } from '../../src/ruleset/tar.ts';
import { createBench, firewall, measure, startBenchSensor, type Bench, type RunningSensor } from '../bench/syn-flood.ts';
import { isRoot, nsExec } from '../helpers/netns.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FILES = 10;
const PER_FILE = 2000;
const NEW_SID = 9300001;
/** 6 s of flood at 4,000 SYN/s: the reload (a second or two) starts and ends inside it. */
const SYNS = 24_000;

/** Generated rules over several buffers, with pcre and header conditions, so the compile is not trivial. */
function generated(file: number): string {
  const lines: string[] = [];
  for (let k = 0; k < PER_FILE; k++) {
    const i = file * PER_FILE + k;
    const tag = `${i.toString(36)}q${((i * 2654435761) >>> 0).toString(36)}`;
    const body = [
      `http.uri; content:"/gen/${tag}"; nocase;`,
      `http.user_agent; content:"agent-${tag}"; pcre:"/agent-${tag}[0-9]{2,8}/i";`,
      `http.header; content:"X-${tag}|3a|"; http.method; content:"POST";`,
      `content:"${tag}|0d 0a|"; depth:64; isdataat:4,relative;`,
    ][i % 4];
    lines.push(`alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"GEN ${tag}"; flow:established,to_server; ${body} classtype:web-application-attack; sid:${8_000_000 + i}; rev:1;)`);
  }
  return lines.join('\n') + '\n';
}

const NEW_RULE = `alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"LOCAL added before the SIGHUP"; flow:established,to_server; http.uri; content:"/reload-probe"; classtype:web-application-attack; sid:${NEW_SID}; rev:1;)\n`;

function logLines(s: RunningSensor): Record<string, unknown>[] {
  return readFileSync(s.outFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitLog(s: RunningSensor, pred: (l: Record<string, unknown>) => boolean, what: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = logLines(s).find(pred);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${readFileSync(s.outFile, 'utf8').slice(-3000)}`);
    await sleep(100);
  }
}

describe('rules reload in a running sensor', { skip }, () => {
  let b: Bench;
  let s: RunningSensor | undefined;
  let rulesDir: string;

  before(() => {
    b = createBench();
    firewall(b);
    rulesDir = join(b.dir, 'rules');
    mkdirSync(rulesDir);
    for (let f = 0; f < FILES; f++) writeFileSync(join(rulesDir, `gen-${String(f).padStart(2, '0')}.rules`), generated(f));
  });
  after(async () => {
    await s?.stop();
    b?.close();
  });

  const curl = async (path: string, port: number): Promise<FlowRecord> => {
    nsExec(b.topo.clientNs, 'curl', ['-s', '-m', '3', `http://${b.topo.sensorIp4}:${port}${path}`], { allowFail: true });
    const r = await waitLog(s!, (l) => l.event === 'flow' && l.dst_port === port && Number(l.payload_len) > 0, `the record of ${path}`);
    return r as unknown as FlowRecord;
  };

  test('SIGHUP during a SYN flood: every SYN answered, stall < 100 ms, and the added rule labels a real request', async (t) => {
    s = await startBenchSensor(b, ['--rules', rulesDir, '--flow-timeout', '1', '--syn-rate-per-dest', '0', '--syn-rate-global', '0']);
    const loaded = await waitLog(s, (l) => l.event === 'SignaturesLoaded', 'SignaturesLoaded');
    assert.equal(loaded.loaded, FILES * PER_FILE);
    const before0 = await curl('/reload-probe', 8081);
    assert.deepEqual(before0.labels.filter(isCommunityLabel), [], 'not labelled before the reload');

    writeFileSync(join(rulesDir, 'local.rules'), NEW_RULE);
    const floodStart = Date.now();
    // the replay blocks this process: another one sends the SIGHUP 300 ms into the flood
    spawn('sh', ['-c', `sleep 0.3; kill -HUP ${s.pid}`], { stdio: 'ignore' });
    const r = await measure(b, 'sensor', 4000, SYNS, s.pid);
    const floodEnd = Date.now();
    const done = await waitLog(s, (l) => l.event === 'RulesReloaded' || l.event === 'RulesReloadFailed', 'the reload');
    const reloading = logLines(s).find((l) => l.event === 'RulesReloading')!;
    t.diagnostic(`flood: ${r.delivered} SYNs delivered at ${r.actualPps} pps, ${r.answered} frames out; reload ${done.ms} ms, longest stall ${done.max_stall_ms} ms`);
    assert.equal(done.event, 'RulesReloaded', JSON.stringify(done));
    assert.equal(done.trigger, 'SIGHUP');
    assert.equal(done.signatures, FILES * PER_FILE + 1);
    const reloadStart = Date.parse(String(reloading.time));
    const reloadEnd = Date.parse(String(done.time));
    assert.ok(reloadStart >= floodStart && reloadEnd <= floodEnd, `the reload (${reloadStart - floodStart}..${reloadEnd - floodStart} ms) ran during the flood (0..${floodEnd - floodStart} ms)`);
    assert.ok(Number(done.max_stall_ms) < 100, `longest event-loop stall during the reload: ${done.max_stall_ms} ms`);
    assert.ok(r.delivered >= SYNS, `the flood reached the sensor (${r.delivered})`);
    // frames in and out on the sensor's side: the SYNs and their SYN-ACKs, and an ARP exchange or two
    assert.ok(Math.abs(r.answered - r.delivered) <= 4, `SYN-ACKs out = SYNs in: ${r.answered} out, ${r.delivered} in`);

    const after0 = await curl('/reload-probe', 8082);
    assert.deepEqual(after0.labels.filter(isCommunityLabel).map((l) => l.sid), [NEW_SID]);

    await s.stop();
    const stopped = logLines(s).find((l) => l.event === 'SensorStopped')!;
    t.diagnostic(`sensor: syns ${stopped.syns}, syn_acks ${stopped.syn_acks}, kernel_dropped ${stopped.kernel_dropped}`);
    assert.equal(stopped.syns, stopped.syn_acks, 'the sensor answered every SYN it saw');
    assert.equal(stopped.kernel_dropped, 0, 'the ring dropped nothing');
    s = undefined;
  });

  test('a bad rules file on SIGHUP: RulesReloadFailed names it, and the rules in use still label', async () => {
    await s?.stop(); // left running when the test before failed
    s = await startBenchSensor(b, ['--rules', rulesDir, '--flow-timeout', '1']);
    await waitLog(s, (l) => l.event === 'SignaturesLoaded', 'SignaturesLoaded');
    writeFileSync(join(rulesDir, 'broken.json'), '[{"id": "sb-9991", "name": ');
    s.child.kill('SIGHUP');
    const failed = await waitLog(s, (l) => l.event === 'RulesReloadFailed', 'RulesReloadFailed');
    assert.equal(failed.code, 'SYNBAIT_ERR_RULES');
    assert.match(String(failed.error), /broken\.json/);
    assert.equal(failed.signatures, FILES * PER_FILE + 1, 'the rules in use are said to stay');
    const r = await curl('/reload-probe', 8083);
    assert.deepEqual(r.labels.filter(isCommunityLabel).map((l) => l.sid), [NEW_SID]);
    await s.stop();
    s = undefined;
  });

  test('the update schedule: the sensor installs the set of --rules-update-url in --rules-dir, then reloads, and it labels', async () => {
    const dir = join(b.dir, 'managed');
    mkdirSync(dir);
    await s?.stop();
    const tarball = join(b.dir, 'ruleset.tar.gz');
    const rule = NEW_RULE.replace(String(NEW_SID), '9300002').replace('/reload-probe', '/update-probe');
    writeFileSync(tarball, gzipSync(writeTar([{ path: 'rules/emerging-web_server.rules', data: Buffer.from(rule) }])));
    s = await startBenchSensor(b, ['--rules-dir', dir, '--rules-update-url', tarball, '--rules-update-schedule', '*/2 * * * * *', '--flow-timeout', '1']);
    await waitLog(s, (l) => l.event === 'RulesUpdateScheduled', 'RulesUpdateScheduled');
    const updated = await waitLog(s, (l) => l.event === 'RulesUpdated', 'RulesUpdated');
    assert.equal(updated.rules, 1);
    const done = await waitLog(s, (l) => l.event === 'RulesReloaded' && l.trigger === 'update', 'the reload after the update');
    assert.equal(done.signatures, 1);
    const r = await curl('/update-probe', 8084);
    assert.deepEqual(r.labels.filter(isCommunityLabel).map((l) => [l.sid, l.ruleset]), [[9300002, 'community']]);
  });
});
