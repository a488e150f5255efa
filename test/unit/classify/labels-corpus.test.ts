// The labelled corpus (test/fixtures/labels/): every attack sample gets its threat name and exactly the rule ids
// it expects; no benign sample gets a label of category exploit, c2, bruteforce, dos or malware. Samples are real
// tool output captured here or rebuilt from public descriptions (each entry's `source`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createClassifier } from '../../../src/classify/index.ts';
import { LABELS_DIR, labelCorpus, loadLabelCorpus, THREAT_CATEGORIES } from '../../fixtures/labels/corpus.ts';
import { ISSUE_NAMES } from './issue-names.ts';

const corpus = loadLabelCorpus();
const classifier = createClassifier();
const results = labelCorpus((input) => classifier.classify(input), corpus);

for (const r of results) {
  test(`${r.sample.id}: ${r.sample.expect.length ? r.sample.expect.join(', ') : 'no label'}`, () => {
    assert.deepEqual(r.got, [...r.sample.expect].sort(), `labels of ${r.sample.id} (${r.sample.source})`);
    if (r.sample.name) assert.ok(r.names.includes(r.sample.name), `${r.sample.id} must be labelled "${r.sample.name}"`);
    if (r.sample.benign) {
      const threats = r.categories.filter((c) => THREAT_CATEGORIES.has(c));
      assert.deepEqual(threats, [], `benign ${r.sample.id} got a threat label`);
    }
  });
}

test('the corpus is well formed: unique ids, files present, names are rule names, metadata complete', () => {
  const ids = corpus.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, 'duplicate ids');
  const ruleNames = new Map(classifier.rules.map((r) => [r.label.id, r.label.name]));
  for (const s of corpus) {
    assert.match(s.id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/, s.id);
    if (s.file) assert.ok(existsSync(`${LABELS_DIR}${s.file}`), `${s.id}: ${s.file}`);
    else assert.ok(s.state === 'syn' && s.syn, `${s.id}: only SYN-only samples have no payload file`);
    assert.ok(s.source.length > 20 && s.tool.length > 0, `${s.id} needs its provenance`);
    assert.ok(s.benign !== Boolean(s.name), `${s.id}: a sample is either benign or stands for a threat name`);
    if (s.name) assert.ok(s.expect.some((id) => ruleNames.get(id) === s.name), `${s.id}: "${s.name}" is not among its expected rules`);
    for (const id of s.expect) assert.ok(ruleNames.has(id), `${s.id}: unknown rule ${id}`);
    assert.ok([4, 6].includes(s.ip_version) && ['syn', 'acked', 'udp'].includes(s.state), s.id);
  }
});

test('at least 3 independent samples for every threat name with public evidence; at least 150 benign', () => {
  // Zyxel CNM has no public description of the request (docs/rules.md, "What we could not verify").
  const without = new Set(['Zyxel CNM Secure Manager Remote Code Execution Vulnerability']);
  for (const name of ISSUE_NAMES) {
    if (without.has(name)) continue;
    const n = corpus.filter((s) => !s.benign && s.expect.some((id) => classifier.rules.find((r) => r.label.id === id)?.label.name === name)).length;
    assert.ok(n >= 3, `${name}: ${n} samples`);
  }
  assert.ok(corpus.filter((s) => s.benign).length >= 150);
});

test('docs/rules.md coverage table: every threat name once, with its rule id and the corpus sample count', () => {
  const doc = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## What each threat name covers'), doc.indexOf('## What we could not verify'));
  const rows = new Map<string, { id: string; samples: number }>();
  for (const line of section.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length < 8 || !/^sb-\d+$/.test(cells[2]!)) continue;
    rows.set(cells[1]!, { id: cells[2]!, samples: Number(cells[6]) });
  }
  for (const name of ISSUE_NAMES) {
    const row = rows.get(name);
    assert.ok(row, `coverage table lacks ${name}`);
    const rule = classifier.rules.find((r) => r.label.name === name)!;
    assert.equal(row.id, rule.label.id, name);
    const n = corpus.filter((s) => !s.benign && s.expect.includes(rule.label.id)).length;
    assert.equal(row.samples, n, `${name}: table says ${row.samples} samples, the corpus has ${n}`);
  }
  assert.equal(rows.size, ISSUE_NAMES.length);
});
