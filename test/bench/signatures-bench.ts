// Community signatures (Suricata / ET Open) on top of the built-in rules, measured as the sensor runs them: every
// record goes through one CombinedClassifier (our rules, then the signatures over the same parse). Reported: load
// time and extra RSS (each in a fresh child process: RSS before the load, after it and a full GC, and once V8 has
// given back the memory of the load), rules loaded and skipped by reason, and the labelling cost per record on
// the realistic mix, on the payload records alone and on adversarial inputs, with the whole decidable set and
// with the inbound categories only. The built-in rules alone are the reference: measured interleaved with the
// loaded sets in the same run (round robin, order rotated each round, median of the rounds), CPU time of the
// process, so a busy machine slows every variant alike. The rules are not part of the repository: pass a
// directory (or file) of ET Open rules with SYNBAIT_BENCH_ET_RULES or as the first argument.
//
//   SYNBAIT_BENCH_ET_RULES=/path/to/rules node --expose-gc --import tsx test/bench/signatures-bench.ts

import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { CombinedClassifier } from '../../src/classify/combined-classifier.ts';
import { createClassifier, INSPECT_LIMIT, type ClassifyInput } from '../../src/classify/index.ts';
import { compileSignatures, ruleVars, type CompiledSignatures, type SignatureSet } from '../../src/classify/suricata/index.ts';
import { openRuleFiles } from '../../src/ruleset/read-rules.ts';
import { loadLabelCorpus, sampleInputs } from '../fixtures/labels/corpus.ts';
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

/**
 * Records as a honeypot sees them: 3 SYN-only records (scans to random ports) per record with a payload; the
 * payloads are the classifier's samples and the labelled corpus (captured clients and rebuilt exploits).
 */
export function realisticMix(): { mix: ClassifyInput[]; payloads: ClassifyInput[] } {
  const corpus = loadLabelCorpus().flatMap((s, n) => sampleInputs(s, n));
  const payloads = [...[...loadIndex('captured'), ...loadIndex('constructed')].map((s) => payloadInput(s)), ...corpus.filter((i) => i.payload.length > 0)];
  const syns = [...loadIndex('syn').map((s) => synInput(s)), ...corpus.filter((i) => i.payload.length === 0)];
  const mix: ClassifyInput[] = [];
  payloads.forEach((p, i) => {
    for (let k = 0; k < 3; k++) mix.push({ ...syns[(i * 3 + k) % syns.length]!, dst_port: 1 + ((i * 7919 + k * 104729) % 65535), src_ip: `198.51.100.${(i + k) % 250}` });
    mix.push(p);
  });
  return { mix, payloads };
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** CPU ns per record of one pass of at least minMs over the inputs. */
function pass(c: CombinedClassifier, inputs: readonly ClassifyInput[], minMs: number): number {
  let n = 0;
  const t0 = cpuUs();
  let elapsed = 0;
  while (elapsed < minMs * 1000) {
    for (let k = 0; k < inputs.length; k++) c.classify(inputs[k]!);
    n += inputs.length;
    elapsed = cpuUs() - t0;
  }
  return (elapsed * 1000) / n;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * ns per record for each variant (undefined: the built-in rules alone), measured round robin: `rounds` rounds, the
 * order rotated each round, median per variant. Classifiers are made once per variant (their detectors warm).
 */
export function interleaved(inputs: readonly ClassifyInput[], variants: readonly (SignatureSet | undefined)[], minMs: number, rounds: number): number[] {
  const cs = variants.map((v) => new CombinedClassifier(createClassifier(), v));
  for (const c of cs) pass(c, inputs, minMs / 2);
  const runs: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cs.length; k++) {
      const v = (k + r) % cs.length;
      runs[v]!.push(pass(cs[v]!, inputs, minMs));
    }
  }
  return runs.map(median);
}

interface LoadFigures {
  readonly ms: number;
  /** CPU time of the load (the process's, GC threads included): what a busy machine does not inflate. */
  readonly cpuMs: number;
  /** RSS after the load and a full GC, minus RSS before it. */
  readonly rssBytes: number;
  /** The same once V8 has returned the memory of the load (young generation shrunk, pages released). */
  readonly settledRssBytes: number;
  readonly heapBytes: number;
  /** V8's young generation right after the load: grown by the compile, empty, kept until V8 shrinks it. */
  readonly newSpaceBytes: number;
  readonly bytes: number;
  readonly loaded: number;
}

async function loadSet(path: string, categories: readonly string[]): Promise<{ c: CompiledSignatures; ms: number; bytes: number }> {
  const t0 = performance.now();
  const files = await openRuleFiles([path], 'et/open');
  const c = compileSignatures(files.sources(), { vars: ruleVars([HOME]), classification: files.classification, selection: { enable: [], disable: [], categories } });
  return { c, ms: performance.now() - t0, bytes: files.bytes };
}

