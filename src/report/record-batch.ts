// Counted records in columns: what a file reader (in a worker thread or not) hands the aggregator. One typed
// column per field in a single ArrayBuffer (transferred, not copied, between threads), and small tables for the
// strings and label sets, each string once per batch. The aggregator reads batches in file order, so a run with
// worker threads counts exactly what a run without them does.

import { parseIpv4 } from './ipv4-top-counter.ts';
import type { LabelRef, RecordView } from './record-view.ts';
import type { ScanOutput } from './record-scan.ts';

/** Records per batch: small enough to keep a file's first results flowing, large enough to amortise a message. */
export const BATCH_RECORDS = 4096;

/** Bits of the flags column. */
export const FLAG_UDP = 1;
/** The source is srcTexts[src], not an IPv4 address. */
export const FLAG_SRC_TEXT = 2;
/** State (0 syn, 1 acked, 2 udp) in bits 2-3. */
export const STATE_SHIFT = 2;

export interface RecordBatch {
  readonly count: number;
  /** The columns, `count` long each, laid out by batchColumns(). */
  readonly columns: ArrayBuffer;
  readonly sensors: readonly string[];
  /** Sources that are not canonical IPv4 addresses. */
  readonly srcTexts: readonly string[];
  /** HTTP user agents and paths. */
  readonly texts: readonly string[];
  /** Label sets; index 0 is the empty set. */
  readonly labelSets: readonly (readonly LabelRef[])[];
}

export interface BatchColumns {
  readonly ts: Float64Array;
  /** IPv4 address, or an index into srcTexts (FLAG_SRC_TEXT). */
  readonly src: Uint32Array;
  readonly port: Uint16Array;
  readonly sensor: Uint16Array;
  readonly labels: Uint16Array;
  /** Index + 1 into texts, 0 for none. */
  readonly userAgent: Uint16Array;
  readonly path: Uint16Array;
  readonly flags: Uint8Array;
}

/** Bytes per record of the columns. */
const RECORD_BYTES = 8 + 4 + 2 * 5 + 1;

/** Typed views of a batch's columns (`capacity` records). */
export function batchColumns(columns: ArrayBuffer, capacity: number): BatchColumns {
  const n = capacity;
  return {
    ts: new Float64Array(columns, 0, n),
    src: new Uint32Array(columns, 8 * n, n),
    port: new Uint16Array(columns, 12 * n, n),
    sensor: new Uint16Array(columns, 14 * n, n),
    labels: new Uint16Array(columns, 16 * n, n),
    userAgent: new Uint16Array(columns, 18 * n, n),
    path: new Uint16Array(columns, 20 * n, n),
    flags: new Uint8Array(columns, 22 * n, n),
  };
}

/** Capacity of a batch's columns buffer (they are laid out for the full capacity, whatever `count` is). */
export const batchCapacity = (b: RecordBatch): number => b.columns.byteLength / RECORD_BYTES;

const EMPTY: readonly LabelRef[] = Object.freeze([]);

/** Interns strings of one batch. */
class Table<K> {
  readonly items: K[] = [];
  readonly #index = new Map<K, number>();
  #last: K | undefined;
  #lastIndex = -1;
  indexOf(v: K): number {
    if (v === this.#last) return this.#lastIndex;
    let i = this.#index.get(v);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(v);
      this.#index.set(v, i);
    }
    this.#last = v;
    this.#lastIndex = i;
    return i;
  }
}

/** Fills batches; `emit` receives each full one (and the last, on flush). */
export class BatchWriter {
  readonly #emit: (b: RecordBatch) => void;
  #n = 0;
  #buffer!: ArrayBuffer;
  #cols!: BatchColumns;
  #sensors!: Table<string>;
  #srcTexts!: Table<string>;
  #texts!: Table<string>;
  #labelSets!: Table<readonly LabelRef[]>;

  constructor(emit: (b: RecordBatch) => void) {
    this.#emit = emit;
    this.#reset();
  }

  /** Records written since the last batch went out. */
  get pending(): number {
    return this.#n;
  }

  #reset(): void {
    this.#n = 0;
    this.#buffer = new ArrayBuffer(BATCH_RECORDS * RECORD_BYTES);
    this.#cols = batchColumns(this.#buffer, BATCH_RECORDS);
    this.#sensors = new Table();
    this.#srcTexts = new Table();
    this.#texts = new Table();
    this.#labelSets = new Table();
    this.#labelSets.indexOf(EMPTY);
  }

  /** A record the scanner read. */
  addScan(r: ScanOutput): void {
    this.#add(r.tsMs, r.sensor, r.srcV4, r.srcIp, r.dstPort, r.udp, r.state, r.labels, r.userAgent, r.path);
  }

  /** A record read the slow way (JSON.parse) or relabelled. */
  addView(v: RecordView): void {
    const state = v.state === 'syn' ? 0 : v.state === 'acked' ? 1 : 2;
    this.#add(v.tsMs, v.sensor, parseIpv4(v.srcIp), v.srcIp, v.dstPort, v.proto === 'udp', state, v.labels, v.httpUserAgent, v.httpPath);
  }

  #add(ts: number, sensor: string, v4: number, srcIp: string, port: number, udp: boolean, state: number,
    labels: readonly LabelRef[], userAgent: string | undefined, path: string | undefined): void {
    const c = this.#cols, n = this.#n;
    c.ts[n] = ts;
    c.port[n] = port;
    c.sensor[n] = this.#sensors.indexOf(sensor);
    c.labels[n] = labels.length === 0 ? 0 : this.#labelSets.indexOf(labels);
    c.userAgent[n] = userAgent === undefined ? 0 : this.#texts.indexOf(userAgent) + 1;
    c.path[n] = path === undefined ? 0 : this.#texts.indexOf(path) + 1;
    let flags = (udp ? FLAG_UDP : 0) | (state << STATE_SHIFT);
    if (v4 >= 0) {
      c.src[n] = v4;
    } else {
      c.src[n] = this.#srcTexts.indexOf(srcIp);
      flags |= FLAG_SRC_TEXT;
    }
    c.flags[n] = flags;
    if (++this.#n === BATCH_RECORDS) this.flush();
  }

  /** Hands out what was written (if anything) as a batch. */
  flush(): void {
    if (this.#n === 0) return;
    this.#emit({
      count: this.#n, columns: this.#buffer, sensors: this.#sensors.items, srcTexts: this.#srcTexts.items,
      texts: this.#texts.items, labelSets: this.#labelSets.items,
    });
    this.#reset();
  }
}
