// What did not alert, counted for the periodic digest: per label, per payload shape (with a short sample), per
// destination port. Every table is capped; what does not fit is counted under "other", so memory is bounded and the
// totals stay exact.

import { labelKey, type FlowRecord } from '../../record/flow-record.ts';
import type { PayloadShape } from './payload-shape.ts';

/** Entries per table; beyond it new keys go to `other`. */
export const DIGEST_MAX_KEYS = 1000;
/** Bytes of payload kept as the sample of a shape. */
export const DIGEST_SAMPLE_BYTES = 64;

export type FoldReason = 'seen_before' | 'rate_limited';

export interface DigestEntry {
  readonly key: string;
  count: number;
}

export interface DigestSnapshot {
  readonly fromMs: number;
  readonly toMs: number;
  readonly records: number;
  readonly notAlerted: Readonly<Record<FoldReason, number>>;
  /** Sorted by count, largest first. */
  readonly labels: readonly { readonly id: string; readonly name: string; readonly count: number }[];
  readonly shapes: readonly { readonly shape: string; readonly kind: PayloadShape['kind']; readonly count: number; readonly sample: Uint8Array; readonly sampleOf: number }[];
  readonly ports: readonly { readonly proto: 'tcp' | 'udp'; readonly port: number; readonly count: number }[];
  readonly other: { readonly labels: number; readonly shapes: number; readonly ports: number };
  /** Records without a payload (bare SYNs) among `records`. */
  readonly empty: number;
  /** Messages that could not be delivered since the previous digest (alerts and digests). */
  readonly dropped: number;
}

export class Digest {
  #from: number;
  #records = 0;
  #empty = 0;
  #folded: Record<FoldReason, number> = { seen_before: 0, rate_limited: 0 };
  #labels = new Map<string, { name: string; count: number }>();
  #shapes = new Map<string, { kind: PayloadShape['kind']; count: number; sample: Uint8Array; sampleOf: number }>();
  #ports = new Map<number, number>(); // proto bit 0 (1 = udp), port << 1
  #other = { labels: 0, shapes: 0, ports: 0 };
  #dropped = 0;

  constructor(nowMs: number) {
    this.#from = nowMs;
  }

  get isEmpty(): boolean {
    return this.#records === 0 && this.#dropped === 0;
  }

  /** O(labels): counts one record that did not alert. */
  add(r: FlowRecord, payload: Uint8Array, shape: PayloadShape | undefined, why: FoldReason): void {
    this.#records++;
    this.#folded[why]++;
    for (const l of r.labels) {
      const key = labelKey(l);
      const e = this.#labels.get(key);
      if (e) e.count++;
      else if (this.#labels.size < DIGEST_MAX_KEYS) this.#labels.set(key, { name: l.name, count: 1 });
      else this.#other.labels++;
    }
    if (shape) {
      const e = this.#shapes.get(shape.hash);
      if (e) e.count++;
      else if (this.#shapes.size < DIGEST_MAX_KEYS) {
        this.#shapes.set(shape.hash, { kind: shape.kind, count: 1, sample: Uint8Array.from(payload.subarray(0, DIGEST_SAMPLE_BYTES)), sampleOf: payload.length });
      } else this.#other.shapes++;
    } else {
      this.#empty++;
    }
    const pk = (r.dst_port << 1) | (r.proto === 'udp' ? 1 : 0);
    const n = this.#ports.get(pk);
    if (n !== undefined) this.#ports.set(pk, n + 1);
    else if (this.#ports.size < DIGEST_MAX_KEYS) this.#ports.set(pk, 1);
    else this.#other.ports++;
  }

  noteDropped(n = 1): void {
    this.#dropped += n;
  }

  /** The counts so far, top `top` per table (the rest summed into `other`), and a fresh start. */
  take(nowMs: number, top = 15): DigestSnapshot {
    const byCount = <T extends { count: number }>(a: T[]) => a.sort((x, y) => y.count - x.count);
    const labels = byCount([...this.#labels].map(([id, e]) => ({ id, name: e.name, count: e.count })));
    const shapes = byCount([...this.#shapes].map(([shape, e]) => ({ shape, ...e })));
    const ports = byCount([...this.#ports].map(([k, count]) => ({ proto: (k & 1 ? 'udp' : 'tcp') as 'tcp' | 'udp', port: k >> 1, count })));
    const rest = <T extends { count: number }>(a: T[]) => a.slice(top).reduce((s, e) => s + e.count, 0);
    const snap: DigestSnapshot = {
      fromMs: this.#from,
      toMs: nowMs,
      records: this.#records,
      notAlerted: { ...this.#folded },
      labels: labels.slice(0, top),
      shapes: shapes.slice(0, top),
      ports: ports.slice(0, top),
      other: {
        labels: this.#other.labels + rest(labels),
        shapes: this.#other.shapes + rest(shapes),
        ports: this.#other.ports + rest(ports),
      },
      empty: this.#empty,
      dropped: this.#dropped,
    };
    this.#from = nowMs;
    this.#records = 0;
    this.#empty = 0;
    this.#folded = { seen_before: 0, rate_limited: 0 };
    this.#labels = new Map();
    this.#shapes = new Map();
    this.#ports = new Map();
    this.#other = { labels: 0, shapes: 0, ports: 0 };
    this.#dropped = 0;
    return snap;
  }
}
