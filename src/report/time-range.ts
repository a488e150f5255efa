// --since / --until: a half-open UTC range [since, until) on the record's `ts`. A date-only --until includes that
// whole day. Files and partitions are skipped only when they cannot hold records of the range; records are then
// filtered exactly.

import { parseIsoMs } from '../record/utc-time.ts';

export interface TimeRange {
  /** Inclusive, ms since the epoch. */
  readonly sinceMs: number | undefined;
  /** Exclusive, ms since the epoch. */
  readonly untilMs: number | undefined;
}

export const DAY_MS = 86_400_000;

/**
 * A flow recorded in a file (or dt= partition) can have started before the file did (flows in progress at
 * rotation) and the file can run past midnight: a partition or file is read when it is within this margin of the
 * range.
 */
export const PARTITION_MARGIN_MS = DAY_MS;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** ms for a --since/--until value, or NaN. `end` turns a date-only value into the next midnight. */
export function parseRangeBound(text: string, end: boolean): number {
  const ms = parseIsoMs(text.trim());
  if (Number.isNaN(ms)) return NaN;
  return end && DATE_ONLY.test(text.trim()) ? ms + DAY_MS : ms;
}

export function inRange(r: TimeRange, tsMs: number): boolean {
  return (r.sinceMs === undefined || tsMs >= r.sinceMs) && (r.untilMs === undefined || tsMs < r.untilMs);
}

export function isUnbounded(r: TimeRange): boolean {
  return r.sinceMs === undefined && r.untilMs === undefined;
}

/** May the dt= partition of the UTC day starting at dayMs hold records of the range? */
export function partitionMayOverlap(r: TimeRange, dayMs: number): boolean {
  if (r.untilMs !== undefined && dayMs - PARTITION_MARGIN_MS >= r.untilMs) return false;
  if (r.sinceMs !== undefined && dayMs + DAY_MS + PARTITION_MARGIN_MS <= r.sinceMs) return false;
  return true;
}

/** May a file that started at startMs hold records before --until? (Its end is unknown, so --since cannot skip it.) */
export function fileMayOverlap(r: TimeRange, startMs: number): boolean {
  return r.untilMs === undefined || startMs - PARTITION_MARGIN_MS < r.untilMs;
}
