// The sensor's two output streams and its logger: records on stdout; JSON log lines on stdout too with
// --format json (one writer, no interleaved half lines), else on stderr, beside lurker-style console records.

import pino from 'pino';
import type { Settings } from '../config/settings.ts';
import { isSynbaitError } from '../errors.ts';
import { openFdOutput, type FdOutput } from '../sinks/stdout-output.ts';

export interface SensorOutput {
  readonly out: FdOutput;
  readonly logOut: FdOutput;
  readonly log: pino.Logger;
  /** Logs a start-up failure (SensorFailed), flushes, echoes it on stderr, and returns the exit status. */
  fatal(err: unknown, status: number): Promise<number>;
  flush(): Promise<void>;
}

export function openSensorOutput(settings: Settings): SensorOutput {
  const out = openFdOutput(1);
  const logOut = settings.format === 'json' ? out : openFdOutput(2);
  const log = pino(
    {
      level: settings.logLevel,
      base: { sensor: settings.sensorId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    logOut.stream,
  );
  const flush = async () => {
    await out.flush();
    if (logOut !== out) await logOut.flush();
  };
  return {
    out, logOut, log, flush,
    async fatal(err, status) {
      const msg = err instanceof Error ? err.message : String(err);
      log.fatal({ event: 'SensorFailed', code: isSynbaitError(err) ? err.code : undefined, err }, msg);
      await logOut.flush();
      if (settings.format === 'json' || !process.stderr.isTTY) process.stderr.write(`synbait: ${msg}\n`);
      return status;
    },
  };
}
