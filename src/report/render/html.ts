// One self-contained HTML page: inline CSS and inline SVG charts drawn here, no script at all, no external
// resource (a Content-Security-Policy of default-src 'none' makes the browser refuse any that slipped in).
// Every value from the archives (label names from user rules, paths, user agents, sensor names, file names)
// goes through esc(), which is enough for both element text and quoted attribute values.

import type { TopList } from '../aggregate.ts';
import type { ReportModel } from '../report-model.ts';
import { formatCount, formatPercent, wrap } from './format.ts';
import { STATE_ROWS, THREAT_HEAD, labelNote, overview, sourcesNote, threatRows, topNote } from './sections.ts';

export function esc(s: string): string {
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case "'": return '&#39;';
      default: return '\ufffd'; // control characters are not allowed in HTML text
    }
  });
}

const cut = (s: string, max: number): string => ([...s].length <= max ? s : [...s].slice(0, max - 1).join('') + '…');

const SEVERITY_COLOURS: Record<string, string> = {
  critical: '#8e1b1b', high: '#d1432f', medium: '#e8912d', low: '#d8b62b', info: '#7b8fa1',
};
const BAR = '#3d6fb6';

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly colour?: string;
  readonly title?: string;
}

/** Label characters per line in a bar chart (the label column is 320 px of 12 px text). */
const LABEL_LINE = 42;
const LINE_H = 15;

/**
 * Horizontal bar chart: one row per item, label left, value right. A long label wraps onto more lines (the row
 * grows); threat names are never cut, other labels after `maxLines` lines.
 */
function barChart(items: readonly Bar[], caption: string, maxLines = 3): string {
  if (items.length === 0) return '';
  const labelW = 320, barW = 360, valueW = 90, w = labelW + barW + valueW;
  const max = Math.max(...items.map((i) => i.value), 1);
  let y = 0;
  const rows = items.map((it) => {
    let lines = wrap(it.label, LABEL_LINE);
    if (lines.length > maxLines) lines = [...lines.slice(0, maxLines - 1), cut(lines[maxLines - 1]!, LABEL_LINE - 1) + '…'];
    const rowH = Math.max(22, lines.length * LINE_H + 7);
    const bw = Math.max(1, Math.round((it.value / max) * barW));
    const mid = y + rowH / 2;
    const first = mid + 4 - ((lines.length - 1) * LINE_H) / 2;
    const label = lines.map((l, k) => `<tspan x="${labelW - 8}" y="${first + k * LINE_H}">${esc(l)}</tspan>`).join('');
    const row = `<g><title>${esc(it.title ?? `${it.label}: ${formatCount(it.value)}`)}</title>` +
      `<text text-anchor="end">${label}</text>` +
      `<rect x="${labelW}" y="${mid - 7}" width="${bw}" height="14" fill="${it.colour ?? BAR}"/>` +
      `<text x="${labelW + bw + 6}" y="${mid + 4}">${formatCount(it.value)}</text></g>`;
    y += rowH;
    return row;
  });
  return `<figure><svg role="img" aria-label="${esc(caption)}" viewBox="0 0 ${w} ${y}" width="${w}" height="${y}">${rows.join('')}</svg></figure>`;
}

/** Column chart of records per day. */
function dayChart(days: readonly { day: string; count: number }[]): string {
  if (days.length === 0) return '';
  const w = 770, h = 220, left = 60, bottom = 40, top = 10;
  const plotW = w - left - 10, plotH = h - bottom - top;
  const max = Math.max(...days.map((d) => d.count), 1);
  const step = plotW / days.length;
  const bw = Math.min(48, Math.max(1, step * 0.8));
  const every = Math.max(1, Math.ceil(days.length / 10));
  const cols = days.map((d, i) => {
    const x = left + i * step + (step - bw) / 2;
    const bh = d.count === 0 ? 0 : Math.max(1, (d.count / max) * plotH);
    const label = i % every === 0 ? `<text x="${(x + bw / 2).toFixed(1)}" y="${h - bottom + 16}" text-anchor="middle">${esc(d.day.slice(5))}</text>` : '';
    return `<g><title>${esc(d.day)}: ${formatCount(d.count)}</title><rect x="${x.toFixed(1)}" y="${(top + plotH - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="${BAR}"/></g>${label}`;
  });
  const axis = `<line x1="${left}" y1="${top + plotH}" x2="${w - 10}" y2="${top + plotH}" stroke="#888"/>` +
    `<text x="${left - 6}" y="${top + 10}" text-anchor="end">${formatCount(max)}</text>` +
    `<text x="${left - 6}" y="${top + plotH}" text-anchor="end">0</text>`;
  return `<figure><svg role="img" aria-label="Records per day" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">${axis}${cols.join('')}</svg></figure>`;
}

