// `entrypoint.sh healthcheck` (the image's HEALTHCHECK) with real bash, without root and without Node: PATH holds
// only the shell tools it may use, so a probe that started node would fail here. The heartbeat file first; else
// /healthz over bash's /dev/tcp at SYNBAIT_METRICS_LISTEN (a bare port, host:port, [v6]:port, a wildcard).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTRYPOINT } from '../../helpers/entrypoint.ts';

let dir: string;
let bin: string;
let server: Server;
let port: number;
let status = 200;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'synbait-health-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['bash', 'date', 'stat', 'timeout', 'head', 'dirname', 'readlink']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? status : 404).end(status === 200 ? 'ok\n' : 'unhealthy: device_missing\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '::', resolve)); // dual stack: 127.0.0.1 and ::1
  port = (server.address() as { port: number }).port;
});
after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function healthcheck(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn('/usr/bin/bash', [ENTRYPOINT, 'healthcheck'], { env: { PATH: bin, ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

test('the heartbeat file: fresh is healthy, stale or missing is not', async () => {
  const hb = join(dir, 'heartbeat');
  writeFileSync(hb, '');
  const fresh = await healthcheck({ SYNBAIT_HEALTH_FILE: hb });
  assert.equal(fresh.code, 0);
  assert.match(fresh.out, /^healthy: heartbeat \d+s old\n$/);
  const old = Date.now() / 1000 - 30;
  utimesSync(hb, old, old);
  const stale = await healthcheck({ SYNBAIT_HEALTH_FILE: hb });
  assert.equal(stale.code, 1);
  assert.match(stale.out, /^unhealthy: heartbeat .* is 3\ds old/);
  const missing = await healthcheck({ SYNBAIT_HEALTH_FILE: join(dir, 'none'), SYNBAIT_METRICS_LISTEN: String(port) });
  assert.equal(missing.code, 1, 'the heartbeat file wins when set');
  assert.match(missing.out, /^unhealthy: no heartbeat file/);
});

test('/healthz over /dev/tcp for every form of SYNBAIT_METRICS_LISTEN; 503 and no listener are unhealthy', async () => {
  status = 200;
  for (const listen of [String(port), `127.0.0.1:${port}`, `0.0.0.0:${port}`, `[::1]:${port}`, `[::]:${port}`, `localhost:${port}`]) {
    const r = await healthcheck({ SYNBAIT_METRICS_LISTEN: listen });
    assert.equal(r.code, 0, `${listen}: ${r.out}`);
    assert.match(r.out, /^healthy: /);
  }
  status = 503;
  const sick = await healthcheck({ SYNBAIT_METRICS_LISTEN: `127.0.0.1:${port}` });
  assert.equal(sick.code, 1);
  assert.match(sick.out, /^unhealthy: .*503/);
  status = 200;
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const none = await healthcheck({ SYNBAIT_METRICS_LISTEN: `127.0.0.1:${closed}` });
  assert.equal(none.code, 1);
  assert.match(none.out, /^unhealthy: no answer/);
  const neither = await healthcheck({});
  assert.equal(neither.code, 1);
  assert.match(neither.out, /neither SYNBAIT_HEALTH_FILE nor SYNBAIT_METRICS_LISTEN/);
});
