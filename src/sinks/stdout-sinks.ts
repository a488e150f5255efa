// The record sinks for stdout: `--format console` (lurker's hex dump) and `--format json` (one JSON object per
// line, "event":"flow").

import { formatConsole } from '../record/console-format.ts';
import type { FlowRecord } from '../record/flow-record.ts';
import { recordToLine } from '../record/ndjson.ts';
import type { LineOutput } from './line-output.ts';
import type { RecordExtras, Sink } from './sink.ts';

/** Output buffered beyond this makes the stdout sinks report congestion (docker logs or a pipe is slow). */
export const STDOUT_CONGESTION_BYTES = 1024 * 1024;

export class JsonLinesSink implements Sink {
  readonly name = 'json';
  readonly #out: LineOutput;
  constructor(out: LineOutput) {
    this.#out = out;
  }
  get congested(): boolean {
    return this.#out.backlogBytes > STDOUT_CONGESTION_BYTES;
  }
  write(record: FlowRecord): void {
    this.#out.write(recordToLine(record));
  }
  flush(): Promise<void> {
    return this.#out.flush();
  }
  close(): Promise<void> {
    return this.flush();
  }
}

export class ConsoleSink implements Sink {
  readonly name = 'console';
  readonly #out: LineOutput;
  constructor(out: LineOutput) {
    this.#out = out;
  }
  get congested(): boolean {
    return this.#out.backlogBytes > STDOUT_CONGESTION_BYTES;
  }
  write(record: FlowRecord, extras?: RecordExtras): void {
    const payload = extras?.payload ?? Buffer.from(record.payload, 'base64');
    this.#out.write(formatConsole(record, payload));
  }
  flush(): Promise<void> {
    return this.#out.flush();
  }
  close(): Promise<void> {
    return this.flush();
  }
}
