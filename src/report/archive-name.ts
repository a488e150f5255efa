// Archive file names: `<sensor>-<UTC start YYYYMMDDTHHMMSSZ>-<unique>.jsonl.gz` (the sensor id may itself contain
// dashes), inside optional Hive-style `sensor=<id>/dt=YYYY-MM-DD/` folders. Used to order files (per sensor, by
// start) and to skip files and partitions outside --since/--until.

import { parseIsoMs } from './record-view.ts';

export const ARCHIVE_EXTENSIONS = ['.jsonl.gz', '.jsonl'] as const;

export function isArchiveName(name: string): boolean {
  return ARCHIVE_EXTENSIONS.some((ext) => name.endsWith(ext));
}

export interface ArchiveName {
  readonly sensor: string;
  /** The file's UTC start time, ms since the epoch. */
  readonly startMs: number;
  readonly unique: string;
}

const NAME_RE = /^(.+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([^-/]+)\.jsonl(?:\.gz)?$/;

/** Parses the last path segment; undefined when it does not follow the naming scheme. */
export function parseArchiveName(pathOrKey: string): ArchiveName | undefined {
  const base = pathOrKey.slice(pathOrKey.lastIndexOf('/') + 1);
  const m = NAME_RE.exec(base);
  if (!m) return undefined;
  const startMs = parseIsoMs(`${m[2]}-${m[3]}-${m[4]}T${m[5]}:${m[6]}:${m[7]}Z`);
  if (Number.isNaN(startMs)) return undefined;
  return { sensor: m[1]!, startMs, unique: m[8]! };
}

/** The date of a `dt=YYYY-MM-DD` folder name (last segment, trailing slash allowed), ms of its UTC midnight. */
export function partitionDayMs(segment: string): number | undefined {
  const m = /(?:^|\/)dt=(\d{4}-\d{2}-\d{2})\/?$/.exec(segment);
  if (!m) return undefined;
  const ms = parseIsoMs(m[1]!);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Reading order: files of one sensor by start time (the order its classifier saw the flows), sensors by name;
 * names outside the scheme last, by path.
 */
export function compareArchives(a: string, b: string): number {
  const na = parseArchiveName(a), nb = parseArchiveName(b);
  if (na && nb) {
    if (na.sensor !== nb.sensor) return na.sensor < nb.sensor ? -1 : 1;
    if (na.startMs !== nb.startMs) return na.startMs - nb.startMs;
  } else if (na || nb) {
    return na ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
