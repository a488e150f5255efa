// Community signatures (Suricata / ET Open) on top of the built-in rules: load time, extra memory, rules
// loaded and skipped by reason, and the labelling cost per record (realistic mix, payload samples, worst
// adversarial input) with the whole decidable set and with the inbound categories only, each against the
// built-in rules alone in the same run. The rules are not part of the repository: pass a directory (or file)
// of ET Open rules with SYNBAIT_BENCH_ET_RULES or as the first argument; without one the section says so.
//
//   SYNBAIT_BENCH_ET_RULES=/path/to/rules node --expose-gc --import tsx test/bench/signatures-bench.ts

import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createClassifier, INSPECT_LIMIT, type ClassifyInput } from '../../src/classify/index.ts';
import { compileSignatures, ruleVars, type CompiledSignatures, type SignatureSet } from '../../src/classify/suricata/index.ts';
import { openRuleFiles } from '../../src/ruleset/read-rules.ts';
import { adversarialPayloads } from '../unit/classify/adversarial.ts';
import { loadIndex, payloadInput, synInput } from '../unit/classify/samples.ts';

/** The ET categories that matter to an inbound honeypot (issue 12). */
export const INBOUND_CATEGORIES = [
  'exploit', 'web_server', 'web_specific_apps', 'scan', 'dos', 'netbios', 'rpc', 'sql', 'shellcode', 'scada', 'voip',
  'telnet', 'ftp', 'smtp', 'pop3', 'imap',
];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const HOME = '203.0.113.0/24';

function realisticMix(): { mix: ClassifyInput[]; payloads: ClassifyInput[] } {
  const payloads = [...loadIndex('captured'), ...loadIndex('constructed')].map((s) => payloadInput(s));
  const syns = loadIndex('syn').map((s) => synInput(s));
  const mix: ClassifyInput[] = [];
  payloads.forEach((p, i) => {
    for (let k = 0; k < 3; k++) mix.push({ ...syns[(i + k) % syns.length]!, dst_port: 1 + ((i * 7919 + k * 104729) % 65535), src_ip: `198.51.100.${(i + k) % 250}` });
    mix.push(p);
  });
  return { mix, payloads };
}

/** ns per record, best of rounds; `sigs` runs after the built-in classifier on its parse, as the sensor will. */
function measure(inputs: readonly ClassifyInput[], sigs: SignatureSet | undefined, minMs = 400, rounds = 3): number {
  const c = createClassifier();
  const one = (i: ClassifyInput) => {
    c.classify(i);
    sigs?.match(i);
  };
  for (let i = 0; i < Math.min(2000, inputs.length * 20); i++) one(inputs[i % inputs.length]!);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < BigInt(minMs) * 1_000_000n) {
      for (let k = 0; k < 64; k++) one(inputs[n++ % inputs.length]!);
      elapsed = process.hrtime.bigint() - t0;
    }
    best = Math.min(best, Number(elapsed) / n);
  }
  return best;
}

