// The stop order after SIGTERM/SIGINT, within SHUTDOWN_BUDGET_MS: close the capture (no new frames), stop the
// observers and timers, finish every open flow, drain and close the sinks (the archive rotates its last file),
// upload what is left with the rest of the budget, report drops, log SensorStopped, flush the outputs. Past the
// budget the process exits with status 1 (the orchestrator's grace period is longer).

import type { DropReporter } from '../metrics/drop-report.ts';
import type { StatsLine } from '../metrics/stats.ts';
import { SHUTDOWN_BUDGET_MS, SHUTDOWN_LOG_RESERVE_MS } from './budget.ts';
import type { SensorCapture } from './capture.ts';
import type { SensorCore } from './core.ts';
import type { LiveRules } from './live-rules.ts';
import type { SensorObservers } from './observe.ts';
import type { SensorOutput } from './output.ts';
import type { SensorSinks } from './sinks.ts';

export interface RunningSensor {
  readonly output: SensorOutput;
  readonly core: SensorCore;
  readonly capture: SensorCapture;
  readonly outputs: SensorSinks;
  readonly observed: SensorObservers;
  readonly stats: StatsLine;
  readonly drops: DropReporter;
  readonly timers: readonly NodeJS.Timeout[];
  /** SIGHUP and the rules update schedule. */
  readonly live: LiveRules;
}

/** Resolves with the exit status once a signal has stopped the sensor. */
export function untilStopped(s: RunningSensor): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) return;
      stopping = true;
      void stop(s, signal).then(resolve);
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
}

async function stop(s: RunningSensor, signal: string): Promise<number> {
  const { output, core, outputs } = s;
  const { log } = output;
  const started = Date.now();
  // alerts get what is left once the archive upload (when there is one) and the last log lines are provided for
  outputs.alerts?.closeBy(started + SHUTDOWN_BUDGET_MS - (outputs.uploadJob ? 2500 : 1500));
  const hardStop = setTimeout(() => {
    log.error({ event: 'ShutdownTimeout', budget_ms: SHUTDOWN_BUDGET_MS }, 'shutdown budget exceeded');
    output.out.flushSync();
    process.exit(1);
  }, SHUTDOWN_BUDGET_MS);
  log.info({ event: 'SensorStopping', signal }, 'stopping');
  s.capture.pcap.close();
  const observersClosed = s.observed.observers.close();
  const liveClosed = s.live.close();
  for (const t of s.timers) clearInterval(t);
  // in slices: a flood's 65,536 pending SYNs are some 1.5 s of record work, which must not stall the process
  await core.work.finish((budget) => core.responder.finishSome('shutdown', budget));
  await core.pipeline.close();
  // the archive just rotated its last file: one final upload with what is left of the budget
  if (outputs.uploadJob) await outputs.uploadJob.shutdown(SHUTDOWN_BUDGET_MS - (Date.now() - started) - SHUTDOWN_LOG_RESERVE_MS);
  s.drops.report();
  await observersClosed;
  await liveClosed;
  log.info({ event: 'SensorStopped', ...s.stats.fields() }, 'stopped');
  s.stats.close();
  await output.flush();
  clearTimeout(hardStop);
  return 0;
}
