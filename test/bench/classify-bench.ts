// Labelling cost per record with every built-in rule loaded: a realistic mix (mostly SYN-only records, then the
// captured and constructed payload samples) and the worst case over adversarial payloads. Returns a markdown
// section for BENCHMARKS.md; run standalone with `node --import tsx test/bench/classify-bench.ts`.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { createClassifier, INSPECT_LIMIT, type ClassifyInput } from '../../src/classify/index.ts';
import { loadIndex, payloadInput, synInput } from '../unit/classify/samples.ts';
import { adversarialPayloads } from '../unit/classify/adversarial.ts';

interface Measure {
  readonly nsPerRecord: number;
  readonly recordsPerSecond: number;
}

type Make = () => { classify(input: ClassifyInput): unknown };

/** Runs inputs round-robin for at least minMs after a warm-up; the best of `rounds` runs. */
function measure(inputs: readonly ClassifyInput[], minMs = 400, rounds = 3, make: Make = createClassifier): Measure {
  const c = make(); // fresh detectors per measurement
  for (let i = 0; i < Math.min(2000, inputs.length * 20); i++) c.classify(inputs[i % inputs.length]!);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < BigInt(minMs) * 1_000_000n) {
      for (let k = 0; k < 256; k++) c.classify(inputs[n++ % inputs.length]!);
      elapsed = process.hrtime.bigint() - t0;
    }
    best = Math.min(best, Number(elapsed) / n);
  }
  return { nsPerRecord: best, recordsPerSecond: 1e9 / best };
}

function realisticMix(): { mix: ClassifyInput[]; payloads: ClassifyInput[] } {
  const payloads = [...loadIndex('captured'), ...loadIndex('constructed')].map((s) => payloadInput(s));
  const syns = loadIndex('syn').map((s) => synInput(s));
  // A honeypot sees mostly SYN-only records (scans) and few with payload: 3 SYN-only per payload record.
  const mix: ClassifyInput[] = [];
  payloads.forEach((p, i) => {
    for (let k = 0; k < 3; k++) mix.push({ ...syns[(i + k) % syns.length]!, dst_port: 1 + ((i * 7919 + k * 104729) % 65535), src_ip: `198.51.100.${(i + k) % 250}` });
    mix.push(p);
  });
  return { mix, payloads };
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

export async function runClassifyBench(): Promise<string> {
  const rules = createClassifier().ruleCount;
  const { mix, payloads } = realisticMix();
  const mixM = measure(mix);
  const payloadM = measure(payloads);
  const adv = adversarialPayloads().map(([name, payload]) => {
    const input: ClassifyInput = { proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.1', src_port: 1, dst_ip: '203.0.113.7', dst_port: 80, payload, ts_ms: 0 };
    return { name, bytes: payload.length, m: measure([input], 150, 2) };
  });
  const worst = adv.reduce((a, b) => (b.m.nsPerRecord > a.m.nsPerRecord ? b : a));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '## Classifier: labelling cost per record',
    '',
    `${rules} built-in rules, inspection limit ${INSPECT_LIMIT} bytes, one core (${cpu}), Node ${process.version}.`,
    'Best of 3 runs; `test/bench/classify-bench.ts`.',
    '',
    '| input | ns/record | records/s |',
    '| --- | ---: | ---: |',
    `| realistic mix (3 SYN-only : 1 payload record, ${mix.length} records) | ${fmt(mixM.nsPerRecord)} | ${fmt(mixM.recordsPerSecond)} |`,
    `| payload samples only (${payloads.length} captured and constructed requests) | ${fmt(payloadM.nsPerRecord)} | ${fmt(payloadM.recordsPerSecond)} |`,
    ...adv.map((a) => `| adversarial: ${a.name} (${a.bytes} B) | ${fmt(a.m.nsPerRecord)} | ${fmt(a.m.recordsPerSecond)} |`),
    '',
    `Worst case: "${worst.name}" at ${fmt(worst.m.nsPerRecord)} ns/record, ${(worst.m.nsPerRecord / mixM.nsPerRecord).toFixed(1)}x the realistic mix ` +
      `and ${(worst.m.nsPerRecord / payloadM.nsPerRecord).toFixed(1)}x the average payload record.`,
    '',
  ];
  return lines.join('\n') + (await baseline(mix, payloads, adv.map((a) => a.name)));
}

/**
 * With SYNBAIT_BENCH_BASE (a checkout of an earlier revision, e.g. `git worktree add /tmp/base c6ad46c` with
 * node_modules linked): that revision's built-in classifier beside this one in the same process, measurements
 * interleaved, so the ratio holds on a noisy machine.
 */
async function baseline(mix: readonly ClassifyInput[], payloads: readonly ClassifyInput[], advNames: readonly string[]): Promise<string> {
  const dir = process.env.SYNBAIT_BENCH_BASE;
  if (!dir) return '';
  const base = (await import(pathToFileURL(`${dir}/src/classify/index.ts`).href)) as { createClassifier: Make };
  const rev = (() => {
    try {
      return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return dir;
    }
  })();
  const adv = new Map(adversarialPayloads());
  const worst = advNames.map((n) => ({ proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.1', src_port: 1, dst_ip: '203.0.113.7', dst_port: 80, payload: adv.get(n)!, ts_ms: 0 }) as ClassifyInput);
  const rows: string[] = [];
  for (const [name, inputs] of [['realistic mix', mix], ['payload samples only', payloads]] as const) {
    let ours = Infinity, theirs = Infinity;
    for (let i = 0; i < 3; i++) {
      ours = Math.min(ours, measure(inputs, 300, 1).nsPerRecord);
      theirs = Math.min(theirs, measure(inputs, 300, 1, base.createClassifier).nsPerRecord);
    }
    rows.push(`| ${name} | ${fmt(ours)} | ${fmt(theirs)} | ${(ours / theirs).toFixed(2)}x |`);
  }
  let ourWorst = 0, theirWorst = 0;
  for (const input of worst) {
    ourWorst = Math.max(ourWorst, measure([input], 100, 2).nsPerRecord);
    theirWorst = Math.max(theirWorst, measure([input], 100, 2, base.createClassifier).nsPerRecord);
  }
  rows.push(`| worst adversarial input | ${fmt(ourWorst)} | ${fmt(theirWorst)} | ${(ourWorst / theirWorst).toFixed(2)}x |`);
  return ['', `Beside the built-in classifier of revision ${rev} (SYNBAIT_BENCH_BASE), in the same process, measurements interleaved:`, '',
    `| input | this revision, ns/record | ${rev}, ns/record | ratio |`, '| --- | ---: | ---: | ---: |', ...rows, ''].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await runClassifyBench()}\n`);
}
