// Parser behaviour the label corpus relies on: njRAT framing with an inferred splitter, request lines with raw
// spaces in the target, SMB variables that must be zero or fixed, and the fast-check "never throws" property for
// the njRAT parser on check-in-shaped input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { parseNjrat, parseSmbNegotiate, parseTextRequest } from '../../../src/classify/index.ts';

const ll = (sep: string, n = 11) => {
  const body = ['ll', ...Array.from({ length: n }, (_, i) => `f${i}`)].join(sep);
  return `${body.length}\0${body}`;
};

test('njRAT: command, inferred splitter and length check', () => {
  const m = ll("|'|'|");
  assert.deepEqual(parseNjrat(m, false), { command: 'll', length: m.length - m.indexOf('\0') - 1, lengthOk: 1, fields: 12 });
  assert.equal(parseNjrat(ll('Y262SUCZ4UJJ'), false)?.fields, 12, 'an alphanumeric splitter is found too');
  assert.equal(parseNjrat(ll('@!#&^%$', 4), false)?.fields, 0, 'too few fields: no splitter inferred');
  assert.deepEqual(parseNjrat("4\0act|'|'|x", false), { command: 'act', length: 4, lengthOk: 1, fields: 0 });
  assert.equal(parseNjrat('99\0ll|x|y', false)?.lengthOk, 0, 'declared length longer than the message');
  assert.equal(parseNjrat('99\0ll|x|y', true)?.lengthOk, 1, 'unless the payload was cut');
  for (const bad of ['', 'GET / HTTP/1.1\r\n', '12345678\0ll', '0\0ll', '12\0\0\0', '12ll']) assert.equal(parseNjrat(bad, false), null, JSON.stringify(bad));
});

test('njRAT parser never throws on check-in-shaped or arbitrary text', () => {
  const text = fc.oneof(fc.string({ maxLength: 300 }), fc.tuple(fc.nat(9999), fc.string({ maxLength: 200 })).map(([n, s]) => `${n}\0ll${s}`));
  fc.assert(fc.property(text, fc.boolean(), (t, cut) => { parseNjrat(t, cut); }), { numRuns: 2000 });
});

test('request line: raw spaces in the target are kept; protocol is the last token', () => {
  const r = parseTextRequest('GET /shell?cd /tmp; wget x HTTP/1.1\r\nHost: a\r\n\r\n')!;
  assert.equal(r.uri, '/shell?cd /tmp; wget x');
  assert.equal(r.protocol, 'HTTP/1.1');
  assert.equal(parseTextRequest('GET /a   HTTP/1.0\r\n\r\n')!.uri, '/a');
  for (const bad of ['GET  HTTP/1.1\r\n', 'GET HTTP/1.1\r\n', 'GET /x HTTP/1\r\n', 'hello world\r\n']) assert.equal(parseTextRequest(bad), null, bad);
  assert.equal(parseTextRequest('GET /x\r\n')!.protocol, 'HTTP/0.9');
});

test('request line: linear on long lines of spaces', () => {
  const line = `GET /${' '.repeat(7990)}x HTTP/1.1\r\n\r\n`;
  assert.equal(parseTextRequest(line)!.uri.length, 7992);
  assert.equal(parseTextRequest(`GET ${' '.repeat(8100)}HTTP/1.1\r\n`), null);
});

const nb = (m: Buffer) => Buffer.concat([Buffer.from([0, 0, m.length >> 8, m.length & 0xff]), m]);
test('SMB: a non-zero SMB1 WordCount and an SMB2 StructureSize other than 64 are malformed', () => {
  const smb1 = (wc: number) => nb(Buffer.concat([Buffer.from('ff534d4272', 'hex'), Buffer.alloc(27), Buffer.from([wc]), Buffer.alloc(wc * 2), Buffer.from([12, 0]), Buffer.from('\x02NT LM 0.12\x00', 'latin1')]));
  assert.equal(parseSmbNegotiate(smb1(0))!.malformed, false);
  assert.equal(parseSmbNegotiate(smb1(12))!.malformed, true);
  const smb2 = (size: number) => nb(Buffer.concat([Buffer.from('fe534d42', 'hex'), Buffer.from([size, 0]), Buffer.alloc(58), Buffer.from([36, 0, 1, 0]), Buffer.alloc(32), Buffer.from([2, 2])]));
  assert.equal(parseSmbNegotiate(smb2(64))!.malformed, false);
  assert.equal(parseSmbNegotiate(smb2(0))!.malformed, true);
});
