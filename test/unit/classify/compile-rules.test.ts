// Rule validation (RulesError naming the rule, stable code) and the semantics of each condition kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { compileRules, type ClassifyInput } from '../../../src/classify/index.ts';
import { RulesError } from '../../../src/errors.ts';

const base = { id: 't-1', rev: 1, name: 'Test Rule', category: 'probe', severity: 'low' };
const rule = (extra: Record<string, unknown>) => ({ ...base, ...extra });

function rejects(docs: unknown[], ruleId: string, re?: RegExp): void {
  assert.throws(() => compileRules(docs), (e: unknown) => {
    assert.ok(e instanceof RulesError, String(e));
    assert.equal(e.code, 'SYNBAIT_ERR_RULES');
    assert.equal(e.ruleId, ruleId);
    if (re) assert.match(e.message, re);
    return true;
  });
}

const input = (payload: string | Buffer, extra: Partial<ClassifyInput> = {}): ClassifyInput => ({
  proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.1', src_port: 40000, dst_ip: '203.0.113.1', dst_port: 80,
  payload: typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload, ts_ms: 0, ...extra,
});
const fires = (r: Record<string, unknown>, i: ClassifyInput) => compileRules([rule(r)]).classify(i).labels.length === 1;

test('validation: ids, duplicates, required and unknown fields', () => {
  rejects([{ ...base, id: 'Bad Id', match: { content: 'x' } }], 'Bad Id', /id must look like/);
  rejects([{ ...base, id: undefined, match: { content: 'x' } }], '#1');
  rejects([rule({ match: { content: 'x' } }), rule({ match: { content: 'y' } })], 't-1', /duplicate id/);
  rejects([rule({ name: undefined, match: { content: 'x' } })], 't-1', /name/);
  rejects([rule({ rev: 0, match: { content: 'x' } })], 't-1', /rev/);
  rejects([rule({ rev: 1.5, match: { content: 'x' } })], 't-1', /rev/);
  rejects([rule({ category: 'nasty', match: { content: 'x' } })], 't-1', /category/);
  rejects([rule({ severity: 'extreme', match: { content: 'x' } })], 't-1', /severity/);
  rejects([rule({ colour: 'red', match: { content: 'x' } })], 't-1', /unknown field "colour"/);
  rejects([rule({ match: { content: 'x', depht: 3 } })], 't-1', /unknown field "depht"/);
  rejects([rule({})], 't-1', /no condition/);
  rejects([rule({ match: { wat: 1 } })], 't-1', /condition needs/);
  rejects([rule({ match: { field: 'http.colour', contains: 'x' } })], 't-1', /unknown field "http.colour"/);
  rejects([rule({ match: { field: 'ntp.mode', contains: 'x' } })], 't-1', /numeric/);
  rejects([rule({ match: { field: 'http.uri' } })], 't-1', /no operator/);
  rejects([rule({ match: { all: [] } })], 't-1', /non-empty/);
  rejects([rule({ proto: 'sctp', match: { content: 'x' } })], 't-1', /proto/);
  rejects([rule({ proto: 'udp', state: 'acked', match: { content: 'x' } })], 't-1', /udp/);
});

test('validation: hex, ports, offsets, thresholds', () => {
  rejects([rule({ match: { hex: '0g' } })], 't-1', /bad hex/);
  rejects([rule({ match: { hex: '123' } })], 't-1', /bad hex/);
  rejects([rule({ match: { content: 'a', hex: '61' } })], 't-1', /exclusive/);
  rejects([rule({ match: { hex: '61', nocase: true } })], 't-1', /nocase/);
  rejects([rule({ match: { content: 'abcd', depth: 2 } })], 't-1', /depth/);
  rejects([rule({ match: { content: 'a', at: 1, offset: 2 } })], 't-1', /at excludes/);
  rejects([rule({ ports: [70000], match: { content: 'x' } })], 't-1', /port/);
  rejects([rule({ ports: ['90-80'], match: { content: 'x' } })], 't-1', /range/);
  rejects([rule({ ports: ['http'], match: { content: 'x' } })], 't-1', /bad port/);
  rejects([rule({ ports: [], match: { content: 'x' } })], 't-1', /ports/);
  rejects([rule({ match: { uint: { at: 0, size: 3 }, equals: 1 } })], 't-1', /size/);
  rejects([rule({ match: { uint: { at: 0, size: 2 }, equals: 'len' } })], 't-1', /payload_len/);
  rejects([rule({ threshold: { count: 1, window_s: 60, by: ['src_ip'] } })], 't-1', /count/);
  rejects([rule({ threshold: { count: 5, window_s: 60, by: ['src_mac'] } })], 't-1', /by/);
  rejects([rule({ threshold: { count: 5, window_s: 60, by: ['src_ip'], distinct: 'ttl' } })], 't-1', /distinct/);
  let deep: unknown = { content: 'x' };
  for (let i = 0; i < 10; i++) deep = { not: deep };
  rejects([rule({ match: deep })], 't-1', /deeper/);
});

