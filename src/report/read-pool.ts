// Worker threads that read local archives for `synbait report`: gunzip and the byte scanner on more cores (and
// zlib's thread pool) beside the main thread, which reads its share of the files and counts everything. Files are
// handed out in reading order, at most `threads + 1` ahead of the one being counted, and each file's events are
// kept until the main thread takes them: the aggregator sees every file whole and in order, so the counts are
// exactly those of a run without threads.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FileTotals } from './file-job.ts';
import type { ReadJob, WorkerMessage } from './read-protocol.ts';
import type { RecordBatch } from './record-batch.ts';
import type { TimeRange } from './time-range.ts';

export type FileEvent =
  | { readonly kind: 'batch'; readonly batch: RecordBatch }
  | { readonly kind: 'problem'; readonly line: number; readonly message: string }
  | { readonly kind: 'bytes'; readonly n: number }
  | { readonly kind: 'end'; readonly totals: FileTotals }
  /** No thread can take the file: read it in the main thread. */
  | { readonly kind: 'fallback' };

/** One scheduled file: its events as they come, consumed once, in order; it ends with 'end' or 'fallback'. */
export class FileRun implements AsyncIterable<FileEvent> {
  readonly #events: FileEvent[] = [];
  #next = 0;
  #wake: (() => void) | undefined;
  #ended = false;

  push(e: FileEvent): void {
    if (this.#ended) return;
    if (e.kind === 'end' || e.kind === 'fallback') this.#ended = true;
    this.#events.push(e);
    this.#wake?.();
    this.#wake = undefined;
  }

  get ended(): boolean {
    return this.#ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<FileEvent> {
    for (;;) {
      while (this.#next < this.#events.length) {
        const e = this.#events[this.#next]!;
        this.#events[this.#next++] = undefined as never; // let consumed batches go
        yield e;
        if (e.kind === 'end' || e.kind === 'fallback') return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  job: { readonly id: number; readonly run: FileRun } | undefined;
}

interface Pending {
  readonly id: number;
  readonly path: string;
  readonly size: number | undefined;
  readonly run: FileRun;
}

const WORKER_MODULE = fileURLToPath(new URL('./read-worker.ts', import.meta.url));

/**
 * The worker's first code: the sources are TypeScript, so it registers tsx's CommonJS hooks (they compile in the
 * thread itself, on every Node version synbait supports) and loads read-worker.ts.
 */
function bootstrap(prelude: string): string {
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  return `${prelude}\nrequire(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(WORKER_MODULE)});\n`;
}

export class ReadPool {
  readonly #slots: Slot[];
  readonly #pending: Pending[] = [];
  readonly #runs = new Map<number, FileRun>();
  /** Files handed out and not yet released by the consumer. */
  #open = 0;
  #nextId = 0;

  private constructor(threads: number, range: TimeRange, prelude: string) {
    const code = bootstrap(prelude);
    this.#slots = Array.from({ length: threads }, () => {
      const slot: Slot = {
        worker: new Worker(code, { eval: true, execArgv: [], workerData: { range } }),
        ready: false,
        job: undefined,
      };
      this.#listen(slot);
      return slot;
    });
  }

  /**
   * Starts `threads` workers without waiting for them: files are handed out as workers become ready, and if none
   * does, every file scheduled ends in 'fallback' (the caller reads it in the main thread). `prelude`: code each
   * worker runs first (a test seam).
   */
  static start(threads: number, range: TimeRange, prelude = ''): ReadPool {
    return new ReadPool(threads, range, prelude);
  }

  /** Workers alive (ready or starting). */
  get threads(): number {
    return this.#slots.length;
  }

  /** Queues a local file; read its events from the returned run, then release() it. */
  schedule(path: string, size: number | undefined): FileRun {
    const run = new FileRun();
    const id = this.#nextId++;
    this.#runs.set(id, run);
    this.#pending.push({ id, path, size, run });
    this.#dispatch();
    return run;
  }

  /** The consumer is done with a run: the next file may be handed out. */
  release(run: FileRun): void {
    for (const [id, r] of this.#runs) {
      if (r !== run) continue;
      this.#runs.delete(id);
      this.#open--;
      this.#dispatch();
      return;
    }
  }

  async close(): Promise<void> {
    for (const p of this.#pending.splice(0)) p.run.push({ kind: 'fallback' });
    await Promise.all(this.#slots.splice(0).map((s) => s.worker.terminate()));
  }

  #dispatch(): void {
    if (this.#slots.length === 0) {
      for (const p of this.#pending.splice(0)) p.run.push({ kind: 'fallback' });
      return;
    }
    for (const slot of this.#slots) {
      if (!slot.ready || slot.job || this.#pending.length === 0 || this.#open >= this.#slots.length + 1) continue;
      const p = this.#pending.shift()!;
      slot.job = { id: p.id, run: p.run };
      this.#open++;
      const job: ReadJob = { id: p.id, path: p.path, size: p.size };
      slot.worker.postMessage(job);
    }
  }

  #listen(slot: Slot): void {
    slot.worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'ready') {
        slot.ready = true;
        this.#dispatch();
        return;
      }
      const run = this.#runs.get(m.id);
      if (m.kind === 'end' || m.kind === 'crash') {
        slot.job = undefined;
        this.#dispatch();
      }
      if (!run) return;
      if (m.kind === 'crash') run.push({ kind: 'end', totals: crashed(`the reader thread failed: ${m.message}`) });
      else run.push(m.kind === 'end' ? { kind: 'end', totals: m.totals } : m);
    });
    const lost = (why: string) => {
      const i = this.#slots.indexOf(slot);
      if (i < 0) return;
      this.#slots.splice(i, 1);
      // what it had sent of its file was counted: the file is damaged, not to be read again
      slot.job?.run.push({ kind: 'end', totals: crashed(`the reader thread stopped: ${why}`) });
      slot.job = undefined;
      this.#dispatch();
    };
    slot.worker.on('error', (e) => lost(e.message));
    slot.worker.on('exit', (code) => lost(`exit code ${code}`));
  }
}

function crashed(message: string): FileTotals {
  return { outcome: { status: 'damaged', message }, skippedLines: 0, outOfRange: 0, hiddenProblems: 0 };
}
