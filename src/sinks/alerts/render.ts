// Alert and digest messages: Slack incoming-webhook JSON and the generic webhook's versioned JSON.
//
// Attacker bytes are hostile text. For Slack they are (1) rendered as escaped ASCII (\r \n \t \xNN; nothing raw
// beyond printable ASCII), (2) stripped of Slack's control characters & < > (api.slack.com "Escaping text"), so
// no <!channel>, <@U..> or <http://...|link> can be formed, (3) kept inside code spans/blocks with backticks
// replaced, so no formatting or auto-linking applies, (4) "defanged" (hxxp://, @ here) as threat-intel practice
// does, so a copy-paste is not a click, and (5) truncated. The message asks Slack not to unfurl anything.

import { isCommunityLabel, labelKey, type FlowRecord, type RecordLabel } from '../../record/flow-record.ts';
import type { DigestSnapshot } from './digest.ts';
import type { PayloadShape } from './payload-shape.ts';

export const WEBHOOK_SCHEMA_VERSION = 1;
/** Payload bytes shown in a Slack alert / kept in a generic webhook alert's record. */
export const SLACK_EXCERPT_BYTES = 400;
export const WEBHOOK_PAYLOAD_BYTES = 16 * 1024;
const MAX_FIELD_CHARS = 200;

export type AlertReason =
  | { readonly kind: 'new_label'; readonly label: RecordLabel }
  | { readonly kind: 'new_shape'; readonly shape: PayloadShape };

export interface AlertItem {
  readonly record: FlowRecord;
  readonly payload: Uint8Array;
  readonly shape: PayloadShape | undefined;
  readonly reasons: readonly AlertReason[];
}

// --- text safety -------------------------------------------------------------------------------------------------

