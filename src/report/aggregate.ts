// Counting, in bounded memory and without I/O. Exact: labels, ports (two fixed 64 Ki tables), days, flow states,
// sensors (up to a cap). Bounded and possibly approximate: sources, HTTP user agents and paths (batched top-k counting, see
// top-k.ts), distinct sources (exact while every source fits in the table, then HyperLogLog).

import type { FlowState } from '../record/flow-record.ts';
import { DistinctCounter, mix32 } from './distinct-count.ts';
import { Ipv4TopCounter } from './ipv4-top-counter.ts';
import { BatchWriter, FLAG_SRC_TEXT, FLAG_UDP, type RecordBatch, STATE_SHIFT, batchCapacity, batchColumns } from './record-batch.ts';
import { type LabelRef, type RecordView, labelKey } from './record-view.ts';
import { type TopEntry, TopCounter } from './top-k.ts';

export interface AggregateLimits {
  /** Sources kept by the top-k table (it holds up to twice this many between prunes). */
  readonly sourceCapacity: number;
  /** User agents / paths tracked, each. */
  readonly stringCapacity: number;
  /** User agents and paths are counted by their first this many characters. */
  readonly maxStringLength: number;
  /** Sensors counted by name; more are counted together as "other". */
  readonly maxSensors: number;
}

export const DEFAULT_LIMITS: AggregateLimits = {
  sourceCapacity: 50_000,
  stringCapacity: 10_000,
  maxStringLength: 256,
  maxSensors: 1_000,
};

export interface LabelCount {
  /** "synbait" or a community ruleset. */
  readonly ruleset: string;
  /** Our rule id, or undefined for a community rule (then `sid`). */
  readonly id: string | undefined;
  readonly sid: number | undefined;
  readonly name: string;
  readonly category: string | undefined;
  readonly severity: string | undefined;
  readonly count: number;
}

export interface PortCount {
  readonly proto: 'tcp' | 'udp';
  readonly port: number;
  readonly count: number;
}

export interface TopList {
  readonly entries: readonly TopEntry[];
  /** Some counts are upper bounds (more distinct values than the table holds). */
  readonly approximate: boolean;
  readonly capacity: number;
  /** Largest possible over-estimate of a shown count (0 when exact). */
  readonly maxError: number;
  /** Records that had a value. */
  readonly total: number;
}

export interface Summary {
  readonly records: number;
  readonly firstTsMs: number | undefined;
  readonly lastTsMs: number | undefined;
  readonly sensors: readonly { readonly name: string; readonly records: number }[];
  /** Records of sensors beyond the cap (counted, not named). */
  readonly otherSensorRecords: number;
  readonly states: Readonly<Record<FlowState, number>>;
  /** Every label seen, highest count first. */
  readonly labels: readonly LabelCount[];
  /** Sum of the label counts (a record with two labels counts twice). */
  readonly labelTotal: number;
  readonly labelledRecords: number;
  readonly unlabelledRecords: number;
  readonly ports: readonly PortCount[];
  readonly distinctPorts: number;
  readonly sources: TopList;
  readonly distinctSources: number;
  readonly distinctSourcesApproximate: boolean;
  /** UTC days from the first to the last record (empty ones with 0, for spans up to 1000 days), oldest first. */
  readonly days: readonly { readonly day: string; readonly count: number }[];
  readonly userAgents: TopList;
  readonly httpPaths: TopList;
}

const DAY_MS = 86_400_000;
/** Longest span of days listed with the empty days filled in. */
const MAX_FILLED_DAYS = 1000;

interface LabelSlot {
  /** The label shown: the highest rev seen, the first one seen among equals. */
  ref: LabelRef;
  count: number;
}

interface Slot {
  n: number;
}

// Local copies of what the batch loop uses from other modules: under tsx's CommonJS output (Node 20) each use
// of an imported binding is a call to a getter.
const UDP = FLAG_UDP, SRC_TEXT = FLAG_SRC_TEXT, SHIFT = STATE_SHIFT, mix = mix32;

