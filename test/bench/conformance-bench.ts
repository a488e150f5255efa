// Conformance with Suricata's own verification cases (OISF/suricata-verify, MIT): every case whose rules synbait
// loads and whose checks count alerts by signature, run through `synbait label`'s path; agreed / applicable, and
// why the rest is not applicable. Needs a checkout (never committed): SYNBAIT_BENCH_SURICATA_VERIFY=DIR or an
// argument. Standalone: node --import tsx test/bench/conformance-bench.ts DIR
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { labelPcap } from '../conformance/label-pcap.ts';
import { runConformance } from '../conformance/verify-runner.ts';

export interface ConformanceBench {
  readonly markdown: string;
  readonly checks: readonly { readonly target: string; readonly measured: string; readonly met: boolean }[];
}

export async function runConformanceBench(checkout = process.env.SYNBAIT_BENCH_SURICATA_VERIFY): Promise<ConformanceBench> {
  if (!checkout || !existsSync(join(checkout, 'tests'))) {
    return { markdown: '## Conformance (suricata-verify)\n\nSkipped: no checkout of OISF/suricata-verify (set SYNBAIT_BENCH_SURICATA_VERIFY=DIR).\n', checks: [] };
  }
  const r = await runConformance(checkout, labelPcap);
  const share = r.applicable === 0 ? 0 : r.agreed / r.applicable;
  const reasons = [...r.notApplicable].sort((a, b) => b[1] - a[1]).map(([why, n]) => `| ${why} | ${n} |`).join('\n');
  const disagreed = r.outcomes.filter((o) => o.status === 'disagreed')
    .map((o) => `| ${o.name} | ${(o.missing ?? []).join(', ') || '-'} | ${(o.unexpected ?? []).join(', ') || '-'} |`).join('\n');
  const markdown = `## Conformance (suricata-verify)

Every case of a checkout of OISF/suricata-verify (${r.cases} cases) whose rules all load in synbait and whose
checks count alerts by signature id, its pcap labelled through \`synbait label\`'s own path (the passive tracker,
the record pipeline, the combined classifier) with only the case's rules and its suricata.yaml address groups.
A case agrees when exactly the signatures its checks expect to alert label a record. A case whose missing alerts
are raised only by the server's bytes (labelled on a second pass that records them) is not applicable: a sensor
never sees a server's data. \`test/bench/conformance-bench.ts\`, \`test/conformance/verify-runner.ts\`.

**${r.agreed} of ${r.applicable} applicable cases agree (${(share * 100).toFixed(1)} %).**

| not applicable because | cases |
| --- | ---: |
${reasons}

| disagreeing case | expected, not labelled | labelled, not expected |
| --- | --- | --- |
${disagreed || '| (none) | | |'}
`;
  return { markdown, checks: [{ target: '≥ 95 % of the applicable suricata-verify cases agree', measured: `${r.agreed} of ${r.applicable} (${(share * 100).toFixed(1)} %)`, met: share >= 0.95 }] };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runConformanceBench(process.argv[2]);
  process.stdout.write(r.markdown);
}
