// --rules-update-schedule: at each tick (node-cron, UTC) the running sensor runs `synbait rules update` on its
// --rules-dir (fetch, verify, install atomically; anything failing leaves the current set as it was), then, once
// a new set is current, reloads its rules. Never two runs at once: a tick that finds one going is skipped and logged.

import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { cronScheduler, scheduleProblem, type CronTask, type Scheduler } from './cron-task.ts';

export interface RulesUpdateJobOptions {
  /** Cron expression; 5 fields (minute...) or 6 (second first). */
  readonly schedule: string;
  /** The update (resolves true when a new set was installed); it logs its own outcome. */
  readonly update: () => Promise<boolean>;
  /** The reload after an installed update. */
  readonly reload: () => Promise<unknown>;
  readonly log: Logger;
  /** Default: node-cron. */
  readonly scheduler?: Scheduler;
}

export class RulesUpdateJob {
  readonly #o: RulesUpdateJobOptions;
  #task: CronTask | undefined;
  #running: Promise<void> | undefined;
  readonly counters = { runs: 0, skipped: 0 };

  /** Throws ConfigError for a schedule node-cron does not accept. */
  constructor(o: RulesUpdateJobOptions) {
    const problem = scheduleProblem(o.schedule);
    if (problem) {
      throw new ConfigError(`--rules-update-schedule (SYNBAIT_RULES_UPDATE_SCHEDULE): not a valid cron expression (${problem}) (got ${JSON.stringify(o.schedule)})`, '--rules-update-schedule');
    }
    this.#o = o;
  }

  start(): void {
    this.#task = (this.#o.scheduler ?? cronScheduler)(this.#o.schedule, 'synbait-rules-update', () => {
      void this.runNow();
    }, this.#o.log);
    this.#o.log.info({ event: 'RulesUpdateScheduled', schedule: this.#o.schedule, timezone: 'UTC', next: this.#task.nextRun()?.toISOString() },
      'rules update schedule started');
  }

  /** One update and, when it installed a set, a reload; skipped (logged) while one is going. */
  runNow(): Promise<void> {
    if (this.#running) {
      this.counters.skipped++;
      this.#o.log.warn({ event: 'RulesUpdateSkipped', reason: 'previous run still going' }, 'rules update tick skipped: the previous run is still going');
      return this.#running;
    }
    this.counters.runs++;
    this.#running = (async () => {
      if (await this.#o.update()) await this.#o.reload();
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the schedule; a run in progress is left to finish (or to the process's exit). */
  async stop(): Promise<void> {
    await this.#task?.stop();
    this.#task = undefined;
  }
}
