// Rule regexes through re2js: agree with JavaScript's RegExp on the supported syntax, refuse what they must (what RE2
// cannot run, and the shapes that are catastrophic on backtracking engines). Speed on hostile input is measured by
// the classifier benchmark (test/bench/classify-bench.ts), not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileSafeRegex } from '../../../src/classify/index.ts';

const compile = (p: string, f = '') => {
  const r = compileSafeRegex(p, { nocase: f === 'i' });
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
  for (const p of ['(a+)+', '(a|a)*', '(\\w+)*x', '(a*)*', '(?:a?b+)+', '\\1', '(a)\\1', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b', '(?<n>a)', '(?P<n>a)', '\\k<n>', 'a**', 'a{2}{3}', '*a', '(', ')', '[a', 'a{300}', 'x'.repeat(513)]) {
    const r = compileSafeRegex(p);
    assert.equal(r.ok, false, `/${p}/ must be rejected`);
    if (!r.ok) assert.ok(r.reason.length > 5);
  }
  assert.equal(compileSafeRegex('é').ok, true, 'latin1 characters are fine');
  assert.equal(compileSafeRegex('\u20ac').ok, false, 'characters outside latin1 never match');
  assert.equal(compileSafeRegex('[a-z]{0,200}x').ok, true);
  assert.equal(compileSafeRegex('(?:ab|cd){0,16}x').ok, true, 'small bounded alternation');
  assert.equal(compileSafeRegex('(?:ab|cd){0,17}x').ok, false);
  assert.equal(compileSafeRegex('(?:a+b)?c').ok, true, 'a quantified group under ? is fine');
  assert.equal(compileSafeRegex('[(+]*x').ok, true, 'quantifier characters inside a class are literals');
});

test('the linear policy (community signatures) refuses only what RE2 cannot run', () => {
  assert.equal(compileSafeRegex('(a+)+b', { policy: 'linear' }).ok, true);
  assert.equal(compileSafeRegex('(a|b)*c', { policy: 'linear' }).ok, true);
  assert.equal(compileSafeRegex('a{900}', { policy: 'linear', maxRepeat: 1000, maxProgram: 1e6 }).ok, true);
  for (const p of ['(a)\\1', '(?=a)', '(?<!a)b', 'a{1001}']) assert.equal(compileSafeRegex(p, { policy: 'linear', maxRepeat: 1000 }).ok, false, p);
});

test('dotAll and multiline flags', () => {
  const dot = compileSafeRegex('a.b', { dotAll: true });
  assert.ok(dot.ok && dot.regex.test('a\nb'));
  const plain = compileSafeRegex('a.b');
  assert.ok(plain.ok && !plain.regex.test('a\nb'));
  const ml = compileSafeRegex('^b', { multiline: true });
  assert.ok(ml.ok && ml.regex.test('a\nb'));
});

test('inputs that are exponential or cubic for backtracking engines give the same answers as RegExp', () => {
  const cases: [string, string][] = [
    ['a.*b.*c.*d', 'a'.repeat(8192)],
    ['[a-z]{0,200}x', 'a'.repeat(8192)],
    ['(?:a|ab)(?:c|bcd)(?:d*)e', 'abcd'.repeat(2048)],
    ['\\$\\{[^}]{0,120}\\$\\{(?:lower|upper|::-)', '${'.repeat(4096)],
  ];
  for (const [p, s] of cases) assert.equal(compile(p).test(s), new RegExp(p).test(s), p);
});

test('a pattern whose DFA has thousands of states still answers like RegExp', () => {
  // "a, then exactly 12 more symbols, then c": the subset construction needs ~2^13 states
  const p = 'a[ab]{12}c';
  const re = compile(p);
  const js = new RegExp(p);
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'b', 'c'), minLength: 20, maxLength: 400 }), (s) => {
    assert.equal(re.test(s), js.test(s), s);
  }), { numRuns: 500 });
});