export class Aggregator {
  readonly #limits: AggregateLimits;
  #records = 0;
  #first = Infinity;
  #last = -Infinity;
  readonly #sensors = new Map<string, Slot>();
  #otherSensors = 0;
  readonly #states = { syn: 0, acked: 0, udp: 0 };
  readonly #labels = new Map<string, LabelSlot>();
  #labelTotal = 0;
  #labelled = 0;
  readonly #tcpPorts = new Float64Array(65536);
  readonly #udpPorts = new Float64Array(65536);
  readonly #days = new Map<number, Slot>();
  // consecutive records mostly share the day
  #lastDay = NaN;
  #lastDaySlot: Slot | undefined;
  readonly #sources4: Ipv4TopCounter;
  /** IPv6 and anything that is not a canonical IPv4 address. */
  readonly #sourcesOther: TopCounter;
  readonly #distinct = new DistinctCounter();
  readonly #agents: TopCounter;
  readonly #paths: TopCounter;
  /** For add(): one record at a time, through the same path as batches. */
  #one: BatchWriter | undefined;

  constructor(limits: Partial<AggregateLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
    this.#sources4 = new Ipv4TopCounter(this.#limits.sourceCapacity);
    this.#sourcesOther = new TopCounter(this.#limits.sourceCapacity);
    this.#agents = new TopCounter(this.#limits.stringCapacity);
    this.#paths = new TopCounter(this.#limits.stringCapacity);
  }

  get records(): number {
    return this.#records;
  }

  /** One record (tests, small inputs); the same as a batch of one. */
  add(r: RecordView): void {
    this.#one ??= new BatchWriter((b) => this.addBatch(b));
    this.#one.addView(r);
    this.#one.flush();
  }

