// The messages between the report's main thread (read-pool.ts) and its reader threads (read-worker.ts).

import type { FileTotals } from './file-job.ts';
import type { RecordBatch } from './record-batch.ts';

/** Main -> worker: read one local archive. */
export interface ReadJob {
  readonly id: number;
  readonly path: string;
  readonly size: number | undefined;
}

/** Worker -> main: loaded; then, per job, its events in order and one end (or crash). */
export type WorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'batch'; readonly id: number; readonly batch: RecordBatch }
  | { readonly kind: 'problem'; readonly id: number; readonly line: number; readonly message: string }
  | { readonly kind: 'bytes'; readonly id: number; readonly n: number }
  | { readonly kind: 'end'; readonly id: number; readonly totals: FileTotals }
  | { readonly kind: 'crash'; readonly id: number; readonly message: string };
