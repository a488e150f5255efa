// MetricSample[] -> Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Samples of one name are grouped under one
// HELP/TYPE header wherever they came from, as the format requires. Pure.

import type { MetricSample } from './metric-sample.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text escapes backslash and newline; label values also the double quote. */
const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderPrometheus(samples: readonly MetricSample[]): string {
  const families = new Map<string, MetricSample[]>();
  for (const s of samples) {
    if (!NAME.test(s.name)) throw new RangeError(`invalid metric name ${JSON.stringify(s.name)}`);
    const f = families.get(s.name);
    if (f) {
      if (f[0]!.type !== s.type) throw new RangeError(`metric ${s.name} is both ${f[0]!.type} and ${s.type}`);
      f.push(s);
    } else {
      families.set(s.name, [s]);
    }
  }
  const lines: string[] = [];
  for (const [name, family] of families) {
    lines.push(`# HELP ${name} ${escapeHelp(family[0]!.help)}`, `# TYPE ${name} ${family[0]!.type}`);
    const seen = new Set<string>();
    for (const s of family) {
      const labels = Object.entries(s.labels ?? {});
      for (const [k] of labels) if (!LABEL.test(k)) throw new RangeError(`invalid label name ${JSON.stringify(k)} on ${name}`);
      const text = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      if (seen.has(text)) continue; // a duplicate series is invalid; the first source wins
      seen.add(text);
      lines.push(`${name}${text} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}
