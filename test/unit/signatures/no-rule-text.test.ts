// A compiled set keeps no rule text: the files' text (large latin1 strings, held outside the JS heap) is freed
// once compiled, even though skipped and error entries name their options and signatures keep contents,
// messages and patterns. A slice of the text kept anywhere would keep the whole file alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { compileSignatures, ruleVars } from '../../../src/classify/suricata/index.ts';
import { HOME, record } from './helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const RULES = readFileSync(new URL('../../fixtures/signatures/prefilter-corpus.rules', import.meta.url), 'latin1');
const EXTRA = [
  'alert tcp any any -> any any (msg:"skipped"; flow:to_client; content:"x"; sid:1;)',
  'alert tcp any any -> any any (msg:"error"; content:"x"; no_such_keyword; sid:2;)',
  'alert tcp any any -> any any (msg:"pcre skipped"; content:"x"; pcre:"/(a)\\1/"; sid:3;)',
  // option names of 13 characters or more: V8 makes such substrings slices of the whole text
  'alert http any any -> any any (msg:"server side"; http.response_line; content:"200"; sid:4;)',
  'alert tcp any any -> any any (msg:"unknown long"; content:"x"; no_such_long_keyword_here; sid:5;)',
  'alert tcp any any -> any any (msg:"long skip"; app-layer-event:http.invalid_header; sid:6;)',
].join('\n');

/** About 3 MB of rule text with distinct sids, as one string made from a Buffer (stored outside the heap). */
function bigText(): string {
  const parts: string[] = [];
  let k = 0;
  for (let size = 0; size < 3e6; k++) {
    const block = `${RULES}\n${EXTRA}\n`.replace(/sid:(\d+);/g, (_, n: string) => `sid:${Number(n) + k * 1000};`);
    parts.push(block);
    size += block.length;
  }
  return Buffer.from(parts.join(''), 'latin1').toString('latin1');
}

/** Memory held outside the JS heap other than ArrayBuffers (the prefilter's tables are ArrayBuffers). */
const outside = () => {
  const m = process.memoryUsage();
  return m.external - m.arrayBuffers;
};

test('the compiled set does not keep the rule text', () => {
  gc();
  const before = outside();
  let text: string | undefined = bigText();
  const size = text.length;
  assert.ok(outside() - before > size * 0.9, 'the text is an external string (this test relies on it)');
  const c = compileSignatures([{ file: 'big.rules', text, ruleset: 'test' }], { vars: ruleVars([HOME]) });
  text = undefined;
  // V8 keeps the subject of the last regular expression match (RegExp.lastMatch): any later match replaces it
  /./.exec('-');
  gc();
  gc();
  const kept = outside() - before;
  assert.ok(c.stats.loaded > 1000 && c.skipped.length > 100 && c.errors.length > 100);
  assert.ok(kept < size * 0.2, `${kept} bytes of ${size} still held outside the heap after the compile`);
  assert.equal(c.signatures.match(record('GET /admin HTTP/1.1\r\nHost: x\r\n\r\n')).length > 0, true);
});
