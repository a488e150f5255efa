// Every format renders the same counts; attacker-controlled strings stay inert in each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Aggregator } from '../../../src/report/aggregate.ts';
import type { LabelRef, RecordView } from '../../../src/report/record-view.ts';
import { printable } from '../../../src/report/render/format.ts';
import { esc, renderHtml } from '../../../src/report/render/html.ts';
import { renderJson } from '../../../src/report/render/json.ts';
import { mdEscape, renderMarkdown } from '../../../src/report/render/markdown.ts';
import { renderText } from '../../../src/report/render/text.ts';
import type { ReportModel } from '../../../src/report/report-model.ts';

const HOSTILE_UA = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&\u001b[31m';
const HOSTILE_PATH = '/a|b`c[x](http://evil.example/)<iframe src="//evil.example">';
const ours = (l: Omit<LabelRef, 'ruleset' | 'sid' | 'rev'>): LabelRef => ({ ruleset: 'synbait', sid: undefined, rev: 1, ...l });
const HOSTILE_LABEL = ours({ id: 'user-1<b>', name: 'Rule </td><script src=https://evil.example/x.js></script>', category: 'probe', severity: 'low' });
const SIP = ours({ id: 'sb-1001', name: 'SIPVicious Scanner Detection', category: 'scanner', severity: 'medium' });

function model(over: Partial<ReportModel> = {}): ReportModel {
  const a = new Aggregator();
  const base: RecordView = {
    tsMs: Date.UTC(2026, 10, 25, 10), sensor: 'sensor1', srcIp: '203.0.113.5', dstPort: 5060, proto: 'udp', state: 'udp',
    labels: [SIP], httpUserAgent: undefined, httpPath: undefined,
  };
  for (let i = 0; i < 489; i++) a.add({ ...base, tsMs: base.tsMs + i * 3_600_000 });
  for (let i = 0; i < 5; i++) {
    a.add({ ...base, proto: 'tcp', state: 'acked', dstPort: 80, srcIp: '198.51.100.9', labels: [HOSTILE_LABEL], httpUserAgent: HOSTILE_UA, httpPath: HOSTILE_PATH, sensor: 'evil\u001b]0;pwned\u0007' });
  }
  a.add({ ...base, proto: 'tcp', state: 'syn', dstPort: 22, labels: [] });
  return {
    generatedAt: '2026-11-26T00:00:00.000Z',
    inputs: ['/var/spool/synbait', 's3://bucket/prefix'],
    sinceMs: Date.UTC(2026, 10, 25),
    untilMs: undefined,
    labels: { relabel: false },
    top: 10,
    summary: a.summary(10),
    files: { ok: 3, damaged: 1, failed: 1, skippedByRange: 2, bytes: 12345 },
    skippedLines: 4,
    outOfRange: 7,
    problems: [{ file: '/spool/bad<1>.jsonl.gz', line: 12, message: 'not JSON (Unexpected token <)' }],
    moreProblems: 3,
    elapsedMs: 1234,
    ...over,
  };
}

test('text: aligned tables, threat total, unlabelled count, no raw control characters', () => {
  const out = renderText(model());
  assert.match(out, /SIPVicious Scanner Detection\s+synbait\s+sb-1001\s+scanner\s+medium\s+489\n/);
  assert.match(out, /Total\s+494\n/);
  assert.match(out, /without any label: 1 \(0\.2%\)/);
  assert.match(out, /SYN only \(no handshake\)\s+1\s+0\.2%/);
  assert.match(out, /udp\/5060\s+489/);
  assert.match(out, /2026-11-25\s+20\s+#+\n/);
  assert.match(out, /2026-11-26\s+24\s+#+\n/);
  assert.match(out, /Skipped:\s+1 file unreadable, 1 file damaged \(read in part\), 4 bad lines/);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(out), 'no control characters reach the terminal');
  assert.ok(out.includes('evil\\x1b]0;pwned\\x07'));
  // columns line up: every row of the threat table has its count ending in the same column
  const rows = out.split('\n').filter((l) => /^\s{2}(SIPVicious|Rule|Total)/.test(l));
  assert.equal(new Set(rows.map((r) => r.length)).size, 1, rows.join('\n'));
});

test('markdown: tables, and hostile text cannot break out of its cell', () => {
  const out = renderMarkdown(model());
  assert.match(out, /\| SIPVicious Scanner Detection \| synbait \| sb\\-1001 \| scanner \| medium \| 489 \|/);
  assert.match(out, /\| \*\*Total\*\* \|/);
  for (const line of out.split('\n').filter((l) => l.startsWith('|'))) {
    const unescapedPipes = line.replace(/\\\|/g, '').split('|').length - 1;
    const header = out.split('\n').find((l) => l.startsWith('|') && l.length > 0);
    assert.ok(unescapedPipes >= 3 && header !== undefined);
  }
  assert.ok(!/(^|[^\\])</m.test(out), 'every < is escaped: no raw HTML');
  assert.ok(!/(^|[^\\])\]\(/m.test(out), 'no live link syntax');
  assert.equal(mdEscape('a|b<c>`d`[e](f)'), 'a\\|b\\<c\\>\\`d\\`\\[e\\]\\(f\\)');
});

test('json: one object with the counts', () => {
  const o = JSON.parse(renderJson(model())) as Record<string, unknown> & { threats: { name: string; count: number }[] };
  assert.equal(o.report_version, 1);
  assert.equal(o.records, 495);
  assert.equal(o.threats_total, 494);
  assert.deepEqual(o.threats.map((t) => [t.name, t.count]), [['SIPVicious Scanner Detection', 489], [HOSTILE_LABEL.name, 5]]);
  assert.equal(o.unlabelled_records, 1);
  assert.deepEqual(o.states, { syn: 1, acked: 5, udp: 489 });
  assert.deepEqual((o.range as { since: string }).since, '2026-11-25T00:00:00.000Z');
  assert.equal((o.http_user_agents as { entries: { user_agent: string }[] }).entries[0]!.user_agent, HOSTILE_UA);
  assert.deepEqual(o.files, { ok: 3, damaged: 1, failed: 1, skipped_by_range: 2, bytes_read: 12345 });
});

test('html: one self-contained page, no external loads, hostile strings escaped', () => {
  const out = renderHtml(model());
  assert.ok(out.startsWith('<!DOCTYPE html>'));
  assert.match(out, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.match(out, /<svg role="img"/);
  // Text never contains a raw "<", so every "<" starts a real tag: check the tags.
  const tags = out.match(/<[^>]*>/g) ?? [];
  const names = new Set(tags.map((t) => /^<\/?([a-zA-Z!][a-zA-Z0-9]*)/.exec(t)?.[1]?.toLowerCase()));
  for (const n of names) {
    assert.ok(['!doctype', 'html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'p', 'dl', 'dt', 'dd', 'section', 'table',
      'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'code', 'figure', 'figcaption', 'svg', 'g', 'title', 'text', 'tspan', 'rect', 'line',
      'span', 'i', 'ul', 'li'].includes(n!), `unexpected element <${n}>`);
  }
  for (const t of tags) assert.ok(!/\s(src|href|srcset|action|formaction|xlink:href|on[a-z]+)\s*=/i.test(t), `tag loads or runs something: ${t}`);
  assert.ok(!/url\(|@import|https?:|\/\//i.test(out.slice(out.indexOf('<style>'), out.indexOf('</style>'))), 'no CSS loads');
  assert.ok(!/<script/i.test(out), 'no <script> element');
  // the hostile user agent and label are shown, escaped
  assert.ok(out.includes(esc(HOSTILE_UA)));
  assert.ok(out.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(out.includes(esc(HOSTILE_LABEL.name)));
  assert.ok(out.includes(esc(HOSTILE_PATH)));
  assert.equal(esc('<a href="x">&\''), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  // the threat total and the per-day chart are there
  assert.match(out, /<tfoot><tr><th>Total<\/th>.*494/);
  assert.match(out, /aria-label="Records per day"/);
});

test('empty report renders in every format', () => {
  const m = model({ summary: new Aggregator().summary(10), problems: [], moreProblems: 0, files: { ok: 0, damaged: 0, failed: 0, skippedByRange: 0, bytes: 0 }, skippedLines: 0 });
  for (const r of [renderText, renderMarkdown, renderJson, renderHtml]) {
    const out = r(m);
    assert.ok(out.length > 100);
  }
  assert.match(renderText(m), /\(no labels\)/);
  assert.equal(JSON.parse(renderJson(m)).first_ts, null);
});

test('printable escapes control and bidi characters', () => {
  assert.equal(printable('a\u001b[2Jb\u202ec\u0085'), 'a\\x1b[2Jb\\u{202e}c\\x85');
  assert.equal(printable('plain é 😀'), 'plain é 😀');
});

// The two longest names a commercial firewall reported on a lurker honeypot (issue 11): never cut.
const NETIS = 'Netis/Netcore Router Default Credential Remote Code Execution Vulnerability';
const ASUS = 'ASUS/Netcore Router Default Credential Remote Code Execution Vulnerability';
const ET: LabelRef = {
  ruleset: 'et/open', id: undefined, sid: 2027097, rev: 4, name: 'ET EXPLOIT Netgear DGN Remote Command Execution',
  category: 'attempted-admin', severity: 'high',
};

function longNames(): ReportModel {
  const a = new Aggregator();
  const base: RecordView = {
    tsMs: Date.UTC(2026, 10, 25, 10), sensor: 'sensor1', srcIp: '203.0.113.5', dstPort: 53413, proto: 'udp', state: 'udp',
    labels: [ours({ id: 'sb-3107', name: NETIS, category: 'exploit', severity: 'critical' })], httpUserAgent: undefined, httpPath: undefined,
  };
  a.add(base);
  a.add({ ...base, labels: [ours({ id: 'sb-3108', name: ASUS, category: 'exploit', severity: 'critical' }), ET] });
  a.add({ ...base, labels: [ET] });
  return model({ summary: a.summary(10) });
}

test('every threat name whole, in every format: long names wrap in text, the ruleset column tells ours from community rules', () => {
  const m = longNames();
  const text = renderText(m);
  const table = text.slice(text.indexOf('Threats\n'), text.indexOf('\nFlows'));
  for (const line of table.split('\n')) assert.ok(line.length <= 100, `fits 100 columns: ${line}`);
  assert.ok(!table.includes('…'), 'nothing cut');
  // the continuation lines of a wrapped name, put back together, give the name
  const names = table.split('\n').filter((l) => /^ {2}\S/.test(l) || /^ {4}\S/.test(l)).map((l) => l.slice(2).trimStart().split(/ {2,}/)[0]!);
  const joined = names.join(' ');
  for (const n of [NETIS, ASUS, ET.name]) assert.ok(joined.includes(n), `${n} in ${joined}`);
  assert.match(table, /et\/open\s+2027097\s+attempted-admin\s+high\s+2\n/);
  assert.match(table, /synbait\s+sb-3107\s+exploit\s+critical\s+1\n/);

  const md = renderMarkdown(m);
  for (const n of [NETIS, ASUS]) assert.ok(md.includes(`| ${mdEscape(n)} | synbait |`), n);
  assert.ok(md.includes(`| ${mdEscape(ET.name)} | et\\/open | 2027097 | attempted\\-admin | high | 2 |`));

  const html = renderHtml(m);
  for (const n of [NETIS, ASUS]) {
    assert.ok(html.includes(`<td>${esc(n)}</td><td>synbait</td>`), `${n} whole in the table`);
    // in the chart the name wraps onto lines of a <text>: together they are the name
    const chartText = html.slice(html.indexOf('aria-label="Threats by count"'), html.indexOf('</figure>'));
    const lines = [...chartText.matchAll(/<text text-anchor="end">(.*?)<\/text>/g)].map((x) => [...x[1]!.matchAll(/<tspan[^>]*>(.*?)<\/tspan>/g)].map((t) => t[1]).join(' '));
    assert.ok(lines.includes(esc(n)), `${n} whole in the chart`);
  }

  const json = JSON.parse(renderJson(m)) as { threats: { name: string; ruleset: string; id: string | null; sid: number | null; count: number }[] };
  assert.deepEqual(json.threats.map((t) => [t.name, t.ruleset, t.id, t.sid, t.count]), [
    [ET.name, 'et/open', null, 2027097, 2],
    [ASUS, 'synbait', 'sb-3108', null, 1],
    [NETIS, 'synbait', 'sb-3107', null, 1],
  ]);
});
