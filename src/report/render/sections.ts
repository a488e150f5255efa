// The rows every format shows, computed once from the model so the formats cannot disagree.

import type { ReportModel } from '../report-model.ts';
import { formatCount, formatDuration, formatPercent, formatTime } from './format.ts';

export interface Overview {
  readonly label: string;
  readonly value: string;
}

/**
 * Key facts, in display order. `quote` makes a value from outside (sensor names, input paths) safe for the
 * format; the rest is our own text, which the renderer writes as it is.
 */
export function overview(m: ReportModel, quote: (s: string) => string): Overview[] {
  const s = m.summary;
  const rows: Overview[] = [];
  rows.push({ label: 'Records', value: formatCount(s.records) });
  if (s.firstTsMs !== undefined && s.lastTsMs !== undefined) {
    rows.push({
      label: 'Time span',
      value: `${formatTime(s.firstTsMs)} to ${formatTime(s.lastTsMs)} (${formatDuration(s.lastTsMs - s.firstTsMs)})`,
    });
  }
  const sensors = s.sensors.map((x) => `${quote(x.name)} (${formatCount(x.records)})`);
  if (s.otherSensorRecords > 0) sensors.push(`others (${formatCount(s.otherSensorRecords)})`);
  rows.push({ label: 'Sensors', value: sensors.length ? `${s.sensors.length}: ${sensors.join(', ')}` : 'none' });
  rows.push({ label: 'Inputs', value: `${m.inputs.map(quote).join(', ')} (${fileCounts(m)})` });
  if (m.sinceMs !== undefined || m.untilMs !== undefined) {
    const parts = [
      m.sinceMs !== undefined ? `from ${formatTime(m.sinceMs)}` : '',
      m.untilMs !== undefined ? `until ${formatTime(m.untilMs)} (exclusive)` : '',
    ].filter(Boolean);
    rows.push({
      label: 'Range',
      value: `${parts.join(' ')}; ${formatCount(m.outOfRange)} records outside it, ${formatCount(m.files.skippedByRange)} files/partitions not read`,
    });
  }
  rows.push({
    label: 'Labels',
    value: m.labels.relabel ? `current rules (${formatCount(m.labels.ruleCount)} rules)` : 'as stored in the archives',
  });
  const skipped = skippedText(m);
  if (skipped) rows.push({ label: 'Skipped', value: skipped });
  return rows;
}

function fileCounts(m: ReportModel): string {
  const n = m.files.ok + m.files.damaged + m.files.failed;
  return `${formatCount(n)} file${n === 1 ? '' : 's'}`;
}

/** "1 file unreadable, 2 damaged, 3 lines" or "" when nothing was skipped. */
export function skippedText(m: ReportModel): string {
  const parts: string[] = [];
  if (m.files.failed) parts.push(`${m.files.failed} file${m.files.failed === 1 ? '' : 's'} unreadable`);
  if (m.files.damaged) parts.push(`${m.files.damaged} file${m.files.damaged === 1 ? '' : 's'} damaged (read in part)`);
  if (m.skippedLines) parts.push(`${formatCount(m.skippedLines)} bad line${m.skippedLines === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export const STATE_ROWS = [
  { key: 'syn', label: 'SYN only (no handshake)' },
  { key: 'acked', label: 'ACKed (handshake completed)' },
  { key: 'udp', label: 'UDP' },
] as const;

export function sourcesNote(m: ReportModel): string {
  const src = m.summary.sources;
  const distinct = `${m.summary.distinctSourcesApproximate ? 'about ' : ''}${formatCount(m.summary.distinctSources)} distinct`;
  if (!src.approximate) return `${distinct}; exact counts`;
  return `${distinct}; approximate: too many to count each one (a table of ${formatCount(src.capacity)} heavy hitters is ` +
    `kept), so a count may be over by up to ${formatCount(src.maxError)}; a source not listed had at most that many`;
}

export function topNote(list: { approximate: boolean; capacity: number; maxError: number }, what: string): string {
  return list.approximate
    ? `approximate: too many distinct ${what} to count each one, a count may be over by up to ${formatCount(list.maxError)}`
    : '';
}

export function labelNote(m: ReportModel): string {
  const s = m.summary;
  return `Records with a label: ${formatCount(s.labelledRecords)} (${formatPercent(s.labelledRecords, s.records)}); ` +
    `without any label: ${formatCount(s.unlabelledRecords)} (${formatPercent(s.unlabelledRecords, s.records)})`;
}

/** A threat table row, as every format shows it (values not yet escaped for the format). */
export interface ThreatRow {
  readonly name: string;
  readonly ruleset: string;
  /** Our rule id, or a community rule's sid. */
  readonly rule: string;
  readonly category: string;
  readonly severity: string;
  readonly count: number;
}

export const THREAT_HEAD = ['Name', 'Ruleset', 'Rule', 'Category', 'Severity', 'Count'] as const;

export function threatRows(m: ReportModel): ThreatRow[] {
  return m.summary.labels.map((l) => ({
    name: l.name, ruleset: l.ruleset, rule: l.sid !== undefined ? String(l.sid) : (l.id ?? ''),
    category: l.category ?? '', severity: l.severity ?? '', count: l.count,
  }));
}