test('validation: unsafe or unprefiltered regular expressions are rejected, naming the rule', () => {
  const withLit = (regex: string) => rule({ match: { all: [{ content: 'lit' }, { field: 'payload', regex }] } });
  rejects([withLit('(a+)+$')], 't-1', /nested quantifier/);
  rejects([withLit('(a|a)*b')], 't-1', /alternation/);
  rejects([withLit('(\\w+)*x')], 't-1', /nested/);
  rejects([withLit('(a)\\1')], 't-1', /backreference/);
  rejects([withLit('(?<=a)b')], 't-1', /lookaround/);
  rejects([withLit('(?!a)b')], 't-1', /lookaround/);
  rejects([withLit('a{1,5000}')], 't-1', /repetition bound/);
  rejects([withLit('x'.repeat(600))], 't-1', /longer than/);
  rejects([withLit('[a-')], 't-1', /missing closing \]/);
  rejects([rule({ match: { field: 'payload', regex: 'abc' } })], 't-1', /prefilter/);
  rejects([rule({ match: { any: [{ content: 'x' }, { field: 'payload', regex: 'abc' }] } })], 't-1', /prefilter/);
  assert.equal(compileRules([withLit('a[0-9]{2,4}b')]).ruleCount, 1);
});

test('content: offset, depth, at, nocase, hex', () => {
  assert.ok(fires({ match: { content: 'USER', at: 0 } }, input('USER root')));
  assert.ok(!fires({ match: { content: 'USER', at: 0 } }, input(' USER root')));
  assert.ok(!fires({ match: { content: 'user', at: 0 } }, input('USER root')));
  assert.ok(fires({ match: { content: 'user', at: 0, nocase: true } }, input('USER root')));
  assert.ok(fires({ match: { content: 'root', offset: 5, depth: 4 } }, input('USER root')));
  assert.ok(!fires({ match: { content: 'root', offset: 6 } }, input('USER root')));
  assert.ok(!fires({ match: { content: 'root', depth: 8 } }, input('USER root')));
  assert.ok(fires({ match: { hex: '|00 01| ff:fe', at: 1 } }, input(Buffer.from([9, 0, 1, 0xff, 0xfe]))));
  assert.ok(!fires({ match: { hex: '00 01 ff fe', at: 0 } }, input(Buffer.from([9, 0, 1, 0xff, 0xfe]))));
});

test('uint: endianness, mask, ranges, payload_len relation', () => {
  const b = Buffer.from([0x80, 0x00, 0x00, 0x28, 0x01, 0x02]);
  assert.ok(fires({ match: { uint: { at: 0, size: 4 }, equals: 0x80000028 } }, input(b)));
  assert.ok(fires({ match: { uint: { at: 0, size: 4, mask: 0x7fffffff }, equals: 40 } }, input(b)));
  assert.ok(fires({ match: { uint: { at: 4, size: 2, endian: 'le' }, equals: 0x0201 } }, input(b)));
  assert.ok(fires({ match: { uint: { at: 4, size: 1 }, min: 1, max: 1 } }, input(b)));
  assert.ok(fires({ match: { uint: { at: 4, size: 1 }, in: [7, 1] } }, input(b)));
  assert.ok(!fires({ match: { uint: { at: 5, size: 2 }, min: 0 } }, input(b)), 'a read past the end never matches');
  assert.ok(fires({ match: { uint: { at: 4, size: 2 }, equals: 'payload_len+252' } }, input(b)));
});

