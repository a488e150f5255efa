// The payload keywords, each against byte literals, with the outcome Suricata's content inspection engine gives
// (detect-engine-content-inspection.c and the user guide's "Payload Keywords"); comments say why where it is
// not obvious.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fires } from './helpers.ts';

type Case = readonly [options: string, payload: string, expected: boolean, why?: string];

function table(name: string, cases: readonly Case[]) {
  test(name, () => {
    for (const [options, payload, expected, why] of cases) {
      assert.equal(fires(options, payload), expected, `${options} on ${JSON.stringify(payload)}${why ? ` (${why})` : ''}`);
    }
  });
}

table('content, nocase, hex and escapes', [
  ['content:"abc";', 'xxabcxx', true],
  ['content:"abc";', 'xxabxcx', false],
  ['content:"ABC";', 'xabcx', false, 'case matters by default'],
  ['content:"ABC"; nocase;', 'xabcx', true],
  ['content:"|41 42|C";', 'zABCz', true, '|hex| runs'],
  ['content:"|c9|";', '\xe9', false, 'high bytes are not letters'],
  ['content:"|c9|"; nocase;', '\xe9', false, 'nocase folds ASCII only'],
  ['content:"a\\;b\\"c\\\\d\\:e";', 'a;b"c\\d:e', true, 'the four escapes'],
  ['content:"abc"; content:"xyz";', 'xyz abc', true, 'independent contents match in any order'],
]);

table('depth, offset, startswith, endswith', [
  ['content:"abc"; depth:3;', 'abcd', true],
  ['content:"abc"; depth:3;', 'xabc', false],
  ['content:"abc"; offset:1;', 'abc', false],
  ['content:"abc"; offset:1;', 'xabc', true],
  ['content:"abc"; offset:2; depth:3;', 'xxabc', true, 'depth counts from the offset'],
  ['content:"abc"; depth:3; offset:2;', 'xxabc', true, 'in either order'],
  ['content:"abc"; offset:2; depth:3;', 'xxxabc', false],
  ['content:"GET"; startswith;', 'GET /', true],
  ['content:"GET"; startswith;', ' GET /', false],
  ['content:"html"; endswith;', 'a.html', true],
  ['content:"html"; endswith;', 'a.htmlx', false],
  ['content:"ab"; endswith;', 'abxab', true, 'the last occurrence ends the buffer'],
]);

table('distance and within, with Suricata\'s retry of the previous match', [
  ['content:"a"; content:"b"; distance:1; within:1;', 'axb', true],
  ['content:"a"; content:"b"; distance:1; within:1;', 'ab', false],
  ['content:"a"; content:"b"; distance:1; within:1;', 'axxb', false],
  ['content:"a"; content:"b"; distance:0; within:1;', 'axab', true, 'the first "a" fails, the second one is tried (within)'],
  ['content:"a"; content:"b"; distance:0;', 'xab', true],
  ['content:"a"; content:"b"; distance:0;', 'bxa', false, 'relative to the end of the match'],
  ['content:"c"; content:"ab"; distance:-3; within:2;', 'abc', true, 'negative distance looks back'],
  ['content:"ab"; content:"cd"; within:4;', 'abcd', true, 'within alone starts at the previous match end'],
  ['content:"ab"; content:"cd"; within:3;', 'abxcd', true, 'the window is the 3 bytes after the match'],
  ['content:"ab"; content:"cd"; within:2;', 'abxcd', false],
  ['content:"a"; content:"z"; distance:0; endswith;', 'aaz', true],
  ['content:"a"; content:"b"; distance:0; within:1; content:"c"; distance:0; within:1;', 'abxabc', true, 'retries chain through two levels'],
]);

table('negated content', [
  ['content:!"evil";', 'good', true],
  ['content:!"evil";', 'so evil', false],
  ['content:!"x"; depth:2;', 'abx', true, 'the x is past the depth'],
  ['content:"a"; content:!"b"; distance:0; within:1;', 'ab', false],
  ['content:"a"; content:!"b"; distance:0; within:1;', 'ac', true],
  ['content:"a"; content:!"b"; distance:0; within:1;', 'abac', true, 'negated relative content: the next "a" is tried'],
  ['content:"a"; content:!"b"; distance:0;', 'axxxb', false, 'anywhere after the match'],
  ['content:"a"; content:!"zz"; distance:0; within:2;', 'a', true, 'a window that cannot hold the content'],
  ['content:!"xyz"; endswith;', 'xyzq', true, 'present, but not at the end'],
]);

table('isdataat', [
  ['content:"ab"; isdataat:1,relative;', 'abc', true],
  ['content:"ab"; isdataat:1,relative;', 'ab', false],
  ['content:"ab"; isdataat:!1,relative;', 'ab', true],
  ['content:"ab"; isdataat:!1,relative;', 'abxab', true, 'the first "ab" has data after it; the last one is tried next'],
  ['content:"ab"; isdataat:!1,relative;', 'abab!', false],
  ['isdataat:3;', 'abcd', true, 'byte 3 exists'],
  ['isdataat:3;', 'abc', false],
  ['isdataat:!3;', 'abc', true],
]);

