// Exploit payloads from public PoCs and real tools get the ET Open labels named for their exploit (the expectations in
// test/fixtures/labels/et-open-expected.json). ET Open is not in the repository: set SYNBAIT_ET_RULES to a rules
// directory or file (e.g. the `current` set of `synbait rules update`); `npm run bench` reports the same check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { checkEtPoc, etExpectations } from '../../conformance/et-poc.ts';
import { loadLabelCorpus } from '../../fixtures/labels/corpus.ts';

const rules = process.env.SYNBAIT_ET_RULES;

test('the expectations name corpus samples that are attacks, each with ET sids', () => {
  const corpus = new Map(loadLabelCorpus().map((s) => [s.id, s]));
  const e = etExpectations();
  assert.ok(e.length >= 50);
  for (const x of e) {
    const s = corpus.get(x.sample);
    assert.ok(s, x.sample);
    assert.equal(s.benign, false, x.sample);
    assert.equal(s.name, x.name, x.sample);
    assert.ok(x.expect.length > 0 && x.expect.every((y) => y.sid >= 2_000_000 && /^(ET|GPL) /.test(y.msg)), x.sample);
  }
});

test('every PoC sample gets its ET labels from the ET Open rules', { skip: rules && existsSync(rules) ? false : 'set SYNBAIT_ET_RULES to an ET Open rules directory (not shipped)' }, async () => {
  const r = await checkEtPoc(rules!);
  assert.ok(r.loaded > 10_000, `only ${r.loaded} rules loaded from ${rules}`);
  const missed = r.outcomes.filter((o) => o.missing.length > 0).map((o) => `${o.sample}: ${o.missing.join(', ')} (got ${o.got.join(', ') || 'none'})`);
  assert.deepEqual(missed, []);
});
