// Everything a renderer needs: the counts (Summary) and how they were obtained. Renderers are pure functions of it.

import type { Summary } from './aggregate.ts';

export type ReportFormat = 'text' | 'markdown' | 'json' | 'html';

export interface Problem {
  /** File (path or s3:// URL) or input the problem is about. */
  readonly file: string;
  readonly line: number | undefined;
  readonly message: string;
}

export interface ReportModel {
  /** ISO 8601 time the report was made. */
  readonly generatedAt: string;
  readonly inputs: readonly string[];
  /** The --since/--until range, ms since the epoch (until exclusive). */
  readonly sinceMs: number | undefined;
  readonly untilMs: number | undefined;
  /** Labels as stored in the archives, or re-computed with the current rules (--relabel). */
  readonly labels: { readonly relabel: false } | { readonly relabel: true; readonly ruleCount: number };
  /** Rows shown in each top-N table. */
  readonly top: number;
  readonly summary: Summary;
  readonly files: {
    /** Files read to the end. */
    readonly ok: number;
    /** Files read in part (damaged gzip, read errors). */
    readonly damaged: number;
    /** Files that yielded nothing (unreadable, not gzip). */
    readonly failed: number;
    /** Files and partitions not read because of --since/--until. */
    readonly skippedByRange: number;
    /** Stored (compressed) bytes read. */
    readonly bytes: number;
  };
  /** Lines that were not countable records. */
  readonly skippedLines: number;
  /** Good records outside --since/--until. */
  readonly outOfRange: number;
  /** The first problems (files and lines), for the report; all of them went to stderr. */
  readonly problems: readonly Problem[];
  /** Problems not listed in `problems`. */
  readonly moreProblems: number;
  readonly elapsedMs: number;
}
