// Properties: compiling any rule text and matching any payload never throws; the prefilter never changes a
// result (the same labels with and without it, on generated rules and payloads); patterns a linear-time engine
// cannot run are skipped, never run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileSignatures, ruleVars } from '../../../src/classify/suricata/index.ts';
import { SignatureSet } from '../../../src/classify/suricata/signature-set.ts';
import { compilePcre, parsePcreValue } from '../../../src/classify/suricata/pcre.ts';
import { adversarialPayloads } from '../classify/adversarial.ts';
import { compile, record, HOME } from './helpers.ts';

const ALPHABET = 'abcAB/ ?=%.\r\n:|0';
const word = fc.string({ unit: fc.constantFrom(...ALPHABET.split('')), minLength: 1, maxLength: 6 });
const escape = (s: string) => s.replace(/[\\";:|]/g, (c) => `|${c.charCodeAt(0).toString(16).padStart(2, '0')}|`);

const BUFFERS = ['', 'http.uri; ', 'http.header; ', 'http.method; ', 'http.user_agent; ', 'http.host; ', 'http.request_body; ', 'http.uri.raw; ', 'http.start; '];
const content = fc.record({
  w: word, neg: fc.boolean(), nocase: fc.boolean(),
  pos: fc.oneof(fc.constant(''), fc.constant(' startswith;'), fc.constant(' endswith;'), fc.nat({ max: 8 }).map((n) => ` offset:${n};`),
    fc.nat({ max: 8 }).map((n) => ` distance:${n - 4};`), fc.nat({ max: 12 }).map((n) => ` distance:0; within:${n + 6};`), fc.nat({ max: 12 }).map((n) => ` depth:${n + 6};`)),
}).map((c) => `content:${c.neg ? '!' : ''}"${escape(c.w)}";${c.nocase ? ' nocase;' : ''}${c.pos}`);
const extra = fc.constantFrom('', ' isdataat:1,relative;', ' pcre:"/a.?b/i";', ' pcre:"/^G/R";', ' byte_test:1,>,64,0,relative;', ' dsize:>10;', ' bsize:<40;', ' urilen:>2;');
const rule = fc.tuple(fc.constantFrom(...BUFFERS), fc.array(content, { minLength: 1, maxLength: 3 }), extra, fc.constantFrom('alert tcp', 'alert http'))
  .map(([buf, cs, x, h]) => `${h} any any -> any any (msg:"g"; ${buf}${cs.join(' ')}${x} sid:1;)`);

const request = fc.tuple(fc.constantFrom('GET', 'POST', 'HEAD'), word, fc.array(word, { maxLength: 3 }), word)
  .map(([m, path, hs, body]) => `${m} /${path.replace(/[ \r\n]/g, '')} HTTP/1.1\r\nHost: ${hs[0] ?? 'h'}\r\n${hs.map((h, i) => `X-${i}: ${h.replace(/[\r\n]/g, '')}\r\n`).join('')}User-Agent: ${body}\r\n\r\n${body}`);
const payload = fc.oneof(request, fc.string({ unit: fc.constantFrom(...ALPHABET.split('')), maxLength: 60 }), fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('latin1')));

test('compiling arbitrary rule text never throws', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 120 }), (junk, opts) => {
    const c = compileSignatures([{ file: 'f', text: `${junk}\nalert tcp any any -> any any (${opts})\n${junk}`, ruleset: 'r' }], { vars: ruleVars([HOME]) });
    assert.equal(c.stats.loaded + c.stats.skipped + c.stats.errors, c.stats.enabled);
  }), { numRuns: 400 });
});

test('matching never throws, and the prefilter never changes the result', () => {
  fc.assert(fc.property(fc.array(rule, { minLength: 1, maxLength: 12 }), fc.array(payload, { minLength: 1, maxLength: 4 }), (rules, payloads) => {
    const text = rules.map((r, i) => r.replace(/sid:\d+;/, `sid:${i + 1};`)).join('\n');
    const c = compile(text);
    const brute = new SignatureSet(c.signatures.signatures, { prefilter: false });
    for (const p of payloads) {
      const r = record(p);
      assert.deepEqual(c.signatures.match(r), brute.match(r));
    }
  }), { numRuns: 300 });
});

test('adversarial payloads against generated rules: no throw, prefilter-equivalent', () => {
  const rules = fc.sample(rule, { numRuns: 60, seed: 42 }).map((r, i) => r.replace(/sid:\d+;/, `sid:${i + 1};`)).join('\n');
  const c = compile(rules);
  const brute = new SignatureSet(c.signatures.signatures, { prefilter: false });
  for (const [name, p] of adversarialPayloads()) assert.deepEqual(c.signatures.match(record(p)), brute.match(record(p)), name);
});

test('patterns re2js cannot run are skipped with a reason, never compiled for V8', () => {
  const cases: [string, string][] = [
    ['/(a+)\\1/', 'pcre:backreference'],
    ['/(?P<x>a)(?P=x)/', 'pcre:backreference'],
    ['/\\k<x>/', 'pcre:backreference'],
    ['/a(?=b)/', 'pcre:lookahead'],
    ['/a(?!b)/', 'pcre:lookahead'],
    ['/(?>a+)b/', 'pcre:atomic'],
    ['/a++b/', 'pcre:atomic'],
    ['/a{2,}+/', 'pcre:atomic'],
    ['/(a|(?R))/', 'pcre:recursion'],
    ['/(?(1)a|b)/', 'pcre:recursion'],
    ['/a{1001}/', 'pcre:repeat'],
    ['/(?:a{1,100}){1,100}/', 'pcre:repeat'],
    ['/(*UTF)a/', 'pcre:unsupported'],
  ];
  for (const [re, reason] of cases) {
    const p = parsePcreValue(`"${re}"`);
    assert.ok(p.ok, re);
    const r = compilePcre(p.value);
    assert.equal(r.ok, false, re);
    if (!r.ok) assert.equal(r.reason, reason, re);
    const c = compile(`alert tcp any any -> any any (msg:"x"; content:"a"; pcre:"${re}"; sid:1;)`);
    assert.deepEqual(c.skipped.map((s) => s.reason), [reason], re);
  }
  // what backtracks exponentially on V8 is linear here: (a|aa)*$ on 8 KiB of "a" then "!" (counted in matches, not time)
  const c = compile('alert tcp any any -> any any (msg:"x"; content:"a"; pcre:"/^(a|aa)*$/"; sid:1;)');
  assert.equal(c.stats.loaded, 1);
  assert.deepEqual(c.signatures.match(record(`${'a'.repeat(8000)}!`)), []);
  assert.equal(c.signatures.match(record('a'.repeat(8000))).length, 1);
});
