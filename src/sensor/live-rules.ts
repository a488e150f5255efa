// What keeps the rules current in a running sensor: SIGHUP reloads them from disk; with --rules-dir and
// --rules-update-schedule (daily by default; "off" turns it off) the schedule updates the installed set and
// then reloads. Both go through one RulesReloader, so two reloads never run at once.

import type { CombinedClassifier } from '../classify/combined-classifier.ts';
import type { Settings } from '../config/settings.ts';
import { RulesUpdateError } from '../errors.ts';
import { RulesUpdateJob } from '../jobs/rules-update-job.ts';
import type { Logger } from '../logger.ts';
import { loadClassifier } from '../ruleset/load-classifier.ts';
import { updateRules } from '../ruleset/update-rules.ts';
import type { HostView } from './host.ts';
import { RulesReloader } from './reload.ts';

export interface LiveRules {
  readonly reloader: RulesReloader;
  readonly updateJob: RulesUpdateJob | undefined;
  close(): Promise<void>;
}

/** Throws ConfigError for a schedule node-cron does not accept. */
export function startLiveRules(settings: Settings, host: HostView, classifier: CombinedClassifier, log: Logger): LiveRules {
  const reloader = new RulesReloader({
    classifier,
    log,
    load: () => loadClassifier({
      rulePaths: settings.rulePaths, signatures: settings.signatures, homeNets: host.scope.networks.map((n) => n.text), slicing: {},
    }),
  });
  const updateJob = updateJobFor(settings, reloader, log);
  const onHangup = () => void reloader.reload('SIGHUP');
  process.on('SIGHUP', onHangup);
  updateJob?.start();
  return {
    reloader,
    updateJob,
    async close() {
      process.off('SIGHUP', onHangup);
      await updateJob?.stop();
    },
  };
}

function updateJobFor(settings: Settings, reloader: RulesReloader, log: Logger): RulesUpdateJob | undefined {
  const { rulesDir, updateSchedule, updateUrl } = settings.signatures;
  if (rulesDir === undefined || updateSchedule === undefined) return undefined;
  return new RulesUpdateJob({
    schedule: updateSchedule,
    log,
    reload: () => reloader.reload('update'),
    update: async () => {
      const started = Date.now();
      try {
        const r = await updateRules({ rulesDir, source: updateUrl });
        log.info({ event: 'RulesUpdated', set: r.set, md5: r.md5, verified: r.verified, files: r.files, rules: r.rules, bytes: r.bytes, ms: Date.now() - started },
          `rules updated: ${r.set} (${r.rules} rules load)`);
        return true;
      } catch (err) {
        const reason = err instanceof RulesUpdateError ? err.reason : 'internal';
        const error = err instanceof Error ? err.message : String(err);
        log.error({ event: 'RulesUpdateFailed', reason, error }, `rules update failed (${reason}), the current set is unchanged: ${error}`);
        return false;
      }
    },
  });
}
