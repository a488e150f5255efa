// One capture file through the passive tracker: every finished flow handed to `emit`, the flows still open when
// the file ends (or breaks off) finished as well, so a damaged file still yields everything read before the
// damage. The CLI and programmatic users (the conformance runner, tests) share this one path.

import { randomBytes } from 'node:crypto';
import type { Classifier } from '../classify/types.ts';
import { PassiveTracker } from '../flow/passive-tracker.ts';
import type { Targets } from '../flow/targets.ts';
import { RecordPipeline } from '../pipeline/record-pipeline.ts';
import type { Sink } from '../pipeline/sink.ts';
import { createFlowIdGenerator } from '../record/flow-id.ts';
import type { FinishedFlow } from '../record/finished-flow.ts';
import type { FlowRecord } from '../record/flow-record.ts';
import { readCaptureFile, type CaptureSink, type CaptureSummary } from './capture-reader.ts';

export interface TrackOptions {
  readonly flowTimeoutMs: number;
  readonly maxPayload: number;
  readonly maxFlows: number;
  /** The servers' addresses (-n), when known. */
  readonly servers?: Targets;
  /** Also the servers' streams as flows of their own (conformance checks only; see PassiveTrackerConfig). */
  readonly serverStreams?: boolean;
}

/** Throws CaptureFileError after the flows read before the damage were emitted. */
export async function trackCapture(file: string, o: TrackOptions, emit: (f: FinishedFlow) => void, afterChunk?: CaptureSink['afterChunk']): Promise<CaptureSummary> {
  const tracker = new PassiveTracker({ ...o, emit });
  try {
    return await readCaptureFile(file, { onPacket: (frame, len, tsMs) => tracker.onFrame(frame, len, tsMs), ...(afterChunk ? { afterChunk } : {}) });
  } finally {
    tracker.finishAll('capture_end');
  }
}

/** The records `synbait label` would print for one file, in memory (small captures: tests, conformance). */
export async function labelCapture(file: string, classifier: Classifier, o: TrackOptions & { readonly sensorId?: string }): Promise<FlowRecord[]> {
  const records: FlowRecord[] = [];
  const sink: Sink = { name: 'memory', write: (r) => records.push(r), flush: async () => {}, close: async () => {} };
  const pipeline = new RecordPipeline({
    sensor: o.sensorId ?? 'label', classifier, sinks: [sink], nextFlowId: createFlowIdGenerator(randomBytes(5)),
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  try {
    await trackCapture(file, o, (f) => pipeline.enqueue(f), () => void pipeline.drain(100_000));
  } finally {
    await pipeline.close();
  }
  return records;
}
