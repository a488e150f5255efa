// Every drop is reported with a count, never silently: one `RecordsDropped` warning per reason whose total grew
// since the last report (vector's "component discarded events" rule).

import type { Logger } from '../logger.ts';

export interface DropSource {
  /** The reason, as in synbait_records_dropped_total{reason}. */
  readonly reason: string;
  /** Cumulative count. */
  readonly total: () => number;
}

export class DropReporter {
  readonly #sources: readonly DropSource[];
  readonly #seen: number[];
  readonly #log: Pick<Logger, 'warn'>;

  constructor(sources: readonly DropSource[], log: Pick<Logger, 'warn'>) {
    this.#sources = sources;
    this.#seen = sources.map(() => 0);
    this.#log = log;
  }

  report(): void {
    this.#sources.forEach((s, i) => {
      const total = s.total();
      const count = total - this.#seen[i]!;
      if (count > 0) this.#log.warn({ event: 'RecordsDropped', reason: s.reason, count, total }, 'records dropped');
      this.#seen[i] = total;
    });
  }
}
