// Archive file names, made by the archive writer and read back by the spool, the uploader and the report:
// `<sensor>-<UTC start YYYYMMDDTHHMMSSZ>-<unique><extension>`, inside optional Hive-style `sensor=<id>/dt=YYYY-MM-DD/`
// folders once uploaded. The sensor id may itself contain dashes. The writer's <unique> is the start's
// milliseconds (3 digits, so names of one sensor sort in start order even within a second) and 6 random hex
// digits, so restarts cannot collide (files are also created with O_EXCL). A JSON Lines archive and its pcap
// share the base name.

import { randomBytes } from 'node:crypto';
import { validUtcMs } from './utc-time.ts';

export type ArchiveKind = 'jsonl' | 'pcap';

/** What the writer makes. */
export const EXTENSIONS: Readonly<Record<ArchiveKind, string>> = { jsonl: '.jsonl.gz', pcap: '.pcap' };

/** JSON Lines archives as readers take them: the writer's gzip files, and plain ones (a decompressed copy). */
export const JSONL_EXTENSIONS = ['.jsonl.gz', '.jsonl'] as const;

export function isJsonlArchiveName(name: string): boolean {
  return JSONL_EXTENSIONS.some((ext) => name.endsWith(ext));
}

export interface ArchiveName {
  /** `<sensor>-<start>-<unique>`: the name without its extension. */
  readonly base: string;
  readonly extension: '.jsonl.gz' | '.jsonl' | '.pcap';
  readonly kind: ArchiveKind;
  readonly sensor: string;
  /** The file's UTC start (whole seconds), ms since the epoch. */
  readonly startMs: number;
  readonly unique: string;
}

const NAME_RE = /^(.+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([^-/]+?)(\.jsonl\.gz|\.jsonl|\.pcap)$/;

/** Parses the last segment of a path or S3 key; undefined for any name outside the scheme. */
export function parseArchiveName(pathOrKey: string): ArchiveName | undefined {
  const name = pathOrKey.slice(pathOrKey.lastIndexOf('/') + 1);
  const m = NAME_RE.exec(name);
  if (!m) return undefined;
  const startMs = validUtcMs(+m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!, 0);
  if (Number.isNaN(startMs)) return undefined;
  const extension = m[9] as ArchiveName['extension'];
  return {
    base: name.slice(0, name.length - extension.length), extension, kind: extension === '.pcap' ? 'pcap' : 'jsonl',
    sensor: m[1]!, startMs, unique: m[8]!,
  };
}

/** A file of the writer's own spool: a bare name with one of the extensions the writer makes (not a plain .jsonl). */
export function parseSpoolName(name: string): ArchiveName | undefined {
  const n = name.includes('/') ? undefined : parseArchiveName(name);
  return n && n.extension === EXTENSIONS[n.kind] ? n : undefined;
}

/** 20261125T101500Z */
export function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** 2026-11-25: the dt= partition of a file that started at `ms`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function newBase(sensor: string, startMs: number, random = randomBytes(3).toString('hex')): string {
  const ms = String(Math.floor(startMs) % 1000).padStart(3, '0');
  return `${sensor}-${utcStamp(startMs)}-${ms}${random}`;
}

export function fileName(base: string, kind: ArchiveKind): string {
  return base + EXTENSIONS[kind];
}

/** The date of a `dt=YYYY-MM-DD` folder name (last segment, trailing slash allowed), ms of its UTC midnight. */
export function partitionDayMs(segment: string): number | undefined {
  const m = /(?:^|\/)dt=(\d{4})-(\d{2})-(\d{2})\/?$/.exec(segment);
  if (!m) return undefined;
  const ms = validUtcMs(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 0);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Spool order, oldest first: by start, then base (milliseconds first), the pcap before its JSON file (the bulkier, secondary copy). */
export function compareSpoolNames(a: ArchiveName, b: ArchiveName): number {
  if (a.startMs !== b.startMs) return a.startMs - b.startMs;
  if (a.base !== b.base) return a.base < b.base ? -1 : 1;
  if (a.kind === b.kind) return 0;
  return a.kind === 'pcap' ? -1 : 1;
}

/**
 * Reading order of the report: files of one sensor by start time (the order its classifier saw the flows),
 * sensors by name; names outside the scheme last, by path.
 */
export function compareArchivePaths(a: string, b: string): number {
  const na = parseArchiveName(a), nb = parseArchiveName(b);
  if (na && nb) {
    if (na.sensor !== nb.sensor) return na.sensor < nb.sensor ? -1 : 1;
    if (na.startMs !== nb.startMs) return na.startMs - nb.startMs;
  } else if (na || nb) {
    return na ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
