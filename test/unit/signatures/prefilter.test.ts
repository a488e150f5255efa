// The prefilter against straightforward references: the pattern scanner reports exactly the patterns that
// occur in the text (String.includes over folded copies), and signatures matched through the prefilter label
// exactly what the same signatures label when every one is evaluated on every record, over a fixed corpus
// (rules of our own in test/fixtures/signatures, the labelled corpus, the classifier's samples, adversarial
// inputs and case-flipped copies of them) and over generated records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { PatternScanner } from '../../../src/classify/suricata/pattern-scanner.ts';
import { SignatureSet } from '../../../src/classify/suricata/signature-set.ts';
import type { SignatureInput } from '../../../src/classify/suricata/index.ts';
import { loadLabelCorpus, sampleInputs } from '../../fixtures/labels/corpus.ts';
import { adversarialPayloads } from '../classify/adversarial.ts';
import { loadIndex, payloadInput, synInput } from '../classify/samples.ts';
import { compile, record } from './helpers.ts';

const RULES = readFileSync(new URL('../../fixtures/signatures/prefilter-corpus.rules', import.meta.url), 'latin1');

/** Patterns occurring in text, by the definition: folded text includes the folded pattern. */
function reference(patterns: readonly string[], text: string): number[] {
  const t = text.toLowerCase();
  return patterns.flatMap((p, i) => (t.includes(p.toLowerCase()) ? [i] : [])).sort((a, b) => a - b);
}

function scanned(s: PatternScanner, text: string, seen: Uint32Array, epoch: number): number[] {
  const out: number[] = [];
  s.scan(text, seen, epoch, out);
  assert.equal(new Set(out).size, out.length, 'a pattern is reported once per scan');
  return out.sort((a, b) => a - b);
}

// a small alphabet (with upper case and latin1 letters) makes overlaps, shared grams and repeats frequent
const UNITS = 'aAbB/-\u00c9\u00e9\u0000\u00ff'.split('');
const str = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...UNITS), minLength: min, maxLength: max });

test('the scanner reports exactly the patterns that occur, once each (generated)', () => {
  fc.assert(fc.property(fc.array(str(1, 9), { minLength: 1, maxLength: 40 }), fc.array(str(0, 120), { minLength: 1, maxLength: 4 }), (patterns, texts) => {
    const s = new PatternScanner(patterns);
    const seen = new Uint32Array(patterns.length);
    texts.forEach((t, k) => assert.deepEqual(scanned(s, t, seen, k + 1), reference(patterns, t), JSON.stringify({ patterns, t })));
  }), { numRuns: 500 });
});

test('the scanner on duplicate patterns, patterns sharing every gram, and texts shorter than a gram', () => {
  const patterns = ['abab', 'ABAB', 'bababa', 'ab', 'a', 'aba', 'abababab', 'zzzz', 'Zz'];
  const s = new PatternScanner(patterns);
  const seen = new Uint32Array(patterns.length);
  let epoch = 0;
  for (const t of ['', 'a', 'ab', 'aba', 'xxABABABx', 'zZzZ', 'bab', 'zz']) assert.deepEqual(scanned(s, t, seen, ++epoch), reference(patterns, t), t);
  assert.deepEqual(scanned(new PatternScanner([]), 'anything', new Uint32Array(0), 1), []);
});

/** Every record of the fixed corpus, and a copy of each payload record with the case of its letters flipped. */
function corpusRecords(): SignatureInput[] {
  const label = loadLabelCorpus().flatMap((s, n) => sampleInputs(s, n));
  const samples = [...loadIndex('captured'), ...loadIndex('constructed')].map((s) => payloadInput(s));
  const syns = loadIndex('syn').map((s) => synInput(s));
  const adv = adversarialPayloads().map(([, p]) => record(p));
  const base: SignatureInput[] = [...label, ...samples, ...syns, ...adv];
  const flipped = base.filter((r) => r.payload.length > 0).map((r) => ({
    ...r, payload: Buffer.from(Buffer.from(r.payload).toString('latin1').replace(/[a-zA-Z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())), 'latin1'),
  }));
  return [...base, ...flipped];
}

test('fixed corpus: the prefilter labels exactly what evaluating every signature labels', () => {
  const c = compile(RULES, { file: 'prefilter-corpus.rules' });
  assert.equal(c.stats.errors, 0, JSON.stringify(c.errors));
  assert.equal(c.stats.skipped, 0, JSON.stringify(c.skipped));
  const brute = new SignatureSet(c.signatures.signatures, { prefilter: false });
  const fired = new Set<number>();
  for (const r of corpusRecords()) {
    const got = c.signatures.match(r);
    assert.deepEqual(got, brute.match(r), `${r.proto}/${r.dst_port} ${Buffer.from(r.payload).toString('latin1').slice(0, 60)}`);
    for (const l of got) fired.add(l.sid);
  }
  // the corpus exercises the rules: most of them fire somewhere, so the comparison is not over empty results
  assert.ok(fired.size >= 20, `only ${fired.size} rules fired: ${[...fired].sort((a, b) => a - b).join(',')}`);
});

const HTTP_WORDS = ['GET', 'POST', '/admin', '/cgi-bin/luci', '../', '%2E', 'curl/7', 'Example.COM', 'X-Api-Version:', 'Cookie', 'session=1', '${jndi', 'caf\u00c9', '\u00c9t\u00c9', 'wget http://', 'bins', 'cd /tmp', 'chmod', 'busybox', 'AAAAAAAAA', '\u0000', '\u00ff\u00fb', 'CWD', '-', 'login', 'admin'];
const piece = fc.oneof(fc.constantFrom(...HTTP_WORDS), str(0, 6));
const httpRequest = fc.tuple(fc.constantFrom('GET', 'POST', 'get'), fc.array(piece, { maxLength: 4 }), fc.array(fc.tuple(fc.constantFrom('Host', 'User-Agent', 'Cookie', 'X-Api-Version', 'Content-Type'), fc.array(piece, { maxLength: 3 })), { maxLength: 4 }), fc.array(piece, { maxLength: 4 }))
  .map(([m, path, hs, body]) => `${m} /${path.join('').replace(/[\s]/g, '')} HTTP/1.${body.length % 2}\r\n${hs.map(([n, v]) => `${n}: ${v.join('').replace(/[\r\n]/g, '')}\r\n`).join('')}\r\n${body.join('')}`);
const rawPayload = fc.array(piece, { maxLength: 8 }).map((ps) => ps.join(' '));

test('generated records: the prefilter labels exactly what evaluating every signature labels', () => {
  const c = compile(RULES, { file: 'prefilter-corpus.rules' });
  const brute = new SignatureSet(c.signatures.signatures, { prefilter: false });
  const rec = fc.record({
    payload: fc.oneof(httpRequest, rawPayload), proto: fc.constantFrom<'tcp' | 'udp'>('tcp', 'tcp', 'udp'),
    dst_port: fc.constantFrom(80, 23, 53, 8080), src_ip: fc.constantFrom('198.51.100.7', '192.0.2.44', '192.0.2.99', '2001:db8::1'),
  });
  fc.assert(fc.property(rec, (x) => {
    const r = record(x.payload, { proto: x.proto, dst_port: x.dst_port, src_ip: x.src_ip, ip_version: x.src_ip.includes(':') ? 6 : 4, ...(x.src_ip.includes(':') && { dst_ip: '2001:db8:ffff::7' }) });
    assert.deepEqual(c.signatures.match(r), brute.match(r));
  }), { numRuns: 600 });
});
