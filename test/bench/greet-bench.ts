// Greeting ports and SYN answering (issue 15): the SYN path must not get slower because some ports greet. The same
// flood of spoofed SYNs (no handshake ever completes, so nothing is greeted: a greeting needs an ACK of our cookie)
// against the sensor with greetings off (--greet none), with the default greetings (telnet 23/2323, ssh 2222)
// and random ports, and with the default greetings and every SYN aimed at a greeted port. Same machine, same run.
//
//   npm run bench -- greet            100,000 and 200,000 SYN/s, 4 s each (the lead runs it on a quiet machine)
//   npm run bench -- greet --smoke    10,000 SYN/s for 1 s: checks that the section runs

import { createBench, firewall, measure, replay, startBenchSensor, type RateResult } from './syn-flood.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const GREETED = [23, 2323, 2222] as const;

export interface BenchCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

const VARIANTS = [
  { name: 'greetings off (`--greet none`), SYNs to random ports', args: ['--greet', 'none'], ports: undefined },
  { name: 'default greetings, SYNs to random ports', args: [], ports: undefined },
  { name: 'default greetings, every SYN to 23, 2323 or 2222', args: [], ports: GREETED },
] as const;

export async function runGreetBench(log: (msg: string) => void, smoke: boolean): Promise<{ markdown: string; checks: BenchCheck[] }> {
  const rates = smoke ? [10_000] : [100_000, 200_000];
  const seconds = smoke ? 1 : 4;
  const results: RateResult[][] = [];
  const b = createBench();
  try {
    firewall(b);
    for (const v of VARIANTS) {
      const s = await startBenchSensor(b, ['--syn-rate-global', '0', ...v.args]);
      replay(b, b.pcapFor(smoke ? 5_000 : 60_000, false, v.ports), smoke ? 5_000 : 20_000); // JIT warm-up
      await sleep(smoke ? 1000 : 6000);
      const row: RateResult[] = [];
      for (const r of rates) {
        log(`${v.name} at ${r} SYN/s`);
        row.push(await measure(b, 'sensor', r, r * seconds, s.pid, v.ports));
        await sleep(smoke ? 1000 : 6000);
      }
      results.push(row);
      await s.stop();
    }
  } finally {
    b.close();
  }
  const [off, random, greeted] = results as [RateResult[], RateResult[], RateResult[]];
  const checks = rates.map((r, i) => ({
    target: `greeted ports answer SYNs as well as no greetings at ${r.toLocaleString('en')} SYN/s (within 1 point)`,
    measured: `${pct(greeted[i]!.ratio)} to 23/2323/2222, ${pct(random[i]!.ratio)} to random ports, ${pct(off[i]!.ratio)} with --greet none`,
    met: greeted[i]!.ratio >= off[i]!.ratio - 0.01,
  }));
  const markdown = [
    '## SYN answering with greetings',
    '',
    `The SYN answering run of the section above (${seconds} s of spoofed SYNs per rate, offloads off,`,
    '`--syn-rate-global 0`), three times in one pair of namespaces: with greetings off, with the default greetings',
    '(telnet on 23 and 2323, ssh on 2222) and SYNs to random ports, and with every SYN aimed at a greeted port. A',
    'spoofed SYN never completes a handshake, so none is greeted: the greeting ports cost a SYN nothing (the',
    'port-to-protocol table is read only when an ACK opens a flow), which is what this shows.',
    ...(smoke ? ['', '**Smoke run** (`--smoke`: 10,000 SYN/s for 1 s): the figures are not a measurement.'] : []),
    '',
    `| asked SYN/s | ${VARIANTS.map((v) => v.name).join(' | ')} | CPU (greeted ports) |`,
    `| ---: | ${VARIANTS.map(() => '---:').join(' | ')} | ---: |`,
    ...rates.map((r, i) => `| ${r.toLocaleString('en')} | ${results.map((row) => pct(row[i]!.ratio)).join(' | ')} | ${pct(greeted[i]!.cpu)} |`),
    '',
  ].join('\n');
  return { markdown, checks: smoke ? [] : checks };
}