async function load(path: string, categories: readonly string[]): Promise<{ c: CompiledSignatures; ms: number; rssBytes: number; bytes: number }> {
  gc();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const files = await openRuleFiles([path], 'et/open');
  const c = compileSignatures(files.sources(), { vars: ruleVars([HOME]), classification: files.classification, selection: { enable: [], disable: [], categories } });
  const ms = performance.now() - t0;
  gc();
  return { c, ms, rssBytes: process.memoryUsage().rss - rss0, bytes: files.bytes };
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;

export interface SignatureBenchResult {
  readonly markdown: string;
  readonly checks: readonly { target: string; measured: string; met: boolean }[];
}

export async function runSignaturesBench(rulesPath = process.env.SYNBAIT_BENCH_ET_RULES): Promise<SignatureBenchResult> {
  const head = '## Community signatures (Suricata / ET Open)\n\n';
  if (!rulesPath) {
    return { markdown: `${head}Skipped: no ET Open rules given (set SYNBAIT_BENCH_ET_RULES to a rules directory; they are not in the repository).\n`, checks: [] };
  }
  const { mix, payloads } = realisticMix();
  const adv = adversarialPayloads().map(([name, payload]): [string, ClassifyInput] => [name, {
    proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.1', src_port: 1, dst_ip: '203.0.113.7', dst_port: 80, payload, ts_ms: 0,
  }]);
  const base = { mix: measure(mix, undefined), payloads: measure(payloads, undefined) };
  const full = await load(rulesPath, []);
  const inbound = await load(rulesPath, INBOUND_CATEGORIES);
  const rows: string[] = [];
  const costs = (set: SignatureSet) => {
    const m = measure(mix, set);
    const p = measure(payloads, set);
    const a = adv.map(([name, i]) => ({ name, ns: measure([i], set, 150, 2) }));
    const worst = a.reduce((x, y) => (y.ns > x.ns ? y : x));
    return { m, p, a, worst };
  };
  const fc = costs(full.c.signatures);
  const ic = costs(inbound.c.signatures);
  const s = full.c.stats;
  rows.push(
    `Rules from \`${rulesPath}\` (${(full.bytes / 1e6).toFixed(1)} MB of rule text); HOME_NET ${HOME}; one core (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; inspection limit ${INSPECT_LIMIT} bytes. \`test/bench/signatures-bench.ts\`.`,
    '',
    `Rule statements ${s.total} (enabled ${s.enabled}), loaded ${s.loaded} (${((s.loaded / s.enabled) * 100).toFixed(1)} % of enabled), skipped ${s.skipped}, errors ${s.errors}; ${s.withoutFastPattern} loaded rules have no content for the prefilter.`,
    '',
    '| skipped because | rules |',
    '| --- | ---: |',
    ...[...full.c.skippedByReason].sort((a, b) => b[1] - a[1]).map(([r, n]) => `| ${r} | ${n} |`),
    '',
    '| measure | built-in rules alone | + whole ET Open set | + inbound categories only |',
    '| --- | ---: | ---: | ---: |',
    `| load time (read + compile) | | ${fmt(full.ms)} ms | ${fmt(inbound.ms)} ms |`,
    `| extra RSS after load | | ${(full.rssBytes / 1e6).toFixed(0)} MB | ${(inbound.rssBytes / 1e6).toFixed(0)} MB |`,
    `| signatures loaded | | ${s.loaded} | ${inbound.c.stats.loaded} |`,
    `| realistic mix (3 SYN-only : 1 payload record), per record | ${us(base.mix)} | ${us(fc.m)} | ${us(ic.m)} |`,
    `| payload samples only, per record | ${us(base.payloads)} | ${us(fc.p)} | ${us(ic.p)} |`,
    `| worst adversarial input | | ${us(fc.worst.ns)} (${fc.worst.name}) | ${us(ic.worst.ns)} (${ic.worst.name}) |`,
    '',
    '| adversarial input (8 KiB) | + whole ET Open set | + inbound categories |',
    '| --- | ---: | ---: |',
    ...fc.a.map((x, i) => `| ${x.name} | ${us(x.ns)} | ${us(ic.a[i]!.ns)} |`),
    '',
  );
  const checks = [
    { target: 'ET Open: ≤ 25 µs per record on the realistic mix', measured: us(fc.m), met: fc.m <= 25_000 },
    { target: 'ET Open: ≤ 2 ms on the worst adversarial input', measured: us(fc.worst.ns), met: fc.worst.ns <= 2_000_000 },
    { target: 'ET Open: load < 10 s', measured: `${fmt(full.ms)} ms`, met: full.ms < 10_000 },
    { target: 'ET Open: ≤ 80 MB extra RSS', measured: `${(full.rssBytes / 1e6).toFixed(0)} MB`, met: full.rssBytes <= 80e6 },
    { target: 'ET Open: skipped ≤ 20 % of enabled rules', measured: `${((s.skipped / s.enabled) * 100).toFixed(1)} %`, met: s.skipped <= 0.2 * s.enabled },
  ];
  return { markdown: head + rows.join('\n'), checks };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runSignaturesBench(process.argv[2] ?? process.env.SYNBAIT_BENCH_ET_RULES);
  process.stdout.write(`${r.markdown}\n${r.checks.map((c) => `- ${c.met ? 'met' : 'NOT met'}: ${c.target} (${c.measured})`).join('\n')}\n`);
}
