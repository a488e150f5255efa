// The record sinks for stdout: `--format console` (lurker's hex dump) and `--format json` (one JSON object per
// line, "event":"flow").

import { formatConsole } from '../record/console-format.ts';
import type { FlowRecord } from '../record/flow-record.ts';
import type { LineOutput } from './line-output.ts';
import type { RecordExtras, Sink } from '../pipeline/sink.ts';

/** Output buffered beyond this makes the stdout sinks report congestion (docker logs or a pipe is slow). */
export const STDOUT_CONGESTION_BYTES = 1024 * 1024;

abstract class StdoutSink implements Sink {
  abstract readonly name: string;
  protected readonly out: LineOutput;
  constructor(out: LineOutput) {
    this.out = out;
  }
  abstract write(record: FlowRecord, extras?: RecordExtras): void;
  get congested(): boolean {
    return this.out.backlogBytes > STDOUT_CONGESTION_BYTES;
  }
  flush(): Promise<void> {
    return this.out.flush();
  }
  close(): Promise<void> {
    return this.flush();
  }
}

export class JsonLinesSink extends StdoutSink {
  readonly name = 'json';
  // recordToLine's line, with the JSON and its newline written separately: appending "\n" makes a string the
  // output would copy again
  write(record: FlowRecord): void {
    this.out.writeLine(JSON.stringify(record));
  }
}

export class ConsoleSink extends StdoutSink {
  readonly name = 'console';
  write(record: FlowRecord, extras?: RecordExtras): void {
    this.out.write(formatConsole(record, extras?.payload ?? Buffer.from(record.payload, 'base64')));
  }
}
