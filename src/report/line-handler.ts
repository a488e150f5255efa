// One archive line -> one counted record (or a reported, skipped line). The fast scanner handles ordinary lines;
// anything it will not vouch for goes through JSON.parse and the reference check, which also names the problem.
// With --relabel every line is parsed (the payload is needed) and classified.

import type { Aggregator } from './aggregate.ts';
import type { LineHandler } from './line-reader.ts';
import type { LabelCache } from './record-scan.ts';
import { scanRecord } from './record-scan.ts';
import { type RecordView, isNotARecord, viewOfRecord } from './record-view.ts';
import type { Relabeler } from './relabel.ts';
import { type TimeRange, inRange } from './time-range.ts';

export interface LineCounters {
  /** Lines that were not a countable record (not JSON, not a FlowRecord, torn, too long). */
  skippedLines: number;
  /** Good records outside --since/--until. */
  outOfRange: number;
}

export interface LineContext {
  readonly aggregator: Aggregator;
  readonly range: TimeRange;
  readonly labelCache: LabelCache;
  readonly relabeler: Relabeler | undefined;
  readonly counters: LineCounters;
  /** A skipped line of `file`. */
  readonly problem: (file: string, line: number, message: string) => void;
}

const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

export class RecordLineHandler implements LineHandler {
  readonly #ctx: LineContext;
  readonly #file: string;
  /** The file is being written: its last line may simply not be finished yet. */
  readonly #live: boolean;

  constructor(ctx: LineContext, file: string, live = false) {
    this.#ctx = ctx;
    this.#file = file;
    this.#live = live;
  }

  line(buf: Buffer, start: number, end: number, lineNo: number, complete: boolean): void {
    let s = start;
    while (s < end && isWs(buf[s]!)) s++;
    if (s === end) return; // blank lines are not records, nor problems
    const ctx = this.#ctx;
    let view: RecordView | undefined = ctx.relabeler ? undefined : scanRecord(buf, start, end, ctx.labelCache);
    if (!view) {
      let value: unknown;
      try {
        value = JSON.parse(buf.toString('utf8', start, end));
      } catch (e) {
        if (!complete && this.#live) return; // not written yet, not damage
        this.#skip(lineNo, complete ? `not JSON (${(e as Error).message})` : 'incomplete last line (torn write)');
        return;
      }
      const v = viewOfRecord(value);
      if (isNotARecord(v)) {
        this.#skip(lineNo, `not a FlowRecord: ${v.reason}`);
        return;
      }
      view = v;
      if (ctx.relabeler) {
        try {
          view = ctx.relabeler.relabel(value as Record<string, unknown>, v);
        } catch (e) {
          this.#skip(lineNo, `the classifier failed on this record: ${(e as Error).message}`);
          return;
        }
      }
    }
    if (!inRange(ctx.range, view.tsMs)) {
      ctx.counters.outOfRange++;
      return;
    }
    ctx.aggregator.add(view);
  }

  overlong(lineNo: number, bytes: number): void {
    this.#skip(lineNo, `line of ${bytes} bytes is over the size cap (skipped unread)`);
  }

  #skip(lineNo: number, message: string): void {
    this.#ctx.counters.skippedLines++;
    this.#ctx.problem(this.#file, lineNo, message);
  }
}