/** One stacked bar for the flow states, with a legend. */
function stateChart(m: ReportModel): string {
  const s = m.summary;
  const colours = { syn: '#9aa9b8', acked: '#3d6fb6', udp: '#5aa469' } as const;
  const w = 760, h = 28;
  let x = 0;
  const parts = STATE_ROWS.map((r) => {
    const v = s.states[r.key];
    const pw = s.records > 0 ? (v / s.records) * w : 0;
    const rect = pw > 0 ? `<rect x="${x.toFixed(1)}" y="0" width="${pw.toFixed(1)}" height="${h}" fill="${colours[r.key]}"><title>${esc(r.label)}: ${formatCount(v)} (${formatPercent(v, s.records)})</title></rect>` : '';
    x += pw;
    return rect;
  });
  const legend = STATE_ROWS.map((r) => `<span class="key"><i style="background:${colours[r.key]}"></i>${esc(r.label)}</span>`).join(' ');
  return `<figure><svg role="img" aria-label="Flow states" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">${parts.join('')}</svg><figcaption>${legend}</figcaption></figure>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[], footer?: readonly string[]): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${h}</th>`).join('');
  const tr = (cells: readonly string[], tag: 'td' | 'th' = 'td') =>
    `<tr>${cells.map((c, i) => `<${tag}${numeric[i] ? ' class="n"' : ''}>${c}</${tag}>`).join('')}</tr>`;
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.map((r) => tr(r)).join('')}</tbody>${footer ? `<tfoot>${tr(footer, 'th')}</tfoot>` : ''}</table>`;
}

function topTable(list: TopList, title: string, what: string, total: number): string {
  if (list.entries.length === 0) return '';
  const note = topNote(list, what);
  return `<section><h2>${esc(title)}</h2>${note ? `<p class="note">${esc(note)}</p>` : ''}` +
    table(['Records', 'Share', 'Value'], list.entries.map((e) => [
      (e.error > 0 ? '≤' : '') + formatCount(e.count), formatPercent(e.count, total), `<code>${esc(cut(e.key, 300))}</code>`,
    ]), [true, true, false]) + '</section>';
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:960px;padding:0 1em;color:#1d2733;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #dde3ea;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0;width:100%}th,td{padding:3px 8px;border-bottom:1px solid #eef1f5;text-align:left;vertical-align:top}
th.n,td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}tfoot th{border-top:2px solid #c9d1db}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
code{font:12px/1.3 ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere;white-space:pre-wrap}
svg{font:12px system-ui,sans-serif;max-width:100%;height:auto}svg text{fill:#1d2733}figure{margin:.8em 0}
.key{margin-right:1.2em}.key i{display:inline-block;width:.9em;height:.9em;margin-right:.35em;vertical-align:-.1em}
.note{color:#5b6775}.problems li{overflow-wrap:anywhere}
`;

export function renderHtml(m: ReportModel): string {
  const s = m.summary;
  const body: string[] = [];
  body.push(`<h1>synbait report</h1><p class="note">Generated ${esc(m.generatedAt)}</p>`);
  // Overview values are plain text with sensor names and paths in them: escape each whole value.
  body.push(`<dl>${overview(m, (s) => s).map((o) => `<dt>${esc(o.label)}</dt><dd>${esc(o.value)}</dd>`).join('')}</dl>`);

  body.push('<section><h2>Threats</h2>');
  if (s.labels.length === 0) {
    body.push('<p>No labels.</p>');
  } else {
    const rows = threatRows(m);
    body.push(barChart(rows.slice(0, m.top).map((t) => ({
      label: t.name, value: t.count, colour: SEVERITY_COLOURS[t.severity] ?? BAR, title: `${t.name} (${t.ruleset} ${t.rule}): ${formatCount(t.count)}`,
    })), 'Threats by count', Infinity));
    body.push(table(
      [...THREAT_HEAD],
      rows.map((t) => [esc(t.name), esc(t.ruleset), `<code>${esc(t.rule)}</code>`, esc(t.category), esc(t.severity), formatCount(t.count)]),
      [false, false, false, false, false, true],
      ['Total', '', '', '', '', formatCount(s.labelTotal)],
    ));
  }
  body.push(`<p class="note">${esc(labelNote(m))}</p></section>`);

  body.push('<section><h2>Flows</h2>', stateChart(m), table(
    ['State', 'Records', 'Share'],
    STATE_ROWS.map((r) => [esc(r.label), formatCount(s.states[r.key]), formatPercent(s.states[r.key], s.records)]),
    [false, true, true],
  ), '</section>');

  body.push(`<section><h2>Top destination ports</h2><p class="note">${formatCount(s.distinctPorts)} distinct ports.</p>`);
  body.push(barChart(s.ports.map((p) => ({ label: `${p.proto}/${p.port}`, value: p.count })), 'Top destination ports'));
  body.push(table(['Port', 'Records', 'Share'], s.ports.map((p) => [`${p.proto}/${p.port}`, formatCount(p.count), formatPercent(p.count, s.records)]), [false, true, true]), '</section>');

  body.push(`<section><h2>Top sources</h2><p class="note">${esc(sourcesNote(m))}.</p>`);
  body.push(barChart(s.sources.entries.map((e) => ({ label: e.key, value: e.count })), 'Top sources'));
  const approx = s.sources.approximate;
  body.push(table(['Source', approx ? 'At most' : 'Records', ...(approx ? ['At least'] : []), 'Share'], s.sources.entries.map((e) => [
    `<code>${esc(e.key)}</code>`, formatCount(e.count), ...(approx ? [formatCount(e.count - e.error)] : []), formatPercent(e.count, s.records),
  ]), approx ? [false, true, true, true] : [false, true, true]), '</section>');

  body.push('<section><h2>Records per day (UTC)</h2>', dayChart(s.days));
  body.push(table(['Day', 'Records'], s.days.map((d) => [esc(d.day), formatCount(d.count)]), [false, true]), '</section>');

  body.push(topTable(s.userAgents, 'Top HTTP user agents', 'user agents', s.records));
  body.push(topTable(s.httpPaths, 'Top HTTP paths', 'paths', s.records));

  if (m.problems.length > 0) {
    body.push('<section><h2>Problems</h2><ul class="problems">');
    for (const p of m.problems) body.push(`<li><code>${esc(p.file)}${p.line !== undefined ? `:${p.line}` : ''}</code>: ${esc(p.message)}</li>`);
    if (m.moreProblems > 0) body.push(`<li>and ${formatCount(m.moreProblems)} more</li>`);
    body.push('</ul></section>');
  }

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>synbait report</title>
<style>${CSS}</style>
</head>
<body>
${body.filter(Boolean).join('\n')}
</body>
</html>
`;
}
