// /metrics and /healthz: the Prometheus text format, the registry other components add to, the liveness rule
// (capture open AND loop beating), the real HTTP server on loopback, and the heartbeat file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponderCounters, type MetricSample } from '../../../src/flow/counters.ts';
import { HeartbeatFile } from '../../../src/metrics/heartbeat-file.ts';
import { startMetricsServer } from '../../../src/metrics/http-server.ts';
import { Liveness } from '../../../src/metrics/liveness.ts';
import { MetricRegistry } from '../../../src/metrics/metric-source.ts';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../../src/metrics/prometheus-text.ts';
import { sensorMetrics } from '../../../src/metrics/sensor-metrics.ts';

test('renderPrometheus groups a name under one HELP/TYPE, escapes, and formats special values', () => {
  const text = renderPrometheus([
    { name: 'synbait_records_dropped_total', help: 'Dropped', type: 'counter', value: 3, labels: { reason: 'pending_syn_table_full' } },
    { name: 'synbait_open_flows', help: 'Open\nflows \\ now', type: 'gauge', value: 7 },
    { name: 'synbait_records_dropped_total', help: 'Dropped (other source)', type: 'counter', value: 4, labels: { reason: 'a"b\\c\nd' } },
    { name: 'synbait_x', help: 'x', type: 'gauge', value: NaN },
    { name: 'synbait_y', help: 'y', type: 'gauge', value: Infinity },
  ]);
  assert.equal(text, [
    '# HELP synbait_records_dropped_total Dropped',
    '# TYPE synbait_records_dropped_total counter',
    'synbait_records_dropped_total{reason="pending_syn_table_full"} 3',
    'synbait_records_dropped_total{reason="a\\"b\\\\c\\nd"} 4',
    '# HELP synbait_open_flows Open\\nflows \\\\ now',
    '# TYPE synbait_open_flows gauge',
    'synbait_open_flows 7',
    '# HELP synbait_x x',
    '# TYPE synbait_x gauge',
    'synbait_x NaN',
    '# HELP synbait_y y',
    '# TYPE synbait_y gauge',
    'synbait_y +Inf',
    '',
  ].join('\n'));
  assert.throws(() => renderPrometheus([{ name: 'bad-name', help: '', type: 'gauge', value: 1 }]), RangeError);
  assert.throws(() => renderPrometheus([
    { name: 'm', help: '', type: 'gauge', value: 1 }, { name: 'm', help: '', type: 'counter', value: 1 },
  ]), RangeError);
});

test('every responder counter renders as valid exposition text', () => {
  const c = new ResponderCounters();
  c.synAcksSent = 12;
  const text = renderPrometheus(c.samples({ pendingSyns: 1, openFlows: 2, bufferedBytes: 3 }));
  assert.match(text, /^synbait_syn_acks_sent_total 12$/m);
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? -?[0-9.e+]+$/, line);
  }
});

test('MetricRegistry collects every source; a throwing source is counted, not fatal', () => {
  const r = new MetricRegistry();
  r.register(() => [{ name: 'synbait_archive_files_total', help: 'a', type: 'counter', value: 2 }]);
  r.register({ samples: () => { throw new Error('broken'); } });
  r.register({ samples: () => [{ name: 'synbait_uploads_total', help: 'u', type: 'counter', value: 5, labels: { result: 'ok' } }] });
  const names = (s: MetricSample[]) => s.map((x) => `${x.name}=${x.value}`);
  assert.deepEqual(names(r.samples()), ['synbait_archive_files_total=2', 'synbait_uploads_total=5', 'synbait_metric_source_errors_total=1']);
  assert.deepEqual(names(r.samples()).at(-1), 'synbait_metric_source_errors_total=2');
});

