// The alert sink against real HTTP servers on loopback (node:http, port 0): what arrives, novelty gating and the
// digest, the per-minute limit, retries with backoff and Retry-After, give-up, a hanging endpoint that must not
// slow write(), a bounded close(), and the webhook URL never logged.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Label } from '../../../../src/record/flow-record.ts';
import { AlertSink, type AlertSinkOptions } from '../../../../src/sinks/alerts/alert-sink.ts';
import { startWebhookRecorder, type WebhookRecorder } from '../../../helpers/webhook-recorder.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { LABEL, makeRecord } from '../../../helpers/records.ts';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

function logger() {
  const lines: Record<string, unknown>[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => { lines.push({ level, ...obj, msg }); };
  return { lines, log: { info: at('info'), warn: at('warn'), debug: at('debug'), error: at('error') } };
}

async function recorder(respond?: Parameters<typeof startWebhookRecorder>[0]): Promise<WebhookRecorder> {
  const r = await startWebhookRecorder(respond);
  open.push(r);
  return r;
}

function sink(o: Partial<AlertSinkOptions>, lg = logger()) {
  const s = new AlertSink({
    sensor: 'unit', windowMs: 3_600_000, digestIntervalMs: 3_600_000, maxPerMinute: 6, log: lg.log,
    timeoutMs: 1000, backoffBaseMs: 50, backoffMaxMs: 400, ...o,
  });
  open.push({ close: () => s.close() });
  return s;
}

const ZMEU = (host: string) => `GET /w00tw00t.at.blackhats.romanian.anti-sec:) HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ZmEu\r\n\r\n`;
const write = (s: AlertSink, o: Parameters<typeof makeRecord>[0]) => {
  const { record, payload } = makeRecord(o);
  s.write(record, { payload });
};

test('a new label arrives on Slack and on the generic webhook, with the right content', async () => {
  const slack = await recorder();
  const hook = await recorder();
  const lg = logger();
  const s = sink({ slackWebhookUrl: slack.url, webhookUrl: hook.url }, lg);
  write(s, { payload: `${ZMEU('<!channel>')}` + '\x00\x1b[2J @here <http://evil.example|x>', labels: [LABEL] });
  const [sm] = await slack.waitFor(1);
  const [hm] = await hook.waitFor(1);
  assert.equal(sm!.method, 'POST');
  assert.equal(sm!.headers['content-type'], 'application/json');
  const sj = sm!.json<{ text: string; unfurl_links: boolean; unfurl_media: boolean }>();
  assert.equal(sj.unfurl_links, false);
  assert.equal(sj.unfurl_media, false);
  assert.match(sj.text, /new label \*ZmEu Scanner Detection\* \(sb-1003, scanner\/medium\)/);
  assert.match(sj.text, /new payload shape `[0-9a-f]{16}`/);
  assert.ok(!/[<>]/.test(sj.text), 'no unescaped < >');
  assert.ok(!/@here|@channel/.test(sj.text));
  assert.ok(!/http:\/\//.test(sj.text));
  assert.ok(![...sj.text].some((c) => c.charCodeAt(0) < 0x20 && c !== '\n'), 'no raw control bytes');
  assert.match(sj.text, /\\x00\\x1b\[2J/);
  const hj = hm!.json<Record<string, any>>();
  assert.equal(hj.version, 1);
  assert.equal(hj.type, 'alert');
  assert.equal(hj.sensor, 'unit');
  assert.deepEqual(hj.labels, [LABEL]);
  assert.deepEqual(hj.reasons.map((r: { kind: string }) => r.kind), ['new_label', 'new_shape']);
  assert.equal(Buffer.from(hj.record.payload, 'base64').toString('latin1').slice(0, 14), 'GET /w00tw00t.');
  assert.equal(hj.record.dst_ip, '192.0.2.50');
  // the URLs (secrets) appear in no log line
  for (const u of [slack.url, hook.url]) assert.ok(!JSON.stringify(lg.lines).includes(new URL(u).pathname));
});

test('a flood of one payload from 500 sources: ONE alert, the other 499 counted in the digest', async () => {
  const hook = await recorder();
  const s = sink({ webhookUrl: hook.url, digestIntervalMs: 400 });
  for (let i = 0; i < 500; i++) {
    write(s, { src: `198.51.${i >> 8}.${i & 255}`, payload: ZMEU(`192.0.2.${i % 250}`), labels: [LABEL], port: i % 2 ? 80 : 8080 });
  }
  const reqs = await hook.waitFor(2, 3000);
  await new Promise((r) => setTimeout(r, 600));
  const bodies = hook.requests.map((r) => r.json<Record<string, any>>());
  const alerts = bodies.filter((b) => b.type === 'alert');
  const digests = bodies.filter((b) => b.type === 'digest');
  assert.equal(alerts.length, 1, `one alert (got ${reqs.length} messages)`);
  assert.equal(digests.length, 1, 'one digest (the next period had nothing to say)');
  const d = digests[0]!;
  assert.equal(d.records, 499);
  assert.deepEqual(d.not_alerted, { seen_before: 499, rate_limited: 0 });
  assert.deepEqual(d.labels, [{ id: 'sb-1003', name: 'ZmEu Scanner Detection', count: 499 }]);
  assert.equal(d.shapes.length, 1);
  assert.equal(d.shapes[0].count, 499);
  assert.equal(d.shapes[0].shape, alerts[0]!.shape);
  assert.deepEqual(d.ports.map((p: { port: number; count: number }) => [p.port, p.count]).sort(), [[80, 250], [8080, 249]]);
});

test('the per-minute limit holds: 20 new threats at max 4/minute give 4 messages; the rest is folded, not lost', async () => {
  const hook = await recorder();
  const s = sink({ webhookUrl: hook.url, maxPerMinute: 4 });
  const labels: Label[] = Array.from({ length: 20 }, (_, i) => ({ ...LABEL, id: `sb-9${i}`, name: `Threat ${i}` }));
  for (const l of labels) write(s, { payload: `HELLO ${l.name} ${'x'.repeat(Number(l.id.slice(4)))}`, labels: [l] });
  await hook.waitFor(4);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(hook.requests.length, 4);
  const m = s.samples();
  const v = (name: string, labels: Record<string, string>) => m.find((x) => x.name === name && Object.entries(labels).every(([k, val]) => x.labels?.[k] === val))?.value;
  assert.equal(v('synbait_alerts_sent_total', { destination: 'webhook' }), 4);
  assert.equal(v('synbait_alerts_dropped_total', { destination: 'webhook', reason: 'rate_limited' }), 16);
  // the digest cannot go either within this minute: close() gives up at its deadline and says so
  s.closeBy(Date.now() + 300);
  await s.close();
  assert.equal(hook.requests.length, 4, 'never more than 4 in the minute, digest included');
  assert.equal(s.samples().find((x) => x.name === 'synbait_alert_digests_dropped_total' && x.labels?.reason === 'shutdown')?.value, 1);
});

test('5xx and network errors are retried with exponential backoff; 429 waits for Retry-After', async () => {
  const hook = await recorder((n) => (n < 2 ? { status: 503 } : n === 2 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
  const lg = logger();
  const clock = new FakeClock();
  const s = sink({ webhookUrl: hook.url, backoffBaseMs: 100, maxAttempts: 5, clock }, lg);
  write(s, { payload: 'first', labels: [LABEL] });
  await hook.waitFor(4, 5000);
  while (s.samples().find((x) => x.name === 'synbait_alerts_sent_total')?.value !== 1) await new Promise((res) => setTimeout(res, 10));
  // the delays the sender chose (the fake clock records them): jittered 50-100 ms, 100-200 ms, then Retry-After
  const [first, second, third] = clock.sleeps;
  assert.ok(first! >= 50 && first! <= 100, `first retry after 50-100 ms (jittered base): ${first}`);
  assert.ok(second! >= 100 && second! <= 200, `second after 100-200 ms: ${second}`);
  assert.equal(third, 1000, 'after a 429 with Retry-After: 1, a second');
  const failed = lg.lines.filter((l) => l.event === 'AlertSendFailed');
  assert.deepEqual(failed.map((l) => l.status), [503, 503, 429]);
  assert.equal(s.samples().find((x) => x.name === 'synbait_alerts_sent_total')?.value, 1);
  assert.equal(s.samples().find((x) => x.name === 'synbait_alert_send_failures_total')?.value, 3);
  // a refused connection (nothing listens) is retried too, then given up: a logged, counted drop
  const dead = await recorder();
  const url = dead.url;
  await dead.close();
  const lg2 = logger();
  const s2 = sink({ webhookUrl: url, backoffBaseMs: 20, maxAttempts: 3, clock: new FakeClock() }, lg2);
  write(s2, { payload: 'second', labels: [LABEL] });
  while (!lg2.lines.some((l) => l.event === 'AlertDropped')) await new Promise((res) => setTimeout(res, 20));
  const drop = lg2.lines.find((l) => l.event === 'AlertDropped')!;
  assert.equal(drop.reason, 'retries_exhausted');
  assert.equal(drop.error, 'ECONNREFUSED');
  assert.equal(drop.attempts, 3);
  assert.equal(lg2.lines.filter((l) => l.event === 'AlertSendFailed').length, 2);
  assert.ok(!JSON.stringify(lg2.lines).includes('s3cr3t-token'), 'the URL is never logged');
});

test('a 4xx other than 408/429 is not retried (dropped as rejected) and the next digest says so', async () => {
  const hook = await recorder((n) => (n === 0 ? { status: 404 } : { status: 200 }));
  const s = sink({ webhookUrl: hook.url, digestIntervalMs: 300 });
  write(s, { payload: 'gone', labels: [LABEL] });
  write(s, { payload: 'gone', labels: [LABEL] }); // seen: into the digest
  const r = await hook.waitFor(2, 3000);
  assert.equal(r[0]!.json<{ type: string }>().type, 'alert');
  const d = r[1]!.json<{ type: string; dropped_messages: number; records: number }>();
  assert.equal(d.type, 'digest');
  assert.equal(d.dropped_messages, 1);
  assert.equal(d.records, 1);
  assert.equal(s.samples().find((x) => x.name === 'synbait_alerts_dropped_total' && x.labels?.reason === 'rejected')?.value, 1);
});

test('a hanging endpoint never blocks write(): queues stay bounded, attempts time out, close() drops what is left', async () => {
  const hook = await recorder(() => 'hang');
  const lg = logger();
  const s = sink({ webhookUrl: hook.url, slackWebhookUrl: hook.url, timeoutMs: 200, maxAttempts: 10 }, lg);
  write(s, { payload: 'warm-up', labels: [LABEL] });
  await hook.waitFor(2);
  const records = Array.from({ length: 10_000 }, (_, i) => makeRecord({
    src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    // every tenth record is a new threat: a new label and a new shape
    payload: i % 10 === 0 ? `EXPLOIT-${i.toString(36)}-${'#'.repeat(i % 97)}` : ZMEU(`h${i}`),
    labels: i % 10 === 0 ? [{ ...LABEL, id: `sb-x${i}` }] : [LABEL],
  }));
  // write() is synchronous and O(1): nothing here waits for the hanging endpoint
  for (const { record, payload } of records) s.write(record, { payload });
  // while it hangs, the queue stays bounded (per-minute budget), attempts time out and are retried
  await new Promise((r) => setTimeout(r, 700));
  const q = s.samples().filter((x) => x.name === 'synbait_alert_queue');
  assert.ok(q.every((x) => x.value <= 6), `queues bounded: ${q.map((x) => x.value)}`);
  assert.ok(lg.lines.some((l) => l.event === 'AlertSendFailed' && l.error === 'timeout'));
  const folded = s.samples().filter((x) => x.name === 'synbait_alerts_dropped_total' && x.labels?.reason === 'rate_limited').reduce((a, x) => a + x.value, 0);
  assert.ok(folded >= 2 * 990, `new threats beyond the budget folded into the digest (${folded})`);
  s.closeBy(Date.now() + 400);
  await s.close();
  assert.ok(lg.lines.some((l) => l.event === 'AlertDropped' && l.reason === 'shutdown'));
});

test('a label alerts again after the window of silence; records without payload or label never alert', async () => {
  const hook = await recorder();
  const clock = new FakeClock();
  const s = sink({ webhookUrl: hook.url, windowMs: 10_000, clock });
  write(s, { payload: 'one', labels: [LABEL] });
  clock.advance(5000);
  write(s, { payload: 'one', labels: [LABEL] });
  write(s, {}); // a bare SYN
  write(s, {});
  clock.advance(20_000);
  write(s, { payload: 'one', labels: [LABEL] });
  await hook.waitFor(2);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(hook.requests.length, 2);
  assert.ok(hook.requests.every((r) => r.json<{ type: string }>().type === 'alert'));
  assert.equal(s.samples().find((x) => x.name === 'synbait_alert_records_folded_total' && x.labels?.reason === 'seen_before')?.value, 3);
});

test('close() sends until its deadline, then drops what is left as shutdown (never waits longer)', async () => {
  const hook = await recorder(() => 'hang'); // an endpoint that never answers
  const lg = logger();
  const clock = new FakeClock();
  const s = sink({ webhookUrl: hook.url, timeoutMs: 50, clock }, lg);
  write(s, { payload: 'stuck', labels: [LABEL] });
  s.closeBy(clock.now() + 300);
  await s.close();
  assert.ok(clock.sleeps.includes(300), `close() waited for its deadline: ${clock.sleeps}`);
  assert.ok(lg.lines.some((l) => l.event === 'AlertDropped' && l.reason === 'shutdown'));
});