/** Bytes as one-line-per-LF escaped ASCII: printable ASCII as is (backslash doubled), everything else escaped. */
export function escapeBytes(b: Uint8Array, max: number): string {
  let s = '';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else if (c === 0x0a) s += '\\n\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x09) s += '\\t';
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** Breaks URLs and mentions so nothing is clickable or notifies anyone. */
export function defang(s: string): string {
  return s
    .replace(/\b(h)(tt)(ps?):\/\//gi, (_m, h: string, tt: string, p: string) => `${h}${tt === 'tt' ? 'xx' : 'XX'}${p}://`)
    .replace(/\b(f)(t)(p):\/\//gi, (_m, f: string, _t: string, p: string) => `${f}x${p}://`)
    .replace(/\b([a-z][a-z0-9+.-]{1,20}):\/\//gi, (m, scheme: string) => (/^(hxxps?|fxp)$/i.test(scheme) ? m : `${scheme}[:]//`))
    .replace(/@(channel|here|everyone|group)\b/gi, '@\u200b$1');
}

/** Slack's three control characters (api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** For text inside a code span or block: no backtick can close it. */
const noBackticks = (s: string) => s.replace(/`/g, '\u02cb');

/** A short attacker-controlled string (Host, SNI, user agent...) as an inline code span. */
export function slackInline(s: string, max = MAX_FIELD_CHARS): string {
  const bytes = Buffer.from(s.length > max ? s.slice(0, max) : s, 'utf8');
  const text = escapeBytes(bytes, max * 4).replace(/\n/g, '');
  return '`' + noBackticks(slackEscape(defang(text))) + (s.length > max ? '…' : '') + '`';
}

/** Payload bytes as a code block. */
export function slackBlock(b: Uint8Array, max: number): string {
  const text = escapeBytes(b, max) || ' ';
  return '```\n' + noBackticks(slackEscape(defang(text))) + '\n```';
}

// --- Slack ------------------------------------------------------------------------------------------------------

const SLACK_FLAGS = { unfurl_links: false, unfurl_media: false, link_names: false, mrkdwn: true } as const;

const labelText = (l: RecordLabel) => `*${slackEscape(noBackticks(l.name))}* (${slackEscape(labelKey(l))}, ${slackEscape(noBackticks(isCommunityLabel(l) ? l.category || 'unclassified' : l.category))}/${l.severity})`;

export function slackAlert(a: AlertItem): Record<string, unknown> {
  const r = a.record;
  const why = a.reasons.map((x) => (x.kind === 'new_label' ? `new label ${labelText(x.label)}` : `new payload shape \`${x.shape.hash}\` (${x.shape.kind})`));
  const lines = [
    `:rotating_light: synbait ${slackInline(r.sensor, 64)}: ${why.join('; ')}`,
    `${r.proto.toUpperCase()} ${slackInline(`${r.src_ip}:${r.src_port}`)} → ${slackInline(`${r.dst_ip}:${r.dst_port}`)} · state ${r.state} · ${r.payload_len} bytes · ${r.ts}`,
  ];
  if (r.labels.length > 0) lines.push(`Labels: ${r.labels.map(labelText).join(', ')}`);
  const f = r.facts;
  const facts: string[] = [];
  if (f?.app) facts.push(`app ${slackInline(String(f.app), 32)}`);
  if (f?.http?.method || f?.http?.path) facts.push(`HTTP ${slackInline(`${f.http.method ?? ''} ${f.http.path ?? ''}`.trim())}`);
  if (f?.http?.user_agent) facts.push(`UA ${slackInline(f.http.user_agent)}`);
  if (f?.tls?.sni) facts.push(`SNI ${slackInline(f.tls.sni)}`);
  if (f?.tls?.ja4) facts.push(`JA4 ${slackInline(f.tls.ja4)}`);
  if (f?.ssh?.banner) facts.push(`SSH ${slackInline(f.ssh.banner)}`);
  if (facts.length > 0) lines.push(facts.join(' · '));
  if (a.payload.length > 0) {
    const shown = Math.min(a.payload.length, SLACK_EXCERPT_BYTES);
    lines.push(`Payload (${shown >= r.payload_len ? `${shown} bytes` : `first ${shown} of ${r.payload_len} bytes`}, escaped):`);
    lines.push(slackBlock(a.payload, SLACK_EXCERPT_BYTES));
  }
  lines.push(`flow ${slackInline(r.flow_id, 40)}`);
  return { text: lines.join('\n'), ...SLACK_FLAGS };
}

export function slackDigest(d: DigestSnapshot, sensor: string): Record<string, unknown> {
  const minutes = Math.max(1, Math.round((d.toMs - d.fromMs) / 60_000));
  const lines = [
    `:bar_chart: synbait ${slackInline(sensor, 64)} digest, last ${minutes} min (${new Date(d.fromMs).toISOString()} – ${new Date(d.toMs).toISOString()})`,
    `${d.records} records did not alert: ${d.notAlerted.seen_before} already seen, ${d.notAlerted.rate_limited} new but over the rate limit; ${d.empty} without payload.`,
  ];
  if (d.dropped > 0) lines.push(`:warning: ${d.dropped} messages could not be delivered since the last digest.`);
  if (d.labels.length > 0) {
    lines.push('*Labels*');
    for (const l of d.labels) lines.push(`• ${l.count} × *${slackEscape(noBackticks(l.name))}* (${slackEscape(l.id)})`);
    if (d.other.labels > 0) lines.push(`• ${d.other.labels} × other labels`);
  }
  if (d.shapes.length > 0) {
    lines.push('*Payload shapes*');
    for (const s of d.shapes) {
      lines.push(`• ${s.count} × \`${s.shape}\` (${s.kind}, e.g. ${s.sampleOf} bytes): ${slackInline(escapeBytes(s.sample, 64).replace(/\n/g, ''), 120)}`);
    }
    if (d.other.shapes > 0) lines.push(`• ${d.other.shapes} × other shapes`);
  }
  if (d.ports.length > 0) {
    lines.push(`*Ports* ${d.ports.map((p) => `${p.proto}/${p.port} × ${p.count}`).join(', ')}${d.other.ports > 0 ? `, other × ${d.other.ports}` : ''}`);
  }
  return { text: lines.join('\n'), ...SLACK_FLAGS };
}

// --- generic webhook ----------------------------------------------------------------------------------------------

export function webhookAlert(a: AlertItem, sentAtMs: number): Record<string, unknown> {
  const r = a.record;
  const cut = a.payload.length > WEBHOOK_PAYLOAD_BYTES;
  const record = cut ? { ...r, payload: Buffer.from(a.payload.subarray(0, WEBHOOK_PAYLOAD_BYTES)).toString('base64') } : r;
  return {
    version: WEBHOOK_SCHEMA_VERSION,
    type: 'alert',
    sensor: r.sensor,
    sent_at: new Date(sentAtMs).toISOString(),
    reasons: a.reasons.map((x) => (x.kind === 'new_label'
      ? { kind: 'new_label', label: x.label }
      : { kind: 'new_shape', shape: x.shape.hash, shape_kind: x.shape.kind })),
    shape: a.shape?.hash ?? null,
    labels: r.labels,
    record,
    payload_truncated: cut,
  };
}

export function webhookDigest(d: DigestSnapshot, sensor: string, sentAtMs: number): Record<string, unknown> {
  return {
    version: WEBHOOK_SCHEMA_VERSION,
    type: 'digest',
    sensor,
    sent_at: new Date(sentAtMs).toISOString(),
    period: { from: new Date(d.fromMs).toISOString(), to: new Date(d.toMs).toISOString() },
    records: d.records,
    not_alerted: d.notAlerted,
    without_payload: d.empty,
    labels: d.labels,
    shapes: d.shapes.map((s) => ({ shape: s.shape, kind: s.kind, count: s.count, sample: Buffer.from(s.sample).toString('base64'), sample_of: s.sampleOf })),
    ports: d.ports,
    other: d.other,
    dropped_messages: d.dropped,
  };
}
