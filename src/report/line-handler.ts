// One archive line -> one counted record (or a reported, skipped line). The fast scanner handles ordinary lines;
// anything it will not vouch for goes through JSON.parse and the reference check, which also names the problem.
// With --relabel every line is parsed (the payload is needed) and classified.

import type { LineHandler } from './line-reader.ts';
import type { BatchWriter } from './record-batch.ts';
import { emptyScanOutput, type RecordScanner } from './record-scan.ts';
import { type NotARecord, type RecordView, isNotARecord, viewOfRecord } from './record-view.ts';
import type { Relabeler } from './relabel.ts';
import { type TimeRange, inRange } from './time-range.ts';

export interface LineCounters {
  /** Lines that were not a countable record (not JSON, not a FlowRecord, torn, too long). */
  skippedLines: number;
  /** Good records outside --since/--until. */
  outOfRange: number;
}

export interface LineContext {
  readonly scanner: RecordScanner;
  readonly writer: BatchWriter;
  readonly range: TimeRange;
  readonly relabeler: Relabeler | undefined;
  readonly counters: LineCounters;
  /** A skipped line. */
  readonly problem: (line: number, message: string) => void;
}

// a local copy: under tsx's CommonJS output (Node 20) each use of an imported binding is a getter call
const within = inRange;

const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

export class RecordLineHandler implements LineHandler {
  readonly #ctx: LineContext;
  /** The file is being written: its last line may simply not be finished yet. */
  readonly #live: boolean;
  readonly #out = emptyScanOutput();

  constructor(ctx: LineContext, live = false) {
    this.#ctx = ctx;
    this.#live = live;
  }

  line(buf: Buffer, start: number, end: number, lineNo: number, complete: boolean): void {
    const ctx = this.#ctx;
    if (!ctx.relabeler && ctx.scanner.scan(buf, start, end, this.#out)) {
      if (within(ctx.range, this.#out.tsMs)) ctx.writer.addScan(this.#out);
      else ctx.counters.outOfRange++;
      return;
    }
    let s = start;
    while (s < end && isWs(buf[s]!)) s++;
    if (s === end) return; // blank lines are not records, nor problems
    const view = this.#slow(buf, start, end, lineNo, complete);
    if (!view) return;
    if (within(ctx.range, view.tsMs)) ctx.writer.addView(view);
    else ctx.counters.outOfRange++;
  }

  /** JSON.parse + the reference check (+ the classifier with --relabel); undefined for a skipped line. */
  #slow(buf: Buffer, start: number, end: number, lineNo: number, complete: boolean): RecordView | undefined {
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch (e) {
      if (!complete && this.#live) return undefined; // not written yet, not damage
      this.#skip(lineNo, complete ? `not JSON (${(e as Error).message})` : 'incomplete last line (torn write)');
      return undefined;
    }
    const v = viewOfRecord(value);
    if (isNotARecord(v)) {
      this.#skip(lineNo, `not a FlowRecord: ${v.reason}`);
      return undefined;
    }
    const relabeler = this.#ctx.relabeler;
    if (!relabeler) return v;
    let r: RecordView | NotARecord;
    try {
      r = relabeler.relabel(value as Record<string, unknown>, v);
    } catch (e) {
      r = { reason: `the classifier failed on this record: ${(e as Error).message}` };
    }
    if (!isNotARecord(r)) return r;
    this.#skip(lineNo, r.reason);
    return undefined;
  }

  overlong(lineNo: number, bytes: number): void {
    this.#skip(lineNo, `line of ${bytes} bytes is over the size cap (skipped unread)`);
  }

  #skip(lineNo: number, message: string): void {
    this.#ctx.counters.skippedLines++;
    this.#ctx.problem(lineNo, message);
  }
}