table('byte_test', [
  ['byte_test:2,=,258,0;', '\x01\x02', true],
  ['byte_test:2,=,513,0,little;', '\x01\x02', true],
  ['byte_test:2,>,258,0;', '\x01\x02', false],
  ['byte_test:2,!=,258,0;', '\x01\x03', true],
  ['byte_test:1,&,0x80,0;', '\x81', true],
  ['byte_test:1,&,0x80,0;', '\x01', false],
  ['byte_test:1,^,0x01,0;', '\x01', false, 'xor is nonzero unless equal'],
  ['byte_test:4,>,1000,0,string,dec;', '2000x', true],
  ['byte_test:4,<,1000,0,string,dec;', '2000', false],
  ['byte_test:2,=,255,0,string,hex;', 'ff', true],
  ['byte_test:0,>,4000,0,string,dec;', '12345', true, 'zero bytes: the whole number, as strtoull reads it'],
  ['content:"L="; byte_test:1,=,7,0,relative;', 'xxL=\x07', true],
  ['content:"L="; byte_test:1,=,7,1,relative;', 'xxL=\x00\x07', true],
  ['byte_test:4,=,1,0;', '\x00\x00\x01', false, 'reading past the end never matches'],
  ['byte_test:2,=,0x3f,0,bitmask 0x3f00;', '\x3f\x00', true, 'mask, then shift by its trailing zeros'],
]);

table('byte_jump and byte_extract', [
  ['byte_jump:1,0; content:"X"; within:1;', '\x02abX', true, 'jump over the 2 bytes the length names'],
  ['byte_jump:1,0; content:"X"; within:1;', '\x01abX', false],
  ['byte_jump:1,0,from_beginning; content:"X"; within:1;', '\x03abX', true],
  ['byte_jump:1,0,post_offset 1; content:"X"; within:1;', '\x01abX', true],
  ['byte_jump:1,0,multiplier 2; content:"X"; within:1;', '\x01abX', true],
  ['byte_jump:1,0; content:"X"; within:1;', '\x09ab', false, 'a jump past the end fails'],
  ['byte_extract:1,0,len; content:"abc"; distance:len; within:3;', '\x02xxabc', true],
  ['byte_extract:1,0,len; content:"abc"; distance:len; within:3;', '\x01xxabc', false],
  ['byte_extract:1,0,n; byte_test:1,=,n,1;', '\x05\x05', true, 'an extracted value as a test value'],
  ['byte_extract:1,0,n; byte_test:1,=,n,1;', '\x05\x06', false],
  ['byte_extract:2,0,n,string,dec; content:"Z"; offset:n;', '12' + 'x'.repeat(10) + 'Z', true, 'as an offset'],
]);

table('pcre', [
  ['pcre:"/ab+c/";', 'xabbbcx', true],
  ['pcre:"/ABC/";', 'abc', false],
  ['pcre:"/ABC/i";', 'abc', true],
  ['pcre:"/^abc$/";', 'abc\n', true, 'PCRE $ also matches before a final newline'],
]);

table('pcre, continued', [
  ['pcre:"/^abc$/E";', 'abc\n', false, 'E: $ only at the very end'],
  ['pcre:"/a.c/";', 'a\nc', false, '. stops at newline'],
  ['pcre:"/a.c/s";', 'a\nc', true],
  ['pcre:"/^b/m";', 'a\nb', true],
  ['pcre:"/a b # comment/x";', 'ab', true, 'extended syntax'],
  ['pcre:!"/zzz/";', 'abc', true],
  ['pcre:!"/abc/";', 'abc', false],
  ['content:"x"; pcre:"/^y/R";', 'axy', true, 'R: anchored at the end of the previous match'],
  ['content:"x"; pcre:"/^y/R";', 'ayx', false],
  ['pcre:"/a./"; content:"z"; distance:0; within:1;', 'abxacz', true, 'retried from the next pcre match'],
  ['pcre:"/\\x41\\h\\e/";', 'A \x1b', true, 'PCRE escapes translated'],
  ['pcre:"/ab(?#note)c/";', 'abc', true, 'comments dropped'],
  ['pcre:"/(?<=a)b/";', 'ab', true, 'captureless lookbehind runs in linear time'],
]);

table('dsize', [
  ['dsize:>3;', 'abcd', true],
  ['dsize:>3;', 'abc', false],
  ['dsize:2<>5;', 'abcd', true, 'a range is exclusive'],
  ['dsize:2<>5;', 'abcde', false],
  ['dsize:!3;', 'abcd', true],
  ['dsize:<=3; content:"a";', 'abc', true],
]);
