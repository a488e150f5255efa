// Repeated-attempt detectors: a threshold rule counts its matching records per key (source, or source and
// destination...) within a sliding window driven by the records' own ts_ms, never the wall clock, so
// relabelling old archives gives the same answer. State is bounded: at most DETECTOR_MAX_KEYS keys per rule
// (least recently seen evicted first) and at most `count` timestamps or distinct values per key.

import { DETECTOR_MAX_KEYS } from './limits.ts';

export interface ThresholdSpec {
  readonly count: number;
  readonly windowMs: number;
  readonly mode: 'once' | 'each';
  readonly distinct: boolean;
}

interface Entry {
  /** Event times (count mode), oldest first, at most `count`; empty and unused in distinct mode. */
  times: number[];
  /** Distinct value → last time seen (distinct mode), least recently seen first, at most `count`; created only
   * in distinct mode, because a Map per key is most of the memory a flood of distinct sources costs. */
  values: Map<string, number> | undefined;
}

export class ThresholdTracker {
  readonly spec: ThresholdSpec;
  #keys = new Map<string, Entry>();
  #maxKeys: number;

  constructor(spec: ThresholdSpec, maxKeys = DETECTOR_MAX_KEYS) {
    this.spec = spec;
    this.#maxKeys = maxKeys;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Records one event; true when the key has reached the threshold with it. */
  observe(key: string, ts: number, value = ''): boolean {
    let e = this.#keys.get(key);
    if (e) this.#keys.delete(key);
    else {
      e = { times: [], values: this.spec.distinct ? new Map() : undefined };
      if (this.#keys.size >= this.#maxKeys) {
        const oldest = this.#keys.keys().next().value;
        if (oldest !== undefined) this.#keys.delete(oldest);
      }
    }
    this.#keys.set(key, e);
    const { count, windowMs, mode, distinct } = this.spec;
    const since = ts - windowMs;
    let reached: boolean;
    if (distinct) {
      const values = e.values!;
      values.delete(value);
      values.set(value, ts);
      for (const [v, t] of values) if (t < since) values.delete(v);
      while (values.size > count) values.delete(values.keys().next().value as string);
      reached = values.size >= count;
      if (reached && mode === 'once') values.clear();
    } else {
      // Flows finish out of order: keep the list sorted so the window check stays exact.
      let i = e.times.length;
      while (i > 0 && e.times[i - 1]! > ts) i--;
      e.times.splice(i, 0, ts);
      while (e.times.length > 0 && e.times[0]! < since) e.times.shift();
      while (e.times.length > count) e.times.shift();
      reached = e.times.length >= count;
      if (reached && mode === 'once') e.times.length = 0;
    }
    return reached;
  }
}
