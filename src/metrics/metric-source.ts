// The metrics registry: components hand it a MetricSource (anything with `samples()`), the /metrics endpoint asks
// every source at scrape time. Sources are plain functions of counters the components keep anyway, so a scrape
// costs nothing between scrapes. No I/O here: sinks/ and jobs/ may implement MetricSource without importing http.

import { counter, type MetricSample } from './metric-sample.ts';

export interface MetricSource {
  samples(): readonly MetricSample[];
}

export class MetricRegistry implements MetricSource {
  readonly #sources: MetricSource[] = [];
  #errors = 0;

  /** Adds a source; a function is taken as its `samples`. */
  register(source: MetricSource | (() => readonly MetricSample[])): void {
    this.#sources.push(typeof source === 'function' ? { samples: source } : source);
  }

  samples(): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of this.#sources) {
      try {
        out.push(...s.samples());
      } catch {
        // one broken source must not take the whole endpoint down; it shows up as a counter
        this.#errors++;
      }
    }
    out.push(counter('synbait_metric_source_errors_total', 'Metric sources that threw while being scraped', this.#errors));
    return out;
  }
}
