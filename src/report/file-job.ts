// Reading one archive into record batches: the same job whether it runs in a worker thread (read-worker.ts) or
// in the main thread (--relabel, S3 inputs, small inputs). What it finds goes out as events, in order.

import { type FileOutcome, readArchive } from './read-archive.ts';
import { type RecordBatch, BatchWriter } from './record-batch.ts';
import { RecordScanner } from './record-scan.ts';
import { type LineCounters, RecordLineHandler } from './line-handler.ts';
import type { Relabeler } from './relabel.ts';
import type { ArchiveRef } from './sources/archive-ref.ts';
import type { TimeRange } from './time-range.ts';

/** Bad-line messages kept per file; the rest are counted. */
export const MAX_LINE_MESSAGES_PER_FILE = 10;

export interface JobEvents {
  /** Records, in file order. */
  batch(b: RecordBatch): void;
  /** One of the first MAX_LINE_MESSAGES_PER_FILE skipped lines. */
  problem(line: number, message: string): void;
  /** Stored (compressed) bytes read, as they arrive. */
  bytes(n: number): void;
}

export interface FileTotals extends LineCounters {
  readonly outcome: FileOutcome;
  /** Skipped lines beyond the first MAX_LINE_MESSAGES_PER_FILE (counted, not described). */
  readonly hiddenProblems: number;
}

export interface JobOptions {
  readonly range: TimeRange;
  readonly relabeler?: Relabeler | undefined;
}

/** Reads `ref` to the end (or as far as it can be read); never throws for bad data. */
export async function readFileJob(ref: ArchiveRef, o: JobOptions, events: JobEvents, scanner = new RecordScanner()): Promise<FileTotals> {
  const counters: LineCounters = { skippedLines: 0, outOfRange: 0 };
  let shown = 0;
  const writer = new BatchWriter((b) => events.batch(b));
  const handler = new RecordLineHandler({
    scanner, writer, range: o.range, relabeler: o.relabeler, counters,
    problem: (line, message) => {
      if (shown++ < MAX_LINE_MESSAGES_PER_FILE) events.problem(line, message);
    },
  }, ref.live);
  const outcome = await readArchive(ref, { onBytes: (n) => events.bytes(n), handler });
  writer.flush();
  return { outcome, ...counters, hiddenProblems: Math.max(0, shown - MAX_LINE_MESSAGES_PER_FILE) };
}
