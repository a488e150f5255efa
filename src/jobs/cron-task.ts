// The one way synbait schedules with node-cron: UTC, its log lines through ours, overlap handled by the job
// (which logs and counts a skipped tick) rather than silently by node-cron.

import cron from 'node-cron';
import type { Logger } from '../logger.ts';

/** What a job needs of a scheduled task; tests give a fake scheduler. */
export interface CronTask {
  stop(): void | Promise<void>;
  /** The next run, when known. */
  nextRun(): Date | undefined;
}

/** Why node-cron refuses the expression, or undefined when it accepts it. */
export function scheduleProblem(expression: string): string | undefined {
  const v = cron.validateDetailed(expression);
  if (v.valid) return undefined;
  return v.errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'not a cron expression';
}

export type Scheduler = (expression: string, name: string, tick: () => void, log: Logger) => CronTask;

export const cronScheduler: Scheduler = (expression, name, tick, log) => {
  const task = cron.schedule(expression, tick, {
    timezone: 'UTC',
    name,
    noOverlap: false, // overlap is handled (and logged) by the job
    logger: {
      info: (m) => log.debug({ event: 'CronLog' }, m),
      warn: (m) => log.warn({ event: 'CronLog' }, m),
      error: (m, e) => log.error({ event: 'CronLog', error: e ? String(e) : undefined }, String(m)),
      debug: (m) => log.debug({ event: 'CronLog' }, String(m)),
    },
  });
  return {
    async stop() {
      await task.stop();
      await task.destroy();
    },
    nextRun: () => task.getNextRun() ?? undefined,
  };
};
