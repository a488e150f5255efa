// The --rules loader: files and directories of JSON, errors that name the file (and the rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { loadRuleFiles } from '../../../src/config/rule-files.ts';
import { createClassifier } from '../../../src/classify/index.ts';
import { RulesError } from '../../../src/errors.ts';

const rule = (id: string, content = 'EVIL') => ({ id, rev: 1, name: `Local ${id}`, category: 'exploit', severity: 'high', match: { content } });

test('loads a file, a directory (sorted, recursive, *.json only) and merges them after the built-ins', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synbait-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'one.json'), JSON.stringify(rule('local-1')));
  mkdirSync(join(dir, 'more'));
  writeFileSync(join(dir, 'more', 'b.json'), JSON.stringify([rule('local-3'), rule('local-4')]));
  writeFileSync(join(dir, 'more', 'a.json'), JSON.stringify([rule('local-2')]));
  writeFileSync(join(dir, 'more', 'notes.txt'), 'not a rule file');
  const docs = await loadRuleFiles([join(dir, 'one.json'), join(dir, 'more')]);
  assert.deepEqual(docs.map((d) => (d as { id: string }).id), ['local-1', 'local-2', 'local-3', 'local-4']);
  const c = createClassifier(docs);
  const r = c.classify({ proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.1', src_port: 1, dst_ip: '203.0.113.7', dst_port: 9, payload: Buffer.from('xEVILx'), ts_ms: 0 });
  assert.deepEqual(r.labels.map((l) => l.id), ['local-1', 'local-2', 'local-3', 'local-4']);
});

test('errors name the file: missing path, bad JSON, invalid rule (keeping the rule id)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synbait-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ "id": "x-1", ');
  const invalid = join(dir, 'invalid.json');
  writeFileSync(invalid, JSON.stringify([rule('local-9'), { ...rule('local-10'), match: { hex: 'zz' } }]));
  const check = async (p: string, file: string, ruleId: string, re: RegExp) => {
    await assert.rejects(loadRuleFiles([p]), (e: unknown) => {
      assert.ok(e instanceof RulesError);
      assert.equal(e.code, 'SYNBAIT_ERR_RULES');
      assert.equal(e.ruleId, ruleId);
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, re);
      return true;
    });
  };
  await check(join(dir, 'nope.json'), 'nope.json', join(dir, 'nope.json'), /ENOENT/);
  await check(bad, 'bad.json', bad, /not valid JSON/);
  await check(invalid, 'invalid.json', 'local-10', /bad hex/);
});

test('an id that collides with a built-in rule is rejected by createClassifier', () => {
  assert.throws(() => createClassifier([rule('sb-1001')]), (e: unknown) => e instanceof RulesError && e.ruleId === 'sb-1001');
});
