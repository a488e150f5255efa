// The rules a run labels with: ours (built-in and --rules JSON) and the community signatures (--rules *.rules,
// the installed set of --rules-dir), HOME_NET being the monitored networks. Loaded before the capture opens, so
// a long compile (the whole of ET Open takes seconds) delays the start, never a packet; what loaded and what was
// skipped, by reason, is logged (SignaturesLoaded). A running sensor reloads them in slices (live-rules.ts).

import type { CombinedClassifier } from '../classify/combined-classifier.ts';
import type { Settings } from '../config/settings.ts';
import type { Logger } from '../logger.ts';
import { loadClassifier } from '../ruleset/load-classifier.ts';
import type { HostView } from './host.ts';

export async function loadRules(settings: Settings, host: HostView, log: Logger): Promise<CombinedClassifier> {
  const loaded = await loadClassifier({
    rulePaths: settings.rulePaths,
    signatures: settings.signatures,
    homeNets: host.scope.networks.map((n) => n.text),
  });
  const c = loaded.community;
  if (c) {
    const s = c.compiled.stats;
    log.info({
      event: 'SignaturesLoaded', files: c.files.length, rulesets: [...new Set(c.files.map((f) => f.ruleset))], total: s.total,
      enabled: s.enabled, loaded: s.loaded, skipped: s.skipped, errors: s.errors, skipped_by_reason: Object.fromEntries(c.compiled.skippedByReason),
      load_ms: Math.round(c.ms),
    }, `community signatures: ${s.loaded} of ${s.enabled} enabled rules loaded, ${s.skipped} skipped, ${s.errors} errors`);
    for (const p of c.classificationProblems) log.warn({ event: 'ClassificationProblem', problem: p }, p);
  }
  return loaded.newClassifier();
}