/** In a child process: a load on a fresh heap, its time and memory (printed as JSON). */
async function loadChild(path: string, categories: readonly string[]): Promise<void> {
  gc();
  const before = process.memoryUsage();
  const cpu0 = cpuUs();
  const l = await loadSet(path, categories);
  const cpuMs = (cpuUs() - cpu0) / 1000;
  gc();
  const after = process.memoryUsage();
  const newSpaceBytes = getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_size ?? 0;
  let settled = after.rss;
  // V8's memory reducer shrinks the heap a few seconds after the allocation rate drops
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    gc();
    settled = Math.min(settled, process.memoryUsage().rss);
  }
  const out: LoadFigures = {
    ms: l.ms, cpuMs, rssBytes: after.rss - before.rss, settledRssBytes: settled - before.rss, heapBytes: after.heapUsed - before.heapUsed, newSpaceBytes,
    bytes: l.bytes, loaded: l.c.stats.loaded,
  };
  process.stdout.write(JSON.stringify(out));
}

/**
 * The node flags and environment the `synbait` executable runs the sensor with (its #! line), so the load is
 * measured on the heap a user's sensor has (a 1 MB young generation keeps the compile's garbage from growing it).
 */
function sensorRuntime(): { args: string[]; env: NodeJS.ProcessEnv } {
  const line = readFileSync(fileURLToPath(new URL('../../src/bin.mjs', import.meta.url)), 'utf8').split('\n')[0]!;
  const words = line.replace(/^#!\S*env\s+(-S\s+)?/, '').split(/\s+/).filter(Boolean);
  const env: NodeJS.ProcessEnv = { ...process.env };
  const args: string[] = [];
  for (const w of words) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(w);
    if (m) env[m[1]!] = m[2];
    else if (w.startsWith('--')) args.push(w);
  }
  return { args, env };
}

