// Plain text with aligned columns, for a terminal or a mail. Every value from the archives goes through
// printable(), so a hostile label name, path or user agent cannot send terminal escape sequences.

import type { ReportModel } from '../report-model.ts';
import { formatCount, formatPercent, printable, width, wrap } from './format.ts';
import { STATE_ROWS, THREAT_HEAD, labelNote, overview, sourcesNote, threatRows, topNote } from './sections.ts';

type Align = 'l' | 'r';

function cut(s: string, max: number): string {
  const cps = [...s];
  return cps.length <= max ? s : cps.slice(0, max - 1).join('') + '…';
}

/**
 * Aligned columns. A column with a `wrapAt` width has its longer cells wrapped onto continuation lines (indented
 * by two), the other columns left blank there: such a cell is shown whole, however long.
 */
export function table(head: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[],
  o: { readonly indent?: string; readonly wrapAt?: readonly (number | undefined)[] } = {}): string[] {
  const indent = o.indent ?? '  ';
  const lines = rows.flatMap((r) => {
    const parts = r.map((c, i) => {
      const at = o.wrapAt?.[i];
      return at === undefined || width(c) <= at ? [c] : wrap(c, at - 2).map((l, k) => (k === 0 ? l : '  ' + l));
    });
    const height = Math.max(...parts.map((p) => p.length));
    return Array.from({ length: height }, (_, k) => parts.map((p) => p[k] ?? ''));
  });
  const w = head.map((h, i) => Math.max(width(h), ...lines.map((r) => width(r[i] ?? ''))));
  const fmt = (cells: readonly string[]) =>
    indent + cells.map((c, i) => {
      const pad = ' '.repeat(w[i]! - width(c));
      return align[i] === 'r' ? pad + c : i === cells.length - 1 ? c : c + pad;
    }).join('  ').replace(/\s+$/, '');
  return [fmt(head), ...lines.map(fmt)];
}

const MAX_TEXT = 72;
/** The threat table fits this many columns: names wrap to what the other columns leave, never cut. */
export const TABLE_WIDTH = 100;
/** ... but a name column is never narrower than this. */
const MIN_NAME_WIDTH = 32;

/** The name column's width: what the other columns (their widest cell, two spaces apart) leave of TABLE_WIDTH. */
function nameWidth(head: readonly string[], rows: readonly (readonly string[])[]): number {
  let others = 2; // the indent
  for (let i = 1; i < head.length; i++) others += 2 + Math.max(width(head[i]!), ...rows.map((r) => width(r[i] ?? '')));
  return Math.max(MIN_NAME_WIDTH, TABLE_WIDTH - others);
}

export function renderText(m: ReportModel): string {
  const s = m.summary;
  const out: string[] = [`synbait report (generated ${m.generatedAt})`, ''];
  const ov = overview(m, printable);
  const lw = Math.max(...ov.map((o) => o.label.length));
  for (const o of ov) out.push(`${(o.label + ':').padEnd(lw + 1)}  ${o.value}`);

  out.push('', 'Threats');
  if (s.labels.length === 0) {
    out.push('  (no labels)');
  } else {
    const rows = threatRows(m).map((t) => [
      printable(t.name), printable(t.ruleset), printable(t.rule), printable(t.category), printable(t.severity), formatCount(t.count),
    ]);
    rows.push(['Total', '', '', '', '', formatCount(s.labelTotal)]);
    const t = table(THREAT_HEAD, rows, ['l', 'l', 'l', 'l', 'l', 'r'], { wrapAt: [nameWidth(THREAT_HEAD, rows)] });
    t.splice(t.length - 1, 0, '  ' + '-'.repeat(Math.max(...t.map(width)) - 2));
    out.push(...t);
  }
  out.push(`  ${labelNote(m)}`);

  out.push('', 'Flows');
  out.push(...table(
    ['State', 'Records', 'Share'],
    STATE_ROWS.map((r) => [r.label, formatCount(s.states[r.key]), formatPercent(s.states[r.key], s.records)]),
    ['l', 'r', 'r'],
  ));

  out.push('', `Top destination ports (${formatCount(s.distinctPorts)} distinct)`);
  out.push(...(s.ports.length
    ? table(['Port', 'Records', 'Share'], s.ports.map((p) => [`${p.proto}/${p.port}`, formatCount(p.count), formatPercent(p.count, s.records)]), ['l', 'r', 'r'])
    : ['  (none)']));

  out.push('', `Top sources (${sourcesNote(m)})`);
  const approx = s.sources.approximate;
  out.push(...(s.sources.entries.length
    ? table(['Source', approx ? 'At most' : 'Records', ...(approx ? ['At least'] : []), 'Share'], s.sources.entries.map((e) => [
      cut(printable(e.key), MAX_TEXT), formatCount(e.count), ...(approx ? [formatCount(e.count - e.error)] : []), formatPercent(e.count, s.records),
    ]), approx ? ['l', 'r', 'r', 'r'] : ['l', 'r', 'r'])
    : ['  (none)']));

  out.push('', 'Records per day (UTC)');
  if (s.days.length === 0) {
    out.push('  (none)');
  } else {
    const max = Math.max(...s.days.map((d) => d.count));
    out.push(...table(['Day', 'Records', ''], s.days.map((d) => [d.day, formatCount(d.count), d.count === 0 ? '' : '#'.repeat(Math.max(1, Math.round((d.count / max) * 40)))]), ['l', 'r', 'l']));
  }

  for (const [title, list, what] of [['Top HTTP user agents', s.userAgents, 'user agents'], ['Top HTTP paths', s.httpPaths, 'paths']] as const) {
    if (list.entries.length === 0) continue;
    const note = topNote(list, what);
    out.push('', title + (note ? ` (${note})` : ''));
    out.push(...table(['Records', 'Value'], list.entries.map((e) => [(e.error > 0 ? '≤ ' : '') + formatCount(e.count), cut(printable(e.key), 100)]), ['r', 'l']));
  }

  if (m.problems.length > 0) {
    out.push('', 'Problems');
    for (const p of m.problems) out.push(`  ${printable(p.file)}${p.line !== undefined ? `:${p.line}` : ''}: ${printable(p.message)}`);
    if (m.moreProblems > 0) out.push(`  ... and ${formatCount(m.moreProblems)} more (see stderr)`);
  }
  return out.join('\n') + '\n';
}
