// One metric value as every component reports it, named after one spec (vector's instrumentation spec:
// snake_case, `synbait_` prefix, `_total` for counters, labels for the breakdown). Types only and two builders:
// sinks/, jobs/ and the core's adapters import this file, never the HTTP server.

export interface MetricSample {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export function counter(name: string, help: string, value: number, labels?: Readonly<Record<string, string>>): MetricSample {
  return { name, help, type: 'counter', value, ...(labels ? { labels } : {}) };
}

export function gauge(name: string, help: string, value: number, labels?: Readonly<Record<string, string>>): MetricSample {
  return { name, help, type: 'gauge', value, ...(labels ? { labels } : {}) };
}

/** One counter family broken down by one label: `counters(name, help, 'reason', { not_target: 3, ... })`. */
export function counters(name: string, help: string, label: string, values: Readonly<Record<string, number>>): MetricSample[] {
  return Object.entries(values).map(([value, n]) => counter(name, help, n, { [label]: value }));
}
