// A worker thread of `synbait report` (started by read-pool.ts): reads local archives, one job at a time, with the
// same readFileJob() the main thread uses, and posts what it finds back in order. Batch columns are transferred,
// not copied. One scanner for the thread's whole life, so what repeats across files (keys, label sets) is learnt once.

import { parentPort, workerData } from 'node:worker_threads';
import { SynbaitError } from '../errors.ts';
import { readFileJob } from './file-job.ts';
import type { ReadJob, WorkerMessage } from './read-protocol.ts';
import { RecordScanner } from './record-scan.ts';
import { localArchive } from './sources/local.ts';
import type { TimeRange } from './time-range.ts';

const port = parentPort;
if (!port) throw new SynbaitError('SYNBAIT_ERR_INTERNAL', 'read-worker.ts runs in a worker thread (see read-pool.ts)');
const range = (workerData as { range: TimeRange }).range;
const scanner = new RecordScanner();
const post = (m: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

port.on('message', (job: ReadJob) => {
  void run(job);
});
post({ kind: 'ready' });

async function run(job: ReadJob): Promise<void> {
  const { id } = job;
  try {
    const totals = await readFileJob(localArchive(job.path, job.size), { range }, {
      batch: (batch) => post({ kind: 'batch', id, batch }, [batch.columns]),
      problem: (line, message) => post({ kind: 'problem', id, line, message }),
      bytes: (n) => post({ kind: 'bytes', id, n }),
    }, scanner);
    post({ kind: 'end', id, totals });
  } catch (e) {
    // a bug, not bad data (readFileJob reports that as the outcome): the main thread names the file and goes on
    post({ kind: 'crash', id, message: e instanceof Error ? e.message : String(e) });
  }
}
