// Label quality on the labelled corpus (test/fixtures/labels/): per threat name, how many of its samples got that
// name (and exactly the expected rule ids), and how many benign samples got a threat label (category exploit, c2,
// bruteforce, dos or malware). Returns a markdown section for BENCHMARKS.md; run standalone with
// `node --import tsx test/bench/label-quality.ts`.
import { pathToFileURL } from 'node:url';
import { createClassifier } from '../../src/classify/index.ts';
import { labelCorpus, loadLabelCorpus, THREAT_CATEGORIES, type SampleResult } from '../fixtures/labels/corpus.ts';
import { ISSUE_NAMES } from '../unit/classify/issue-names.ts';

export interface NameQuality {
  readonly name: string;
  readonly samples: number;
  /** Samples that got the name. */
  readonly named: number;
  /** Samples that got exactly their expected rule ids. */
  readonly exact: number;
}

export interface LabelQuality {
  readonly names: readonly NameQuality[];
  readonly benign: number;
  /** Benign samples with a threat label, with the labels they got. */
  readonly benignFlagged: readonly { readonly id: string; readonly labels: readonly string[] }[];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/** ruleIdOf: the rule id behind each name. A sample counts for every name whose rule it expects (the vendor fires
 * some names together, e.g. both MVPower /shell names on one request). */
export function labelQuality(results: readonly SampleResult[], ruleIdOf: ReadonlyMap<string, string>): LabelQuality {
  const names = ISSUE_NAMES.map((name): NameQuality => {
    const id = ruleIdOf.get(name);
    const mine = results.filter((r) => !r.sample.benign && id !== undefined && r.sample.expect.includes(id));
    return { name, samples: mine.length, named: mine.filter((r) => r.names.includes(name)).length, exact: mine.filter((r) => sameSet(r.got, r.sample.expect)).length };
  });
  const benign = results.filter((r) => r.sample.benign);
  const benignFlagged = benign
    .filter((r) => r.categories.some((c) => THREAT_CATEGORIES.has(c)))
    .map((r) => ({ id: r.sample.id, labels: r.got }));
  return { names, benign: benign.length, benignFlagged };
}

export async function runLabelQuality(): Promise<string> {
  const corpus = loadLabelCorpus();
  const c = createClassifier();
  const q = labelQuality(labelCorpus((i) => c.classify(i), corpus), new Map(c.rules.map((r) => [r.label.name, r.label.id])));
  const total = q.names.reduce((n, x) => n + x.samples, 0);
  const named = q.names.reduce((n, x) => n + x.named, 0);
  const exact = q.names.reduce((n, x) => n + x.exact, 0);
  const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(0)} %`);
  return [
    '## Label quality on the labelled corpus',
    '',
    `${corpus.length} samples in test/fixtures/labels/: ${corpus.length - q.benign} attack samples (${total} memberships of the ${ISSUE_NAMES.length} threat names) and ${q.benign} benign,`,
    'captured from real tools here or rebuilt from public descriptions (each with its provenance); `test/bench/label-quality.ts`.',
    'A sample counts for every name whose rule it expects. "Named": it got the name; "exact": it got exactly the rule ids it',
    'expects (no missing and no extra label).',
    '',
    '| threat name | samples | named | exact |',
    '| --- | ---: | ---: | ---: |',
    ...q.names.map((x) => `| ${x.name} | ${x.samples} | ${x.named} | ${x.exact} |`),
    `| **all names** | **${total}** | **${named} (${pct(named, total)})** | **${exact} (${pct(exact, total)})** |`,
    '',
    `Benign samples flagged with a threat label (exploit, c2, bruteforce, dos, malware): ${q.benignFlagged.length} of ${q.benign}` +
      (q.benignFlagged.length ? ` (${q.benignFlagged.map((b) => `${b.id}: ${b.labels.join(', ')}`).join('; ')}).` : '.'),
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await runLabelQuality()}\n`);
}
