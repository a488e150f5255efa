// Spool file names: `<sensor>-<UTC start YYYYMMDDTHHMMSSZ>-<unique>.jsonl.gz` and the pcap beside it with the same
// base and `.pcap`. The sensor id keeps sensors apart; <unique> is the start's milliseconds (3 digits, so names of
// one sensor sort in start order even within a second) and 6 random hex digits, so restarts cannot collide (and
// files are created with O_EXCL). The same scheme is parsed by src/report/archive-name.ts.

import { randomBytes } from 'node:crypto';

export type ArchiveKind = 'jsonl' | 'pcap';

export const EXTENSIONS: Readonly<Record<ArchiveKind, string>> = { jsonl: '.jsonl.gz', pcap: '.pcap' };

export interface SpoolName {
  /** `<sensor>-<start>-<unique>` without extension; a JSON file and its pcap share it. */
  readonly base: string;
  readonly kind: ArchiveKind;
  readonly sensor: string;
  readonly startMs: number;
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

const NAME_RE = /^(.+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([0-9a-z]+)(\.jsonl\.gz|\.pcap)$/;

/** Undefined for any name outside the scheme (temporary files, foreign files). */
export function parseSpoolName(name: string): SpoolName | undefined {
  const m = NAME_RE.exec(name);
  if (!m) return undefined;
  const startMs = Date.UTC(+m[2]!, +m[3]! - 1, +m[4]!, +m[5]!, +m[6]!, +m[7]!);
  if (Number.isNaN(startMs) || utcStamp(startMs) !== `${m[2]}${m[3]}${m[4]}T${m[5]}${m[6]}${m[7]}Z`) return undefined;
  const base = name.slice(0, name.length - m[9]!.length);
  return { base, kind: m[9] === '.pcap' ? 'pcap' : 'jsonl', sensor: m[1]!, startMs };
}

/** Oldest first: by start time, then base (milliseconds first), the pcap before its JSON file (the bulkier, secondary copy). */
export function compareSpoolNames(a: SpoolName, b: SpoolName): number {
  if (a.startMs !== b.startMs) return a.startMs - b.startMs;
  if (a.base !== b.base) return a.base < b.base ? -1 : 1;
  if (a.kind === b.kind) return 0;
  return a.kind === 'pcap' ? -1 : 1;
}
