// The upload schedule (node-cron, UTC): each tick uploads every ready spool file. Never two runs at once: a tick that
// finds the previous run still going is skipped and logged. At shutdown the schedule stops and one last run gets
// whatever time the shutdown budget has left; what it cannot send stays in the spool for the next start.

import { cronScheduler, scheduleProblem, type CronTask, type Scheduler } from './cron-task.ts';
import { ConfigError } from '../errors.ts';
import { counter, type MetricSample } from '../metrics/metric-sample.ts';
import type { Logger } from '../logger.ts';
import type { RunSummary, S3Uploader } from '../sinks/archive/s3-uploader.ts';

export interface UploadJobOptions {
  /** Cron expression; 5 fields (minute...) or 6 (second first). */
  readonly schedule: string;
  readonly uploader: S3Uploader;
  readonly log: Logger;
  /** Default: node-cron. */
  readonly scheduler?: Scheduler;
}

export class UploadJob {
  readonly #o: UploadJobOptions;
  #task: CronTask | undefined;
  #running: { promise: Promise<RunSummary>; abort: AbortController; started: number } | undefined;
  #stopping = false;
  readonly #preflight = new AbortController();
  #last: RunSummary | undefined;
  readonly counters = { runs: { ok: 0, failed: 0, skipped: 0 } };

  /** Throws ConfigError for a schedule node-cron does not accept. */
  constructor(o: UploadJobOptions) {
    const problem = scheduleProblem(o.schedule);
    if (problem) {
      throw new ConfigError(`--upload-schedule (SYNBAIT_UPLOAD_SCHEDULE): not a valid cron expression (${problem}) (got ${JSON.stringify(o.schedule)})`, '--upload-schedule');
    }
    this.#o = o;
  }

  /** Starts the schedule and, in the background, the start-up check of the bucket. */
  start(): void {
    // overlap is handled (and logged) here, also against the final run at shutdown
    this.#task = (this.#o.scheduler ?? cronScheduler)(this.#o.schedule, 'synbait-upload', () => {
      void this.runNow('schedule');
    }, this.#o.log);
    void this.#o.uploader.preflight(AbortSignal.any([this.#preflight.signal, AbortSignal.timeout(20_000)]));
    this.#o.log.info({ event: 'UploadScheduled', schedule: this.#o.schedule, timezone: 'UTC', next: this.#task.nextRun()?.toISOString() },
      'upload schedule started');
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Runs the upload now unless a run is going (then the request is skipped, logged and counted). */
  runNow(trigger: 'schedule' | 'manual' | 'shutdown' = 'manual', signal?: AbortSignal): Promise<RunSummary | undefined> {
    if (this.#running) {
      this.counters.runs.skipped++;
      this.#o.log.warn({
        event: 'UploadSkipped', trigger, reason: 'previous run still going', running_ms: Date.now() - this.#running.started,
      }, 'upload tick skipped: the previous run is still going');
      return Promise.resolve(undefined);
    }
    if (this.#stopping && trigger === 'schedule') return Promise.resolve(undefined);
    const abort = new AbortController();
    const sig = signal ? AbortSignal.any([abort.signal, signal]) : abort.signal;
    const started = Date.now();
    const promise = this.#o.uploader.run(sig).then((r) => {
      if (r.stopped) this.counters.runs.failed++;
      else this.counters.runs.ok++;
      this.#last = r;
      const ev = { event: 'UploadRunFinished', trigger, uploaded: r.uploaded, bytes: r.bytes, failed: r.failed, left: r.left, ms: Date.now() - started, ...(r.stopped ? { stopped: r.stopped } : {}) };
      if (r.uploaded > 0 || r.failed > 0) this.#o.log.info(ev, 'upload run finished');
      else this.#o.log.debug(ev, 'upload run finished');
      return r;
    }, (err: unknown) => {
      this.counters.runs.failed++;
      this.#o.log.error({ event: 'UploadFailed', stage: 'run', trigger, error: err instanceof Error ? err.message : String(err) }, 'upload run failed');
      return { uploaded: 0, bytes: 0, failed: 0, left: -1, stopped: 'internal error' } satisfies RunSummary;
    }).finally(() => {
      this.#running = undefined;
    });
    this.#running = { promise, abort, started };
    return promise;
  }

  /**
   * Stops the schedule, lets a run in progress go on, then makes one final run (the file the shutdown just
   * rotated), all within `budgetMs`; anything still in flight then is aborted and stays in the spool.
   */
  async shutdown(budgetMs: number): Promise<void> {
    this.#stopping = true;
    this.#preflight.abort();
    await this.#task?.stop();
    this.#task = undefined;
    const deadline = Date.now() + Math.max(0, budgetMs);
    const budget = AbortSignal.timeout(Math.max(1, budgetMs));
    const abortRunning = () => this.#running?.abort.abort();
    budget.addEventListener('abort', abortRunning, { once: true });
    try {
      if (this.#running) await this.#running.promise;
      if (Date.now() < deadline) await this.runNow('shutdown', budget);
    } finally {
      budget.removeEventListener('abort', abortRunning);
    }
    const c = this.#o.uploader.counters;
    this.#o.log.info({
      event: 'UploadStopped',
      files_uploaded: c.filesUploaded.jsonl + c.filesUploaded.pcap,
      ...(this.#last && this.#last.left >= 0 ? { spool_files_left: this.#last.left } : {}),
    }, 'upload schedule stopped');
  }

  samples(): MetricSample[] {
    const r = this.counters.runs;
    const c = (result: string, value: number): MetricSample =>
      counter('synbait_upload_runs_total', 'Upload runs by result (skipped: the previous run was still going)', value, { result });
    return [c('ok', r.ok), c('failed', r.failed), c('skipped', r.skipped), ...this.#o.uploader.samples()];
  }
}
