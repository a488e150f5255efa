// GitHub-flavoured Markdown tables. Values from the archives are escaped so they stay literal text: every ASCII
// punctuation character is backslash-escaped (CommonMark allows it for all of them), which also defuses "|"
// (table cells), "<" (inline HTML), "[" and "!" (links, images) and "`"; control characters become visible.

import type { ReportModel } from '../report-model.ts';
import { formatCount, formatPercent, printable } from './format.ts';
import { STATE_ROWS, THREAT_HEAD, labelNote, overview, sourcesNote, threatRows, topNote } from './sections.ts';

export function mdEscape(s: string): string {
  return printable(s).replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

function mdTable(head: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (right[i] ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

const cut = (s: string, max: number): string => ([...s].length <= max ? s : [...s].slice(0, max - 1).join('') + '…');

export function renderMarkdown(m: ReportModel): string {
  const s = m.summary;
  const out: string[] = ['# synbait report', '', `Generated ${m.generatedAt}.`, ''];
  out.push(...mdTable(['', ''], overview(m, mdEscape).map((o) => [`**${o.label}**`, o.value]), [false, false]));

  out.push('', '## Threats', '');
  if (s.labels.length === 0) {
    out.push('No labels.');
  } else {
    out.push(...mdTable(
      THREAT_HEAD,
      [
        ...threatRows(m).map((t) => [mdEscape(t.name), mdEscape(t.ruleset), mdEscape(t.rule), mdEscape(t.category), mdEscape(t.severity), formatCount(t.count)]),
        ['**Total**', '', '', '', '', `**${formatCount(s.labelTotal)}**`],
      ],
      [false, false, false, false, false, true],
    ));
  }
  out.push('', labelNote(m));

  out.push('', '## Flows', '');
  out.push(...mdTable(
    ['State', 'Records', 'Share'],
    STATE_ROWS.map((r) => [r.label, formatCount(s.states[r.key]), formatPercent(s.states[r.key], s.records)]),
    [false, true, true],
  ));

  out.push('', `## Top destination ports`, '', `${formatCount(s.distinctPorts)} distinct ports.`, '');
  out.push(...mdTable(['Port', 'Records', 'Share'], s.ports.map((p) => [`${p.proto}/${p.port}`, formatCount(p.count), formatPercent(p.count, s.records)]), [false, true, true]));

  out.push('', '## Top sources', '', `${sourcesNote(m)}.`, '');
  const approx = s.sources.approximate;
  out.push(...mdTable(
    ['Source', approx ? 'At most' : 'Records', ...(approx ? ['At least'] : []), 'Share'],
    s.sources.entries.map((e) => [mdEscape(e.key), formatCount(e.count), ...(approx ? [formatCount(e.count - e.error)] : []), formatPercent(e.count, s.records)]),
    approx ? [false, true, true, true] : [false, true, true],
  ));

  out.push('', '## Records per day (UTC)', '');
  out.push(...mdTable(['Day', 'Records'], s.days.map((d) => [d.day, formatCount(d.count)]), [false, true]));

  for (const [title, list, what] of [['Top HTTP user agents', s.userAgents, 'user agents'], ['Top HTTP paths', s.httpPaths, 'paths']] as const) {
    if (list.entries.length === 0) continue;
    const note = topNote(list, what);
    out.push('', `## ${title}`, '');
    if (note) out.push(`${note}.`, '');
    out.push(...mdTable(['Records', 'Value'], list.entries.map((e) => [(e.error > 0 ? '≤' : '') + formatCount(e.count), mdEscape(cut(e.key, 200))]), [true, false]));
  }

  if (m.problems.length > 0) {
    out.push('', '## Problems', '');
    for (const p of m.problems) out.push(`- ${mdEscape(p.file)}${p.line !== undefined ? `:${p.line}` : ''}: ${mdEscape(p.message)}`);
    if (m.moreProblems > 0) out.push(`- and ${formatCount(m.moreProblems)} more`);
  }
  return out.join('\n') + '\n';
}
