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
  write(record: FlowRecord, extras?: RecordExtras): void;
  flush(): Promise<void>;
  /** Flushes, then releases resources. Idempotent. */
  close(): Promise<void>;
}
