// The classifier a record goes through: our own rules (the built-in JSON rules and the user's), then, when loaded,
// the community signatures (Suricata / ET Open) over the same parse of the payload. Our labels come first; a
// community label follows in load order. The rules can be replaced between two records (a reload), and the
// replacement is never half-visible: classify() reads each field once, and adopt() sets both between two calls.

import type { RuleClassifier } from './compile-rules.ts';
import type { SignatureSet } from './suricata/index.ts';
import { appProtoOf } from './suricata/record-views.ts';
import type { AppProto } from './suricata/signature.ts';
import type { RecordLabel } from '../record/flow-record.ts';
import type { Classifier, ClassifyInput, ClassifyResult } from './types.ts';

export class CombinedClassifier implements Classifier {
  #rules: RuleClassifier;
  #signatures: SignatureSet | undefined;

  constructor(rules: RuleClassifier, signatures?: SignatureSet) {
    this.#rules = rules;
    this.#signatures = signatures;
  }

  get ruleCount(): number {
    return this.#rules.ruleCount + (this.#signatures?.size ?? 0);
  }

  /** Our own rules (built-in and --rules JSON). */
  get ownRuleCount(): number {
    return this.#rules.ruleCount;
  }

  get signatureCount(): number {
    return this.#signatures?.size ?? 0;
  }

  /** Takes effect from the next record on. */
  replaceSignatures(signatures: SignatureSet | undefined): void {
    this.#signatures = signatures;
  }

  /**
   * Takes next's rules and signatures, from the next record on (a reload; next is not used afterwards). Our own
   * rules start afresh: the per-source counts of threshold rules begin again at zero.
   */
  adopt(next: CombinedClassifier): void {
    this.#rules = next.#rules;
    this.#signatures = next.#signatures;
  }

  classify(input: ClassifyInput): ClassifyResult {
    const signatures = this.#signatures;
    const own = this.#rules.analyze(input);
    if (!signatures) return { labels: own.labels, facts: own.facts };
    const community = input.messages?.length ? matchByMessage(signatures, input, appProtoOf(own.parsed)) : signatures.match(input, own.parsed);
    return { labels: community.length === 0 ? own.labels : [...own.labels, ...community], facts: own.facts };
  }
}

/**
 * Each client message as its own buffer (its own parse, its own dsize); a signature that matches several
 * messages labels the record once.
 */
function matchByMessage(signatures: SignatureSet, input: ClassifyInput, app: AppProto | undefined): RecordLabel[] {
  const { payload, messages = [], dsize: firstDsize, ...rest } = input;
  const out: RecordLabel[] = [];
  const seen = new Set<string>();
  for (let i = 0; i <= messages.length; i++) {
    const start = i === 0 ? 0 : messages[i - 1]!.offset;
    const end = i === messages.length ? payload.length : messages[i]!.offset;
    if (start >= end) continue;
    const dsize = i === 0 ? firstDsize : messages[i - 1]!.dsize;
    const message = { ...rest, payload: payload.subarray(start, end), ...(dsize === undefined ? {} : { dsize }), ...(i > 0 && app ? { app } : {}) };
    for (const l of signatures.match(message)) {
      const key = `${l.gid ?? 1}:${l.sid}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(l);
    }
  }
  return out;
}
