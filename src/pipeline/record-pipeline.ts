// Finished flows -> labels -> FlowRecord -> every sink. Runs off the capture hot path: the responder only enqueues
// (a push), and `drain` does the labelling and serialising in bounded batches between capture callbacks. The
// backlog is capped; what does not fit is dropped, counted and reported (never silently).

import type { Classifier } from '../classify/types.ts';
import type { Logger } from '../logger.ts';
import type { FinishedFlow } from '../record/finished-flow.ts';
import { buildRecord } from '../record/build-record.ts';
import type { FlowRecord } from '../record/flow-record.ts';
import { formatIp } from '../wire/address.ts';
import type { Sink } from './sink.ts';

export interface PipelineOptions {
  readonly sensor: string;
  readonly classifier: Classifier;
  readonly sinks: readonly Sink[];
  readonly nextFlowId: (tsMs: number) => string;
  readonly log: Logger;
  /** Finished flows waiting at most; beyond it new ones are dropped and counted. */
  readonly maxBacklog?: number;
  /** Called for every record after the sinks (alerts hook, tests). */
  readonly onRecord?: (record: FlowRecord) => void;
}

export class RecordPipeline {
  readonly #o: PipelineOptions;
  #queue: FinishedFlow[] = [];
  #head = 0;
  readonly #max: number;
  recorded = { syn: 0, acked: 0, udp: 0 };
  droppedBacklog = 0;
  sinkErrors = 0;
  classifyErrors = 0;
  #lastSinkErrorLog = 0;

  constructor(o: PipelineOptions) {
    this.#o = o;
    this.#max = o.maxBacklog ?? 100_000;
  }

  get backlog(): number {
    return this.#queue.length - this.#head;
  }

  /** A sink is congested: `drain` does nothing until it catches up. */
  get blocked(): boolean {
    for (const s of this.#o.sinks) if (s.congested) return true;
    return false;
  }

  /** Hot path: O(1), never throws. */
  enqueue(f: FinishedFlow): void {
    if (this.backlog >= this.#max) {
      this.droppedBacklog++;
      return;
    }
    this.#queue.push(f);
  }

  /**
   * Processes up to `budget` queued flows, none while a sink is congested unless `force` (at shutdown, when what a
   * sink cannot take is better dropped and counted by it than lost unseen); returns how many are left.
   */
  drain(budget = 512, force = false): number {
    if (!force && this.blocked) return this.backlog;
    return this.#drain(budget);
  }

  #drain(budget: number): number {
    const q = this.#queue;
    while (this.#head < q.length && budget-- > 0) {
      const f = q[this.#head]!;
      q[this.#head++] = undefined as unknown as FinishedFlow;
      this.#process(f);
    }
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    return this.backlog;
  }

  /** Drains everything, then flushes every sink. */
  async flush(): Promise<void> {
    while (this.#drain(10_000) > 0);
    await Promise.all(this.#o.sinks.map((s) => s.flush().catch((err: unknown) => this.#sinkFailed(s, err))));
  }

  /** Drains, then closes every sink (close implies flush). */
  async close(): Promise<void> {
    while (this.#drain(10_000) > 0);
    await Promise.all(this.#o.sinks.map((s) => s.close().catch((err: unknown) => this.#sinkFailed(s, err))));
  }

  #process(f: FinishedFlow): void {
    const o = this.#o;
    let labels: FlowRecord['labels'] = [];
    let facts: FlowRecord['facts'];
    const srcIp = formatIp(f.src);
    const dstIp = formatIp(f.dst);
    try {
      const r = o.classifier.classify({
        proto: f.proto,
        state: f.state,
        ip_version: f.ipVersion,
        src_ip: srcIp,
        src_port: f.srcPort,
        dst_ip: dstIp,
        dst_port: f.dstPort,
        payload: f.payload,
        ts_ms: f.firstMs,
        ...(f.syn ? { syn: f.syn } : {}),
        ...(f.firstDataLen ? { dsize: f.firstDataLen } : {}),
        ...(f.messages ? { messages: f.messages } : {}),
        ...(f.dialogue ? { dialogue: { protocol: f.dialogue.protocol, clientLen: f.dialogue.clientLen, server: f.dialogue.server } } : {}),
      });
      labels = r.labels;
      facts = r.facts;
    } catch (err) {
      // a bug in a rule must not lose the record
      this.classifyErrors++;
      if (this.classifyErrors <= 10) o.log.error({ event: 'ClassifyFailed', err }, 'classifier threw; record kept without labels');
    }
    const record = buildRecord(f, { sensor: o.sensor, flowId: o.nextFlowId(f.firstMs), labels, facts, srcIp, dstIp });
    this.recorded[f.state]++;
    const extras = { payload: f.payload, ...(f.frames ? { frames: f.frames } : {}) };
    for (const s of o.sinks) {
      try {
        s.write(record, extras);
      } catch (err) {
        this.#sinkFailed(s, err);
      }
    }
    o.onRecord?.(record);
  }

  #sinkFailed(s: Sink, err: unknown): void {
    this.sinkErrors++;
    const now = Date.now();
    if (now - this.#lastSinkErrorLog > 10_000) {
      this.#lastSinkErrorLog = now;
      this.#o.log.error({ event: 'SinkFailed', sink: s.name, err, errors: this.sinkErrors }, 'sink failed');
    }
  }
}
