// Rules reloaded while the sensor runs (docs/signatures.md, "Reloading"): SIGHUP, and --rules-update-schedule
// with --rules-dir (update, then reload). A reload loads our JSON rules and the community signatures from disk,
// compiling in slices that give the event loop back every few milliseconds (capture callbacks run between two
// slices, so no SYN waits long in the ring), then swaps them into the running classifier between two records.
// Anything that fails leaves the rules in use as they were (RulesReloadFailed with the reason).

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CombinedClassifier } from '../classify/combined-classifier.ts';
import { isSynbaitError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { LoadedRules } from '../ruleset/load-classifier.ts';

export type ReloadTrigger = 'SIGHUP' | 'update';

export interface ReloaderOptions {
  /** Loads everything from disk (sliced). */
  readonly load: () => Promise<LoadedRules>;
  /** The classifier the pipeline labels with; the new rules are swapped into it. */
  readonly classifier: CombinedClassifier;
  readonly log: Logger;
  /** Starts measuring the longest event-loop stall; the function returned stops and gives it in ms. */
  readonly stallMeter?: () => () => number;
}

/** The longest event-loop delay between now and the call of the function returned (perf_hooks, 1 ms resolution). */
export function loopStallMeter(): () => number {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  return () => {
    h.disable();
    return Math.round(h.max / 1e5) / 10;
  };
}

/** Errors of single rules logged on a reload (the rest are counted). */
const RULE_ERRORS_LOGGED = 10;

export class RulesReloader {
  readonly #o: ReloaderOptions;
  #running: Promise<boolean> | undefined;
  #queued: Promise<boolean> | undefined;
  readonly counters = { ok: 0, failed: 0 };

  constructor(o: ReloaderOptions) {
    this.#o = o;
  }

  /**
   * Reloads; while one is going, one more is queued after it (the files may have changed since it read them), and
   * further requests share that one. Resolves true when the new rules are in use.
   */
  reload(trigger: ReloadTrigger): Promise<boolean> {
    if (!this.#running) return this.#start(trigger);
    this.#queued ??= this.#running.then(() => {
      this.#queued = undefined;
      return this.#start(trigger);
    });
    return this.#queued;
  }

  #start(trigger: ReloadTrigger): Promise<boolean> {
    const run = this.#once(trigger).finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #once(trigger: ReloadTrigger): Promise<boolean> {
    const { log, classifier } = this.#o;
    const started = performance.now();
    const stall = (this.#o.stallMeter ?? loopStallMeter)();
    log.info({ event: 'RulesReloading', trigger }, 'reloading the rules');
    let loaded: LoadedRules;
    try {
      loaded = await this.#o.load();
      const c = loaded.community?.compiled;
      if (c && c.stats.loaded === 0 && c.stats.errors > 0 && classifier.signatureCount > 0) {
        throw new Error(`no community rule loads (${c.stats.errors} errors, first: ${describeRuleError(c.errors[0])})`);
      }
    } catch (err) {
      this.counters.failed++;
      const error = err instanceof Error ? err.message : String(err);
      log.error({
        event: 'RulesReloadFailed', trigger, code: isSynbaitError(err) ? err.code : undefined, error, max_stall_ms: stall(),
        rules: classifier.ownRuleCount, signatures: classifier.signatureCount,
      }, `rules reload failed, the rules in use stay: ${error}`);
      return false;
    }
    const previous = { rules: classifier.ownRuleCount, signatures: classifier.signatureCount };
    // the new classifier's own prefilter is built in a turn of its own, after the capture callbacks waiting
    await new Promise<void>((resolve) => setImmediate(resolve));
    classifier.adopt(loaded.newClassifier());
    this.counters.ok++;
    this.#logReloaded(trigger, loaded, previous, performance.now() - started, stall());
    return true;
  }

  #logReloaded(trigger: ReloadTrigger, loaded: LoadedRules, previous: { rules: number; signatures: number }, ms: number, maxStallMs: number): void {
    const { log, classifier } = this.#o;
    const c = loaded.community?.compiled;
    for (const e of c?.errors.slice(0, RULE_ERRORS_LOGGED) ?? []) log.warn({ event: 'RuleError', ...e }, describeRuleError(e));
    log.info({
      event: 'RulesReloaded', trigger, rules: classifier.ownRuleCount, signatures: classifier.signatureCount,
      previous_rules: previous.rules, previous_signatures: previous.signatures,
      ...(c ? {
        files: loaded.community!.files.length, enabled: c.stats.enabled, loaded: c.stats.loaded, skipped: c.stats.skipped,
        errors: c.stats.errors, skipped_by_reason: Object.fromEntries(c.skippedByReason),
      } : {}),
      ms: Math.round(ms), max_stall_ms: maxStallMs,
    }, `rules reloaded: ${classifier.ownRuleCount} of ours, ${classifier.signatureCount} community signatures (${Math.round(ms)} ms, longest stall ${maxStallMs} ms)`);
  }
}

function describeRuleError(e: { file: string; line: number; option: string | undefined; message: string } | undefined): string {
  return e ? `${e.file}:${e.line}${e.option ? ` (${e.option})` : ''}: ${e.message}` : 'none';
}
