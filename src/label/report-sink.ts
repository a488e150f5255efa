// `synbait label --report`: the records go to the report's aggregator instead of stdout, through the same check
// the report applies to archived records.

import type { Sink } from '../pipeline/sink.ts';
import type { FlowRecord } from '../record/flow-record.ts';
import { Aggregator } from '../report/aggregate.ts';
import { isNotARecord, viewOfRecord } from '../report/record-view.ts';

export class ReportSink implements Sink {
  readonly name = 'report';
  readonly aggregator = new Aggregator();
  /** Records the report would not count (none are expected: the pipeline builds them). */
  rejected = 0;

  write(record: FlowRecord): void {
    const view = viewOfRecord(record);
    if (isNotARecord(view)) this.rejected++;
    else this.aggregator.add(view);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