test('Liveness: healthy only while beating and every check passes', () => {
  let open = true;
  const l = new Liveness({ staleAfterMs: 3000 });
  l.addCheck({ problem: 'capture_closed', ok: () => open });
  assert.deepEqual(l.status(0), { healthy: false, problems: ['loop_not_started'] });
  l.beat(1000);
  assert.deepEqual(l.status(3999), { healthy: true, problems: [] });
  assert.equal(l.status(4001).healthy, false);
  assert.match(l.status(4001).problems[0]!, /^loop_stalled \(3001 ms/);
  l.beat(5000);
  open = false;
  assert.deepEqual(l.status(5001), { healthy: false, problems: ['capture_closed'] });
  l.addCheck({ problem: 'device_missing', ok: () => { throw new Error('x'); } });
  open = true;
  assert.deepEqual(l.status(5001).problems, ['device_missing'], 'a throwing check counts as failed');
});

test('the HTTP endpoint: /metrics in Prometheus text, /healthz 200 or 503, nothing else', async () => {
  let healthy = true;
  const registry = new MetricRegistry();
  const counters = new ResponderCounters();
  counters.framesReceived = 42;
  registry.register(sensorMetrics({
    version: '9.9.9',
    responder: { counters, pendingSyns: 0, openFlows: 1, bufferedBytes: 10 },
    pipeline: { recorded: { syn: 1, acked: 2, udp: 3 }, droppedBacklog: 0, sinkErrors: 0, classifyErrors: 0, backlog: 0 },
    stdoutDropped: () => 4,
    internalErrors: () => 0,
    health: () => ({ healthy, problems: healthy ? [] : ['capture_closed'] }),
  }));
  const server = await startMetricsServer({
    host: '127.0.0.1', port: 0, metrics: registry,
    health: () => ({ healthy, problems: healthy ? [] : ['capture_closed'] }),
  });
  const base = `http://127.0.0.1:${server.address.port}`;
  try {
    const m = await fetch(`${base}/metrics`);
    assert.equal(m.status, 200);
    assert.equal(m.headers.get('content-type'), PROMETHEUS_CONTENT_TYPE);
    const text = await m.text();
    assert.match(text, /^synbait_frames_received_total 42$/m);
    assert.match(text, /^synbait_records_total\{state="udp"\} 3$/m);
    assert.match(text, /^synbait_records_dropped_total\{reason="stdout_blocked"\} 4$/m);
    assert.match(text, /^synbait_healthy 1$/m);
    assert.match(text, /^synbait_build_info\{version="9\.9\.9",node="v\d+/m);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
    assert.equal(text.match(/^# TYPE synbait_records_dropped_total counter$/gm)?.length, 1, 'one family header for two sources');

    let h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(await h.text(), 'ok\n');
    healthy = false;
    h = await fetch(`${base}/healthz?x=1`);
    assert.equal(h.status, 503);
    assert.equal(await h.text(), 'unhealthy: capture_closed\n');
    assert.match(await (await fetch(`${base}/metrics`)).text(), /^synbait_healthy 0$/m);

    assert.equal((await fetch(`${base}/nope`)).status, 404);
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 503);
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(`${base}/healthz`), 'closed');
});

test('the HTTP endpoint refuses to start on a taken port (a startup error, not a silent skip)', async () => {
  const a = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics: new MetricRegistry(), health: () => ({ healthy: true, problems: [] }) });
  try {
    await assert.rejects(
      startMetricsServer({ host: '127.0.0.1', port: a.address.port, metrics: new MetricRegistry(), health: () => ({ healthy: true, problems: [] }) }),
      (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE',
    );
  } finally {
    await a.close();
  }
});

test('HeartbeatFile: written while healthy, removed when not and on close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'synbait-hb-'));
  const path = join(dir, 'run', 'heartbeat');
  let healthy = true;
  const errors: unknown[] = [];
  const hb = new HeartbeatFile(path, () => ({ healthy, problems: [] }), 20, (e) => errors.push(e));
  try {
    assert.ok(existsSync(path), 'written at once (its directory made)');
    assert.ok(!Number.isNaN(Date.parse(readFileSync(path, 'utf8').trim())));
    const first = statSync(path).mtimeMs;
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(statSync(path).mtimeMs > first, 'rewritten every interval');
    healthy = false;
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(!existsSync(path), 'removed once unhealthy');
    healthy = true;
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(existsSync(path), 'back when healthy again');
  } finally {
    hb.close();
  }
  assert.ok(!existsSync(path), 'removed on close');
  assert.deepEqual(errors, []);
  // a directory that cannot be made is a startup error
  writeFileSync(join(dir, 'plain-file'), '');
  assert.throws(() => new HeartbeatFile(join(dir, 'plain-file', 'heartbeat'), () => ({ healthy: true, problems: [] }), 1000), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR' || e.code === 'EEXIST');
  rmSync(dir, { recursive: true, force: true });
});
