// Exploit payloads of the labelled corpus (test/fixtures/labels: real tools' captures and PoC rebuilds, each with
// its provenance) against the ET Open rules Suricata would apply to them: test/fixtures/labels/et-open-expected.json
// names, per sample, the ET signatures (sid and msg) whose msg names the sample's exploit, product or tool, kept from
// labelling the corpus with the April 2024 ET Open snapshot (docs/signatures.md says how; not confirmed by running
// Suricata, which this machine does not have). No rule text is in the repository: the check needs
// an ET Open rules directory (SYNBAIT_ET_RULES, or `synbait rules update`'s current set).
import { readFileSync } from 'node:fs';
import { loadClassifier, NO_SIGNATURE_SETTINGS } from '../../src/ruleset/load-classifier.ts';
import { LABELS_DIR, loadLabelCorpus, sampleInputs } from '../fixtures/labels/corpus.ts';

export interface EtExpectation {
  readonly sample: string;
  readonly name: string;
  readonly expect: readonly { readonly sid: number; readonly msg: string }[];
}

export interface EtPocOutcome {
  readonly sample: string;
  readonly name: string;
  /** Expected sids the sample's records did not get. */
  readonly missing: readonly number[];
  readonly got: readonly number[];
}

export function etExpectations(): EtExpectation[] {
  return JSON.parse(readFileSync(`${LABELS_DIR}et-open-expected.json`, 'utf8')) as EtExpectation[];
}

/** Labels every expected sample with the rules of `rulesDir` (HOME_NET the corpus's destinations). */
export async function checkEtPoc(rulesDir: string): Promise<{ outcomes: EtPocOutcome[]; loaded: number }> {
  const loaded = await loadClassifier({ rulePaths: [rulesDir], signatures: NO_SIGNATURE_SETTINGS, homeNets: ['203.0.113.0/24', '2001:db8:ffff::/48'] });
  const classifier = loaded.newClassifier();
  const corpus = loadLabelCorpus();
  const index = new Map(corpus.map((s, n) => [s.id, n]));
  const outcomes = etExpectations().map((e) => {
    const n = index.get(e.sample);
    if (n === undefined) throw new Error(`et-open-expected.json names ${e.sample}, which is not in the corpus`);
    const got = new Set<number>();
    for (const input of sampleInputs(corpus[n]!, n)) {
      for (const l of classifier.classify(input).labels) if ('sid' in l && typeof l.sid === 'number') got.add(l.sid);
    }
    return { sample: e.sample, name: e.name, missing: e.expect.map((x) => x.sid).filter((sid) => !got.has(sid)), got: [...got].sort((a, b) => a - b) };
  });
  return { outcomes, loaded: loaded.community?.compiled.stats.loaded ?? 0 };
}
