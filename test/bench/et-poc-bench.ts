// ET labels on the exploit corpus (test/conformance/et-poc.ts): with ET Open rules (SYNBAIT_BENCH_ET_RULES), how
// many of the samples in test/fixtures/labels/et-open-expected.json get every ET signature Suricata applies to them.
import { checkEtPoc, etExpectations } from '../conformance/et-poc.ts';

export async function runEtPocBench(rules = process.env.SYNBAIT_BENCH_ET_RULES): Promise<{ markdown: string; checks: { target: string; measured: string; met: boolean }[] }> {
  const head = '## ET labels on public exploit payloads\n\n';
  if (!rules) return { markdown: `${head}Skipped: no ET Open rules given (SYNBAIT_BENCH_ET_RULES).\n`, checks: [] };
  const r = await checkEtPoc(rules);
  const ok = r.outcomes.filter((o) => o.missing.length === 0).length;
  const sids = etExpectations().reduce((n, e) => n + e.expect.length, 0);
  const missed = r.outcomes.filter((o) => o.missing.length > 0).map((o) => `| ${o.sample} | ${o.name} | ${o.missing.join(', ')} |`);
  const markdown = `${head}The ${r.outcomes.length} exploit and scanner samples of test/fixtures/labels/et-open-expected.json (real tools' ` +
    `captures and PoC rebuilds) labelled with ${r.loaded} loaded ET Open rules; each must get every ET signature listed for it ` +
    `(${sids} sid/sample pairs, each a rule whose msg names the sample's exploit, product or tool; see docs/signatures.md).\n\n**${ok} of ${r.outcomes.length} samples get all their ET labels.**\n\n` +
    (missed.length > 0 ? `| sample | name | sids missing |\n| --- | --- | --- |\n${missed.join('\n')}\n` : '');
  return { markdown, checks: [{ target: 'exploit payloads from public PoCs get the ET labels Suricata gives them', measured: `${ok} of ${r.outcomes.length} samples`, met: ok === r.outcomes.length }] };
}
