// Named sets of values that rules test membership in (`"dataset": NAME` on a string field), like Suricata's
// datasets: long lists live in a data file with the provenance of every entry instead of inside one rule.
// Built-in only (src/classify/datasets/*.json, documented in docs/rules.md); checked when this module loads.

import miraiCredentials from './datasets/mirai-credentials.json' with { type: 'json' };
import { InternalError } from '../errors.ts';

interface DatasetDoc {
  readonly name: string;
  readonly description: string;
  readonly sources: Readonly<Record<string, { readonly title: string; readonly url: string }>>;
  readonly entries: readonly { readonly value: string; readonly source: string }[];
}

function load(doc: DatasetDoc): [string, ReadonlySet<string>] {
  for (const e of doc.entries) {
    if (!(e.source in doc.sources)) throw new InternalError(`dataset ${doc.name}: entry ${JSON.stringify(e.value)} names no source`);
  }
  return [doc.name, new Set(doc.entries.map((e) => e.value))];
}

const DATASETS: ReadonlyMap<string, ReadonlySet<string>> = new Map([load(miraiCredentials as DatasetDoc)]);

export const DATASET_NAMES: readonly string[] = [...DATASETS.keys()];

/** The values of a built-in dataset, or undefined. */
export function dataset(name: string): ReadonlySet<string> | undefined {
  return DATASETS.get(name);
}
