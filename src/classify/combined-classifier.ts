// The classifier a record goes through: our own rules (the built-in JSON rules and the user's), then, when loaded,
// the community signatures (Suricata / ET Open) over the same parse of the payload. Our labels come first; a
// community label follows in load order. The signature set can be replaced between two records (a reload), and
// the replacement is never half-visible: classify() reads the field once.

import type { RuleClassifier } from './compile-rules.ts';
import type { SignatureSet } from './suricata/index.ts';
import type { Classifier, ClassifyInput, ClassifyResult } from './types.ts';

export class CombinedClassifier implements Classifier {
  readonly #rules: RuleClassifier;
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

  classify(input: ClassifyInput): ClassifyResult {
    const signatures = this.#signatures;
    const own = this.#rules.analyze(input);
    if (!signatures) return { labels: own.labels, facts: own.facts };
    const community = signatures.match(input, own.parsed);
    return { labels: community.length === 0 ? own.labels : [...own.labels, ...community], facts: own.facts };
  }
}