function measureLoad(path: string, categories: readonly string[]): LoadFigures {
  const self = fileURLToPath(import.meta.url);
  const rt = sensorRuntime();
  const out = execFileSync(process.execPath, [...rt.args, '--expose-gc', '--import', 'tsx', self, '--load-child', path, categories.join(',')], { encoding: 'utf8', maxBuffer: 1 << 20, env: rt.env });
  return JSON.parse(out) as LoadFigures;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

export interface SignatureBenchResult {
  readonly markdown: string;
  readonly checks: readonly { target: string; measured: string; met: boolean }[];
}

function adversarialInputs(): [string, ClassifyInput][] {
  return adversarialPayloads().map(([name, payload]): [string, ClassifyInput] => [name, {
    proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.1', src_port: 1, dst_ip: '203.0.113.7', dst_port: 80, payload, ts_ms: 0,
  }]);
}

export async function runSignaturesBench(rulesPath = process.env.SYNBAIT_BENCH_ET_RULES, o: { minMs?: number; rounds?: number } = {}): Promise<SignatureBenchResult> {
  const head = '## Community signatures (Suricata / ET Open)\n\n';
  if (!rulesPath) {
    return { markdown: `${head}Skipped: no ET Open rules given (set SYNBAIT_BENCH_ET_RULES to a rules directory; they are not in the repository).\n`, checks: [] };
  }
  const minMs = o.minMs ?? 250;
  const rounds = o.rounds ?? 5;
  const loadFull = measureLoad(rulesPath, []);
  const loadInbound = measureLoad(rulesPath, INBOUND_CATEGORIES);
  const full = await loadSet(rulesPath, []);
  const inbound = await loadSet(rulesPath, INBOUND_CATEGORIES);
  const variants = [undefined, full.c.signatures, inbound.c.signatures];
  const { mix, payloads } = realisticMix();
  const [bMix, fMix, iMix] = interleaved(mix, variants, minMs, rounds) as [number, number, number];
  const [bPay, fPay, iPay] = interleaved(payloads, variants, minMs, rounds) as [number, number, number];
  const adv = adversarialInputs().map(([name, i]) => {
    const [b, f, n] = interleaved([i], variants, Math.max(20, minMs / 5), 3) as [number, number, number];
    return { name, b, f, n };
  });
  const worstF = adv.reduce((x, y) => (y.f > x.f ? y : x));
  const worstI = adv.reduce((x, y) => (y.n > x.n ? y : x));
  const s = full.c.stats;
  const ratio = (x: number, b: number) => `${us(x)} (${(x / b).toFixed(1)}×)`;
  const rows = [
    `Rules from \`${rulesPath}\` (${(full.bytes / 1e6).toFixed(1)} MB of rule text); HOME_NET ${HOME}; ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; inspection limit ${INSPECT_LIMIT} bytes. \`test/bench/signatures-bench.ts\`.`,
    `Costs are CPU time of the process per record through the sensor's classifier (built-in rules, then the signatures over the same parse), ${rounds} interleaved rounds of ${minMs} ms per variant, median; (×) is the ratio to the built-in rules alone in the same rounds.`,
    `Realistic mix: ${mix.length} records, 3 SYN-only records (to random ports) per record with a payload (${payloads.length} payloads: test/fixtures/samples and the labelled corpus test/fixtures/labels).`,
    '',
    `Rule statements ${s.total} (enabled ${s.enabled}), loaded ${s.loaded} (${((s.loaded / s.enabled) * 100).toFixed(1)} % of enabled), skipped ${s.skipped}, errors ${s.errors}; ${s.withoutFastPattern} loaded rules have no content for the prefilter (indexed by address or by protocol instead).`,
    '',
    '| skipped because | rules |',
    '| --- | ---: |',
    ...[...full.c.skippedByReason].sort((a, b) => b[1] - a[1]).map(([r, n]) => `| ${r} | ${n} |`),
    '',
    '| measure | built-in rules alone | + whole ET Open set | + inbound categories only |',
    '| --- | ---: | ---: | ---: |',
    `| load time (read + compile), fresh process | | ${fmt(loadFull.ms)} ms (CPU ${fmt(loadFull.cpuMs)} ms) | ${fmt(loadInbound.ms)} ms (CPU ${fmt(loadInbound.cpuMs)} ms) |`,
    `| extra RSS once settled (after load and GC, V8 done shrinking) | | ${mb(loadFull.settledRssBytes)} | ${mb(loadInbound.settledRssBytes)} |`,
    `| extra RSS right after load and GC | | ${mb(loadFull.rssBytes)} | ${mb(loadInbound.rssBytes)} |`,
    `| of which live heap | | ${mb(loadFull.heapBytes)} | ${mb(loadInbound.heapBytes)} |`,
    `| V8 young generation right after load (empty; shrunk later) | | ${mb(loadFull.newSpaceBytes)} | ${mb(loadInbound.newSpaceBytes)} |`,
    `| signatures loaded | | ${s.loaded} | ${inbound.c.stats.loaded} |`,
    `| realistic mix, per record | ${us(bMix)} | ${ratio(fMix, bMix)} | ${ratio(iMix, bMix)} |`,
    `| payload records only, per record | ${us(bPay)} | ${ratio(fPay, bPay)} | ${ratio(iPay, bPay)} |`,
    `| worst adversarial input | | ${us(worstF.f)} (${worstF.name}) | ${us(worstI.n)} (${worstI.name}) |`,
    '',
    '| adversarial input (8 KiB) | built-in rules alone | + whole ET Open set | + inbound categories |',
    '| --- | ---: | ---: | ---: |',
    ...adv.map((x) => `| ${x.name} | ${us(x.b)} | ${us(x.f)} | ${us(x.n)} |`),
    '',
  ];
  const checks = [
    { target: 'ET Open: ≤ 25 µs per record on the realistic mix', measured: `${us(fMix)} (built-in alone ${us(bMix)})`, met: fMix <= 25_000 },
    { target: 'ET Open: ≤ 2 ms on the worst adversarial input', measured: us(worstF.f), met: worstF.f <= 2_000_000 },
    { target: 'ET Open: load < 10 s', measured: `${fmt(loadFull.ms)} ms (CPU ${fmt(loadFull.cpuMs)} ms)`, met: loadFull.ms < 10_000 },
    { target: 'ET Open: ≤ 80 MB extra RSS', measured: `${mb(loadFull.settledRssBytes)} settled (${mb(loadFull.rssBytes)} right after load)`, met: loadFull.settledRssBytes <= 80e6 },
    { target: 'ET Open: skipped ≤ 20 % of enabled rules', measured: `${((s.skipped / s.enabled) * 100).toFixed(1)} %`, met: s.skipped <= 0.2 * s.enabled },
  ];
  return { markdown: head + rows.join('\n'), checks };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const child = process.argv.indexOf('--load-child');
  if (child >= 0) {
    await loadChild(process.argv[child + 1]!, (process.argv[child + 2] ?? '').split(',').filter(Boolean));
  } else {
    const r = await runSignaturesBench(process.argv[2] ?? process.env.SYNBAIT_BENCH_ET_RULES);
    process.stdout.write(`${r.markdown}\n${r.checks.map((c) => `- ${c.met ? 'met' : 'NOT met'}: ${c.target} (${c.measured})`).join('\n')}\n`);
  }
}
