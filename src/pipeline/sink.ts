// One Sink interface for every output (vector's sinks, pino-abstract-transport): write is synchronous and never
// throws on attacker data; close() implies flush().

import type { CapturedFrame } from '../record/captured-frame.ts';
import type { FlowRecord } from '../record/flow-record.ts';

export type { CapturedFrame };

export interface RecordExtras {
  /** The captured bytes (the record holds them as base64), so sinks need not decode them again. */
  readonly payload?: Uint8Array;
  /** Present when frames were kept for this flow (--pcap). */
  readonly frames?: readonly CapturedFrame[];
}

export interface Sink {
  readonly name: string;
  /**
   * True while the sink cannot keep up (its own buffer is over its limit): the pipeline then stops draining, and
   * finished flows wait in the responder's fixed-size tables instead of piling up on the heap.
   */
  readonly congested?: boolean;
  write(record: FlowRecord, extras?: RecordExtras): void;
  flush(): Promise<void>;
  /** Flushes, then releases resources. Idempotent. */
  close(): Promise<void>;
}