  /** The records of a batch, in order. */
  addBatch(b: RecordBatch): void {
    const c = batchColumns(b.columns, batchCapacity(b));
    // A batch's tables list their entries in the order the batch first met them, so resolving them up front
    // creates sensor and label slots in record order, as one record at a time would.
    const sensorSlots = b.sensors.map((name) => this.#sensorSlot(name));
    const labelSlots = b.labelSets.map((set) => set.map((l) => this.#labelSlot(l)));
    const texts = b.texts.map((t) => this.#cut(t));
    const sources4 = this.#sources4, others = this.#sourcesOther, distinct = this.#distinct, tcp = this.#tcpPorts, udp = this.#udpPorts;
    const agents = this.#agents, paths = this.#paths;
    let first = this.#first, last = this.#last, otherSensors = 0, labelled = 0, labelTotal = 0;
    const states = [0, 0, 0];
    for (let i = 0; i < b.count; i++) {
      const ts = c.ts[i]!, flags = c.flags[i]!;
      if (ts < first) first = ts;
      if (ts > last) last = ts;
      const sensor = sensorSlots[c.sensor[i]!];
      if (sensor) sensor.n++;
      else otherSensors++;
      states[flags >>> SHIFT]!++;
      (flags & UDP ? udp : tcp)[c.port[i]!]!++;
      this.#day(ts);
      const set = labelSlots[c.labels[i]!]!;
      if (set.length > 0) {
        labelled++;
        labelTotal += set.length;
        for (let k = 0; k < set.length; k++) set[k]!.count++;
      }
      const src = c.src[i]!;
      if (flags & SRC_TEXT) {
        const s = b.srcTexts[src]!;
        others.add(s);
        distinct.add(s);
      } else {
        sources4.add(src);
        distinct.addHash(mix(src));
      }
      const ua = c.userAgent[i]!, path = c.path[i]!;
      if (ua !== 0) agents.add(texts[ua - 1]!);
      if (path !== 0) paths.add(texts[path - 1]!);
    }
    this.#first = first;
    this.#last = last;
    this.#otherSensors += otherSensors;
    this.#labelled += labelled;
    this.#labelTotal += labelTotal;
    this.#states.syn += states[0]!;
    this.#states.acked += states[1]!;
    this.#states.udp += states[2]!;
    this.#records += b.count;
  }

  /** The sensor's slot; undefined once maxSensors others were named (counted as "other"). */
  #sensorSlot(name: string): Slot | undefined {
    let slot = this.#sensors.get(name);
    if (slot === undefined && this.#sensors.size < this.#limits.maxSensors) this.#sensors.set(name, (slot = { n: 0 }));
    return slot;
  }

  #labelSlot(l: LabelRef): LabelSlot {
    const k = labelKey(l);
    let slot = this.#labels.get(k);
    if (!slot) this.#labels.set(k, (slot = { ref: l, count: 0 }));
    else if ((l.rev ?? -Infinity) > (slot.ref.rev ?? -Infinity)) slot.ref = l; // a rule renamed in a later rev
    return slot;
  }

  #day(ts: number): void {
    const day = Math.floor(ts / DAY_MS);
    if (day !== this.#lastDay) {
      let slot = this.#days.get(day);
      if (!slot) this.#days.set(day, (slot = { n: 0 }));
      this.#lastDay = day;
      this.#lastDaySlot = slot;
    }
    this.#lastDaySlot!.n++;
  }

  #cut(s: string): string {
    return s.length > this.#limits.maxStringLength ? s.slice(0, this.#limits.maxStringLength) : s;
  }

  /** The totals, with the `top` largest entries of the ports, sources, user-agent and path tables. */
  summary(top: number): Summary {
    const labels = [...this.#labels.values()]
      .map(({ ref, count }): LabelCount => ({
        ruleset: ref.ruleset, id: ref.id, sid: ref.sid, name: ref.name, category: ref.category, severity: ref.severity, count,
      }))
      .sort((a, b) => b.count - a.count || cmp(a.name, b.name) || cmp(a.ruleset, b.ruleset) || cmp(a.id ?? '', b.id ?? '') || (a.sid ?? -1) - (b.sid ?? -1));

    const ports: PortCount[] = [];
    let distinctPorts = 0;
    for (const [proto, table] of [['tcp', this.#tcpPorts], ['udp', this.#udpPorts]] as const) {
      for (let p = 0; p < 65536; p++) {
        const count = table[p]!;
        if (count > 0) {
          distinctPorts++;
          ports.push({ proto, port: p, count });
        }
      }
    }
    ports.sort((a, b) => b.count - a.count || a.port - b.port || cmp(a.proto, b.proto));

    const sensors = [...this.#sensors]
      .map(([name, slot]) => ({ name, records: slot.n }))
      .sort((a, b) => b.records - a.records || cmp(a.name, b.name));

    const dayNumbers = [...this.#days.keys()].sort((a, b) => a - b);
    const firstDay = dayNumbers[0], lastDay = dayNumbers[dayNumbers.length - 1];
    // Days without records inside the span are listed with 0 (a quiet day is news), unless the span is absurd
    // (a record with a bogus clock).
    if (firstDay !== undefined && lastDay !== undefined && lastDay - firstDay < MAX_FILLED_DAYS) {
      dayNumbers.length = 0;
      for (let d = firstDay; d <= lastDay; d++) dayNumbers.push(d);
    }
    const days = dayNumbers.map((d) => ({ day: new Date(d * DAY_MS).toISOString().slice(0, 10), count: this.#days.get(d)?.n ?? 0 }));

    const s4 = this.#sources4, s6 = this.#sourcesOther;
    const exactSources = !s4.approximate && !s6.approximate;
    const sources: TopList = {
      entries: [...s4.top(top), ...s6.top(top)]
        .sort((a, b) => b.count - a.count || cmp(a.key, b.key))
        .slice(0, top),
      approximate: !exactSources,
      capacity: this.#limits.sourceCapacity,
      maxError: Math.max(s4.maxError, s6.maxError),
      total: s4.total + s6.total,
    };
    return {
      records: this.#records,
      firstTsMs: this.#records > 0 ? this.#first : undefined,
      lastTsMs: this.#records > 0 ? this.#last : undefined,
      sensors,
      otherSensorRecords: this.#otherSensors,
      states: { ...this.#states },
      labels,
      labelTotal: this.#labelTotal,
      labelledRecords: this.#labelled,
      unlabelledRecords: this.#records - this.#labelled,
      ports: ports.slice(0, top),
      distinctPorts,
      sources,
      distinctSources: exactSources ? s4.size + s6.size : this.#distinct.estimate(),
      distinctSourcesApproximate: !exactSources,
      days,
      userAgents: topList(this.#agents, top),
      httpPaths: topList(this.#paths, top),
    };
  }
}

function topList(t: TopCounter, top: number): TopList {
  return { entries: t.top(top), approximate: t.approximate, capacity: t.capacity, maxError: t.maxError, total: t.total };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
