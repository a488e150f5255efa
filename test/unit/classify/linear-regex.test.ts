// The linear-time regex engine: agrees with JavaScript's RegExp on the supported syntax, rejects what it must,
// and stays fast on inputs that make backtracking engines explode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileLinearRegex } from '../../../src/classify/index.ts';

const compile = (p: string, f = '') => {
  const r = compileLinearRegex(p, f);
  if (!r.ok) assert.fail(`/${p}/ rejected: ${r.reason}`);
  return r.regex;
};

const TABLE: [string, string, string[]][] = [
  ['abc', '', ['abc', 'xxabcxx', 'ab', 'acb', '']],
  ['^abc', '', ['abc', 'xabc', 'abcx']],
  ['abc$', '', ['xabc', 'abcx']],
  ['^$', '', ['', 'a']],
  ['a.*b.*c', '', ['a---b---c', 'a---b---', 'abc', 'a\nb c']],
  ['(?:GET|POST) /x', '', ['POST /x', 'PUT /x', 'GET  /x']],
  ['[a-c]{2,3}d', 'i', ['xxBCd', 'ad', 'abcd', 'ABCCd']],
  ['x{3}', '', ['xx', 'xxx']],
  ['x{2,}y', '', ['xy', 'xxy', 'xxxxy']],
  ['\\d+\\.\\d+', '', ['v1.22', 'v.1', '1.']],
  ['[^\\r\\n]{5}', '', ['ab\ncd', 'abcde']],
  ['(?:\\.|%2e){2}/', 'i', ['%2e./', '../', '.%2E/', './']],
  ['colou?r', '', ['color', 'colour', 'colouur']],
  ['a|b|c', '', ['zzc', 'zz']],
  ['\\$\\{[^}]{0,10}jndi', 'i', ['${jndi', '${${lower:j}ndi', '${aaaaaaaaaaaaajndi']],
  ['[\\x00-\\x1f]', '', ['\x00', 'abc', '\x1f']],
  ['\\w\\W\\s\\S', '', ['a- x', 'a-xx', 'aa x']],
  ['[.]', '', ['.', 'a']],
  ['^[0-9]{1,7}\\x00[A-Za-z]{1,12}\\|\'\\|', '', ["12\x00ll|'|", "12ll|'|"]],
];

test('agrees with RegExp on a table of patterns', () => {
  for (const [p, f, inputs] of TABLE) {
    const re = compile(p, f);
    const js = new RegExp(p, f);
    for (const s of inputs) assert.equal(re.test(s), js.test(s), `/${p}/${f} on ${JSON.stringify(s)}`);
  }
});

test('property: agrees with RegExp on random strings over a small alphabet', () => {
  const patterns = TABLE.map(([p, f]) => [compile(p, f), new RegExp(p, f)] as const);
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', 'y', '.', '/', '%', '2', 'e', 'E', '$', '{', '}', '\n', ' ', 'j', 'n', 'd', 'i'), maxLength: 40 }), (s) => {
    for (const [re, js] of patterns) assert.equal(re.test(s), js.test(s), `/${js.source}/ on ${JSON.stringify(s)}`);
  }), { numRuns: 2000 });
});

test('rejects catastrophic or unsupported constructs with a reason', () => {
  for (const p of ['(a+)+', '(a|a)*', '(\\w+)*x', '(a*)*', '(?:a?b+)+', '\\1', '(a)\\1', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b', '(?<n>a)', '\\k<n>', 'a**', 'a{2}{3}', '\\bfoo', '*a', '(', ')', '[a', 'a{300}', 'x'.repeat(513)]) {
    const r = compileLinearRegex(p);
    assert.equal(r.ok, false, `/${p}/ must be rejected`);
    if (!r.ok) assert.ok(r.reason.length > 5);
  }
  assert.equal(compileLinearRegex('a', 'g').ok, false, 'only the i flag');
  assert.equal(compileLinearRegex('é').ok, true, 'latin1 characters are fine');
  assert.equal(compileLinearRegex('\u20ac').ok, false, 'characters outside latin1 never match');
});

test('bounded time on inputs that are exponential or cubic for backtracking engines', () => {
  const cases: [string, string][] = [
    ['a.*b.*c.*d', 'a'.repeat(8192)],
    ['[a-z]{0,200}x', 'a'.repeat(8192)],
    ['(?:a|ab)(?:c|bcd)(?:d*)e', 'abcd'.repeat(2048)],
    ['\\$\\{[^}]{0,120}\\$\\{(?:lower|upper|::-)', '${'.repeat(4096)],
  ];
  for (const [p, s] of cases) {
    const re = compile(p);
    re.test(s); // warm the state cache
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) re.test(s);
    const ms = (performance.now() - t0) / 5;
    assert.ok(ms < 25, `/${p}/ took ${ms.toFixed(2)} ms on ${s.length} chars`);
  }
});

test('a pattern whose DFA has thousands of states (cache flushes) still answers like RegExp', () => {
  // "a, then exactly 12 more symbols, then c": the subset construction needs ~2^13 states, far over the cache.
  const p = 'a[ab]{12}c';
  const re = compile(p);
  const js = new RegExp(p);
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'b', 'c'), minLength: 20, maxLength: 400 }), (s) => {
    assert.equal(re.test(s), js.test(s), s);
  }), { numRuns: 500 });
});
