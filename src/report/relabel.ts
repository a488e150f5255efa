// --relabel: runs the current rules over stored records instead of trusting their stored labels.
//
// Stateful (repeated-attempt) detectors keep per-source windows driven by the records' own ts. To see the
// flows in the order the sensor saw them, each sensor gets its own Classifier (as it had live), its files are
// read in the order of the UTC start in their names, and a file's records in file order (= the order the sensor
// classified them). Records outside --since/--until in the files that are read still go through the classifier
// (warming the windows) but are not counted; partitions skipped by the range are not read at all, so a
// threshold that needed earlier flows can fire later than it did live, near the start of the range.

import type { ClassifyDialogue, ClassifyInput } from '../classify/types.ts';
import { isGreetProtocol } from '../record/dialogue.ts';
import type { SynFingerprint } from '../record/flow-record.ts';
import { type NotARecord, type RecordView, httpFactsOf, labelsOf } from './record-view.ts';

/**
 * What relabelling needs of a classifier: our rules, community (Suricata) rules or both; the labels it gives are
 * ours (`id`) or community ones (`sid`, `ruleset`), as labelsOf() reads them.
 */
export interface RecordClassifier {
  classify(input: ClassifyInput): { readonly labels: readonly unknown[]; readonly facts: unknown };
  /** Rules loaded, for the report's overview. */
  readonly ruleCount: number;
}

/** Sensors with their own classifier; records of further sensors share one (bounded memory). */
export const MAX_RELABEL_SENSORS = 256;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The stored SYN fingerprint when it has the documented shape, else undefined (the classifier then skips it). */
export function synOf(v: unknown): SynFingerprint | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Record<string, unknown>;
  if (!isNum(s.ttl) || !isNum(s.window) || typeof s.options !== 'string' || !isNum(s.syn_count)) return undefined;
  if (s.ip_id !== undefined && !isNum(s.ip_id)) return undefined;
  return {
    ttl: s.ttl, window: s.window, options: s.options, syn_count: s.syn_count,
    ...(s.ip_id !== undefined ? { ip_id: s.ip_id as number } : {}),
  };
}

/** A greeted flow's dialogue (record field `dialogue`) when it has the documented shape, else undefined. */
export function dialogueOf(v: unknown): ClassifyDialogue | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const d = v as Record<string, unknown>;
  if (typeof d.protocol !== 'string' || !isGreetProtocol(d.protocol) || !isNum(d.client_len) || d.client_len < 0 || typeof d.server !== 'string') return undefined;
  return { protocol: d.protocol, clientLen: d.client_len, server: Buffer.from(d.server, 'base64') };
}

/** Rebuilds what the sensor gave the classifier live, from a record that passed viewOfRecord(). */
export function classifyInputOf(record: Record<string, unknown>, view: RecordView): ClassifyInput {
  const syn = synOf(record.syn);
  const dialogue = dialogueOf(record.dialogue);
  return {
    proto: view.proto,
    state: view.state,
    ip_version: record.ip_version as 4 | 6,
    src_ip: view.srcIp,
    src_port: record.src_port as number,
    dst_ip: record.dst_ip as string,
    dst_port: view.dstPort,
    payload: Buffer.from(record.payload as string, 'base64'),
    ts_ms: view.tsMs,
    ...(syn ? { syn } : {}),
    ...(dialogue ? { dialogue } : {}),
  };
}

export class Relabeler {
  readonly #create: () => RecordClassifier;
  readonly #bySensor = new Map<string, RecordClassifier>();
  #shared: RecordClassifier | undefined;
  readonly ruleCount: number;

  constructor(create: () => RecordClassifier) {
    this.#create = create;
    const first = create(); // fail fast on bad rules, before any file is read
    this.ruleCount = first.ruleCount;
    this.#shared = first;
  }

  #classifierFor(sensor: string): RecordClassifier {
    let c = this.#bySensor.get(sensor);
    if (c) return c;
    if (this.#bySensor.size >= MAX_RELABEL_SENSORS) return (this.#shared ??= this.#create());
    // The instance made up front serves the first sensor.
    c = this.#bySensor.size === 0 && this.#shared ? this.#shared : this.#create();
    if (c === this.#shared) this.#shared = undefined;
    this.#bySensor.set(sensor, c);
    return c;
  }

  /** The view with the current rules' labels and facts (the classifier may throw: a bug in a rule engine). */
  relabel(record: Record<string, unknown>, view: RecordView): RecordView | NotARecord {
    const result = this.#classifierFor(view.sensor).classify(classifyInputOf(record, view));
    const labels = labelsOf(result.labels);
    if (!labels) return { reason: 'the classifier gave a label without a name and an id or sid' };
    const http = httpFactsOf(result.facts);
    return { ...view, labels, httpUserAgent: http.userAgent, httpPath: http.path };
  }
}
