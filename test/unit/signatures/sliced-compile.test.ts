// The sliced compile a running sensor reloads with: the same result as the compile at once, and it gives the
// thread back whenever a slice has used up its time (for drainSliced a fake clock decides, never the wall clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSignatures, compileSignaturesAsync, ruleVars, type CompiledSignatures } from '../../../src/classify/suricata/index.ts';
import { drainSliced } from '../../../src/classify/slices.ts';
import { HOME, record } from './helpers.ts';

/** Many rules over several buffers, some flowbits, a skipped one and a broken one. */
function ruleText(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const buf = ['', 'http.uri; ', 'http.user_agent; ', 'http.header; '][i % 4];
    lines.push(`alert http any any -> $HOME_NET any (msg:"gen ${i}"; flow:to_server; ${buf}content:"needle-${i}-x"; nocase; sid:${1000 + i}; rev:1;)`);
  }
  lines.push('alert http any any -> any any (msg:"set"; content:"SETBIT"; flowbits:set,b1; flowbits:noalert; sid:5;)');
  lines.push('alert http any any -> any any (msg:"test"; content:"TESTBIT"; flowbits:isset,b1; sid:6;)');
  lines.push('alert http $HOME_NET any -> any any (msg:"to client"; flow:to_client; content:"x"; sid:7;)');
  lines.push('alert tcp any any -> any any (msg:"broken"; content:"unterminated; sid:8;)');
  return lines.join('\n');
}

const summary = (c: CompiledSignatures) => ({
  stats: c.stats, skipped: c.skipped, errors: c.errors, byReason: [...c.skippedByReason],
  sigs: c.signatures.signatures.map((s) => `${s.sid}:${s.msg}`),
});

const inputs = [
  record('GET /needle-1-x HTTP/1.1\r\nHost: h\r\n\r\n'),
  record('GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: NEEDLE-2-X\r\n\r\n'),
  record('GET /SETBIT/TESTBIT HTTP/1.1\r\nHost: h\r\n\r\n'),
  record('GET /needle-799-x/needle-3-x HTTP/1.1\r\nX-A: needle-3-x\r\n\r\n'),
  record('nothing here'),
];

test('the sliced compile gives the result of the compile at once, labels included', async () => {
  const sources = [{ file: 'gen.rules', text: ruleText(800), ruleset: 't' }];
  const options = { vars: ruleVars([HOME]) };
  const once = compileSignatures(sources, options);
  let yields = 0;
  const sliced = await compileSignaturesAsync(sources, { ...options, sliceMs: 0, yieldTo: async () => { yields++; } });
  assert.ok(yields > 50, `it gave the thread back (${yields} times)`);
  assert.deepEqual(summary(sliced), summary(once));
  assert.equal(once.stats.loaded, 802);
  for (const r of inputs) assert.deepEqual(sliced.signatures.match(r), once.signatures.match(r));
  assert.deepEqual(sliced.signatures.match(inputs[2]!).map((l) => l.sid), [6]);
  yields = 0;
  await compileSignaturesAsync(sources, { ...options, sliceMs: 1e9, yieldTo: async () => { yields++; } });
  assert.equal(yields, 0, 'a slice longer than the whole compile never yields');
});

test('drainSliced yields whenever a slice has run for sliceMs, and only then', async () => {
  function* work(n: number) {
    for (let i = 0; i < n; i++) yield;
    return n;
  }
  // every reading of the clock moves it 1 ms: a 10 ms slice is about 10 steps of work
  let clock = 0;
  const readsAtYield: number[] = [];
  const r = await drainSliced(work(300), { sliceMs: 10, now: () => clock++, yieldTo: async () => { readsAtYield.push(clock); } });
  assert.equal(r, 300);
  assert.ok(readsAtYield.length > 20, `yielded ${readsAtYield.length} times`);
  const gaps = readsAtYield.slice(1).map((x, i) => x - readsAtYield[i]!);
  assert.ok(gaps.every((g) => g <= 12), `slices of at most the budget (clock readings between yields: ${[...new Set(gaps)]})`);
});
