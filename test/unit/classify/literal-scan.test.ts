// The one-pass literal scanner agrees with a case-insensitive indexOf for every literal; percent-decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { LiteralScanner } from '../../../src/classify/literal-scan.ts';
import { percentDecode } from '../../../src/classify/percent-decode.ts';

test('property: finds exactly the literals that occur (ASCII case-insensitive, overlapping, nested)', () => {
  const alphabet = fc.constantFrom('a', 'b', 'A', 'B', '%', '2', 'e', '$', '{', '\x00', '\xff', '\xc9', '\xe9');
  const lit = fc.string({ unit: alphabet, minLength: 1, maxLength: 6 }).map((s) => s.toLowerCase());
  fc.assert(fc.property(fc.uniqueArray(lit, { minLength: 1, maxLength: 12 }), fc.string({ unit: alphabet, maxLength: 200 }), (lits, text) => {
    const sc = new LiteralScanner(lits);
    const found = new Uint8Array(lits.length);
    sc.scan(Buffer.from(text, 'latin1'), found);
    const lower = text.toLowerCase();
    lits.forEach((l, i) => assert.equal(found[i] === 1, lower.includes(l), `${JSON.stringify(l)} in ${JSON.stringify(text)}`));
  }), { numRuns: 2000 });
});

test('percent-decoding: single, double and broken escapes', () => {
  assert.equal(percentDecode('/cgi-bin/.%2e/%2E%2e/etc'), '/cgi-bin/../../etc');
  assert.equal(percentDecode('%%32%65%%32%65/'), '../');
  assert.equal(percentDecode('%252e%252e'), '..');
  assert.equal(percentDecode('%25252e'), '.', 'three passes');
  assert.equal(percentDecode('%2525252e'), '%2e', 'no more than three');
  for (const s of ['a%2', '%', '%zz', '%%', 'plain']) assert.equal(percentDecode(s), s);
  assert.equal(percentDecode('%41%zz%42'), 'A%zzB');
});
