// One archive file to read, wherever it lives (local path or S3 object).

import type { Readable } from 'node:stream';

export interface ArchiveRef {
  /** Shown in messages and the report: a path or s3://bucket/key. */
  readonly name: string;
  /** Stored (compressed) size in bytes, when known before reading. */
  readonly size: number | undefined;
  /** Gzip by its name (.gz); otherwise plain JSON Lines. */
  readonly gzip: boolean;
  /**
   * Being written right now (a file in the archive spool's open/ folder): an end cut off mid-block is expected,
   * not damage.
   */
  readonly live?: boolean;
  /** A local file's path: a worker thread can open it itself (see read-pool.ts). */
  readonly localPath?: string;
  /** A fresh stream of the stored bytes. */
  open(): Promise<Readable>;
}

/** A problem found while listing inputs (an unreadable folder, a failed S3 listing). */
export interface ListProblem {
  readonly name: string;
  readonly message: string;
}

export interface Listing {
  readonly archives: ArchiveRef[];
  readonly problems: ListProblem[];
  /** Files or partitions skipped by --since/--until without reading them. */
  readonly skippedByRange: number;
}