test('fields: http fields, headers by name, url decoding, numeric facts, exists', () => {
  const req = 'GET /a%2e%2e/b?x=1&cmd=%24%7BIFS%7D HTTP/1.1\r\nHost: h\r\nuser-agent: Tester/1\r\nX-Empty:\r\n\r\nbody';
  assert.ok(fires({ match: { field: 'http.header.User-Agent', prefix: 'tester/', nocase: true } }, input(req)));
  assert.ok(!fires({ match: { field: 'http.header.User-Agent', prefix: 'tester/' } }, input(req)));
  assert.ok(fires({ match: { field: 'http.header.X-Empty', exists: true } }, input(req)));
  rejects([rule({ match: { field: 'http.header.X-Empty', equals: '' } })], 't-1', /non-empty/);
  rejects([rule({ match: { field: 'http.header.Bad Name', exists: true } })], 't-1', /unknown field/);
});

test('fields: decode, path/query split, method, body, numbers', () => {
  const req = 'GET /a%2e%2e/b?x=1&cmd=%24%7BIFS%7D HTTP/1.1\r\nHost: h\r\nuser-agent: Tester/1\r\n\r\nbody';
  assert.ok(fires({ match: { field: 'http.query', decode: 'url', contains: '${IFS}' } }, input(req)));
  assert.ok(!fires({ match: { field: 'http.query', contains: '${IFS}' } }, input(req)));
  assert.ok(fires({ match: { field: 'http.path', equals: '/a%2e%2e/b' } }, input(req)));
  assert.ok(fires({ match: { field: 'http.method', in: ['POST', 'GET'] } }, input(req)));
  assert.ok(fires({ match: { field: 'http.body', equals: 'body' } }, input(req)));
  assert.ok(fires({ match: { field: 'http.header.Referer', exists: false } }, input(req)));
  assert.ok(fires({ match: { field: 'payload_len', min: 10, max: 200 } }, input(req)));
  assert.ok(fires({ match: { field: 'dst_port', equals: 80 } }, input(req)));
  assert.ok(!fires({ match: { field: 'syn.window', equals: 1024 } }, input(req)), 'no SYN facts: no match');
});

test('logic: all, any, not; proto, state and port filters', () => {
  const r = { proto: 'tcp', state: 'acked', ports: [80, '8000-8100'], match: { all: [{ content: 'GET' }, { any: [{ content: 'x' }, { content: 'y' }] }, { not: { content: 'z' } }] } };
  assert.ok(fires(r, input('GET y')));
  assert.ok(!fires(r, input('GET w')));
  assert.ok(!fires(r, input('GET y z')));
  assert.ok(fires(r, input('GET x', { dst_port: 8050 })));
  assert.ok(!fires(r, input('GET x', { dst_port: 8101 })));
  assert.ok(!fires(r, input('GET x', { proto: 'udp', state: 'udp' })));
  assert.ok(!fires(r, input('GET x', { state: 'syn' })));
});

test('prefilter: required literals are derived from all/any and checked first', () => {
  const c = compileRules([rule({ match: { all: [{ field: 'http.uri', contains: 'abc' }, { any: [{ content: 'Longer-One' }, { content: 'other' }] }] } })]);
  assert.deepEqual([...c.rules[0]!.prefilter!].sort(), ['longer-one', 'other']);
  const d = compileRules([rule({ match: { any: [{ content: 'x' }, { field: 'http.uri', decode: 'url', contains: 'y' }] } })]);
  assert.equal(d.rules[0]!.prefilter, null, 'a decoded alternative cannot prefilter');
});

test('a rule can be disabled; labels carry id, rev, name, category, severity', () => {
  const c = compileRules([rule({ enabled: false, match: { content: 'x' } }), rule({ id: 't-2', rev: 3, match: { content: 'x' } })]);
  assert.equal(c.ruleCount, 1);
  assert.deepEqual(c.classify(input('x')).labels, [{ id: 't-2', rev: 3, name: 'Test Rule', category: 'probe', severity: 'low' }]);
});

test('payload beyond the inspection limit is not inspected, and the input is not modified', async () => {
  const { INSPECT_LIMIT } = await import('../../../src/classify/index.ts');
  const c = compileRules([rule({ match: { content: 'NEEDLE' } })]);
  const far = Buffer.concat([Buffer.alloc(INSPECT_LIMIT, 0x41), Buffer.from('NEEDLE')]);
  const copy = Buffer.from(far);
  assert.equal(c.classify(input(far)).labels.length, 0);
  assert.deepEqual(far, copy);
  const near = Buffer.concat([Buffer.alloc(INSPECT_LIMIT - 6, 0x41), Buffer.from('NEEDLE')]);
  assert.equal(c.classify(input(near)).labels.length, 1);
});
