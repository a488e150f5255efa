// One JSON object for scripts. Field names are snake_case like the FlowRecord's; times are ISO 8601 UTC.
// `report_version` changes on any incompatible change of this shape (documented in docs/report.md).

import type { TopList } from '../aggregate.ts';
import type { ReportModel } from '../report-model.ts';

export const REPORT_JSON_VERSION = 1;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function top(list: TopList, keyName: string): object {
  return {
    approximate: list.approximate,
    capacity: list.capacity,
    max_error: list.maxError,
    total: list.total,
    entries: list.entries.map((e) => ({ [keyName]: e.key, count: e.count, error: e.error })),
  };
}

export function reportObject(m: ReportModel): object {
  const s = m.summary;
  return {
    report_version: REPORT_JSON_VERSION,
    generated_at: m.generatedAt,
    inputs: m.inputs,
    range: { since: iso(m.sinceMs), until: iso(m.untilMs) },
    labels_from: m.labels.relabel ? 'relabel' : 'archive',
    rule_count: m.labels.relabel ? m.labels.ruleCount : null,
    records: s.records,
    first_ts: iso(s.firstTsMs),
    last_ts: iso(s.lastTsMs),
    sensors: s.sensors.map((x) => ({ sensor: x.name, records: x.records })),
    other_sensor_records: s.otherSensorRecords,
    states: { syn: s.states.syn, acked: s.states.acked, udp: s.states.udp },
    threats: s.labels.map((l) => ({
      name: l.name, id: l.id ?? null, sid: l.sid ?? null, ruleset: l.ruleset, category: l.category ?? null, severity: l.severity ?? null, count: l.count,
    })),
    threats_total: s.labelTotal,
    labelled_records: s.labelledRecords,
    unlabelled_records: s.unlabelledRecords,
    ports: s.ports.map((p) => ({ proto: p.proto, port: p.port, count: p.count })),
    distinct_ports: s.distinctPorts,
    sources: top(s.sources, 'src_ip'),
    distinct_sources: s.distinctSources,
    distinct_sources_approximate: s.distinctSourcesApproximate,
    days: s.days.map((d) => ({ day: d.day, count: d.count })),
    http_user_agents: top(s.userAgents, 'user_agent'),
    http_paths: top(s.httpPaths, 'path'),
    files: {
      ok: m.files.ok, damaged: m.files.damaged, failed: m.files.failed,
      skipped_by_range: m.files.skippedByRange, bytes_read: m.files.bytes,
    },
    skipped_lines: m.skippedLines,
    out_of_range_records: m.outOfRange,
    problems: m.problems.map((p) => ({ file: p.file, line: p.line ?? null, message: p.message })),
    more_problems: m.moreProblems,
    elapsed_ms: Math.round(m.elapsedMs),
  };
}

export function renderJson(m: ReportModel): string {
  return JSON.stringify(reportObject(m), null, 2) + '\n';
}
