// `synbait rules update` end to end against a real HTTP server on 127.0.0.1 serving a tarball built here from
// rules written here: success (then a second update keeps the previous set), bad checksum, truncated download,
// server down, not an archive: the current set stays as it was. And `synbait rules check` on files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { runRules } from '../../../src/ruleset/rules-cli.ts';
import { updateRules } from '../../../src/ruleset/update-rules.ts';
import { readTar, writeTar } from '../../../src/ruleset/tar.ts';

const RULES_V1 = 'alert http any any -> any any (msg:"TEST one"; http.uri; content:"/one"; classtype:web-application-attack; sid:1000001; rev:1;)\n';
const RULES_V2 = RULES_V1 + 'alert http any any -> any any (msg:"TEST two"; http.uri; content:"/two"; classtype:web-application-attack; sid:1000002; rev:1;)\n';
const CLASSES = 'config classification: web-application-attack,Web Application Attack,1\n';

const tarball = (rules: string) => gzipSync(writeTar([
  { path: 'rules/emerging-web_server.rules', data: Buffer.from(rules) },
  { path: 'rules/classification.config', data: Buffer.from(CLASSES) },
  { path: 'rules/notes.txt', data: Buffer.from('ignored') },
]));
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

interface Served { readonly url: string; readonly server: Server; routes: Map<string, (res: import('node:http').ServerResponse) => void> }

async function serve(): Promise<Served> {
  const routes = new Map<string, (res: import('node:http').ServerResponse) => void>();
  const server = createServer((req, res) => {
    const r = routes.get(req.url ?? '');
    if (r) r(res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, server, routes };
}

const close = (s: Served) => new Promise<void>((ok) => {
  s.server.closeAllConnections();
  s.server.close(() => ok());
});
const body = (b: Buffer) => (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-length': b.length }).end(b);

function io(env: NodeJS.ProcessEnv = {}) {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  return { io: { stdout: out, stderr: err, env }, out: () => o, err: () => e };
}

const currentRules = (dir: string) => readFileSync(join(dir, 'current', 'emerging-web_server.rules'), 'utf8');

test('update: success, then a newer set, keeping the previous one; the checksum is verified', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synbait-rules-'));
  const s = await serve();
  t.after(async () => {
    await close(s);
    rmSync(dir, { recursive: true, force: true });
  });
  const v1 = tarball(RULES_V1);
  s.routes.set('/et.tar.gz', body(v1));
  s.routes.set('/et.tar.gz.md5', body(Buffer.from(`${md5(v1)}\n`)));
  const c = io();
  assert.equal(await runRules(['update', '--rules-dir', dir, '--rules-update-url', `${s.url}/et.tar.gz`], c.io), 0, c.err());
  assert.match(c.out(), /checksum verified/);
  assert.equal(currentRules(dir), RULES_V1);
  const first = readlinkSync(join(dir, 'current'));
  assert.deepEqual(readdirSync(join(dir, 'current')).sort(), ['SOURCE', 'classification.config', 'emerging-web_server.rules']);

  const v2 = tarball(RULES_V2);
  s.routes.set('/et.tar.gz', body(v2));
  s.routes.set('/et.tar.gz.md5', body(Buffer.from(md5(v2))));
  const r = await updateRules({ rulesDir: dir, source: `${s.url}/et.tar.gz`, now: () => new Date('2030-01-01T00:00:00Z') });
  assert.equal(r.rules, 2);
  assert.equal(currentRules(dir), RULES_V2);
  assert.notEqual(readlinkSync(join(dir, 'current')), first);
  assert.equal(readdirSync(join(dir, 'sets')).length, 2); // the previous set is kept
  assert.ok(!readdirSync(dir).some((n) => n.startsWith('.staging') || n.startsWith('.current')));

  const chk = io();
  assert.equal(await runRules(['check', '--rules-dir', dir, '--list', 'none'], chk.io), 0);
  assert.match(chk.out(), /loaded 2, skipped 0, errors 0/);
});

test('update failures leave the current set: bad checksum, truncated download, server down, not an archive', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synbait-rules-'));
  const s = await serve();
  t.after(async () => {
    await close(s);
    rmSync(dir, { recursive: true, force: true });
  });
  const good = tarball(RULES_V1);
  writeFileSync(join(dir, 'good.tar.gz'), good);
  await updateRules({ rulesDir: dir, source: join(dir, 'good.tar.gz'), md5: md5(good) });
  const before = readlinkSync(join(dir, 'current'));
  const newer = tarball(RULES_V2);
  const expectFailure = async (reason: string, setup: () => void, source = `${s.url}/et.tar.gz`) => {
    setup();
    const c = io();
    assert.equal(await runRules(['update', '--rules-dir', dir, '--rules-update-url', source], c.io), 1, reason);
    assert.match(c.err(), new RegExp(`update failed \\(${reason}\\), the current set is unchanged`), c.err());
    assert.equal(readlinkSync(join(dir, 'current')), before, reason);
    assert.equal(currentRules(dir), RULES_V1, reason);
    assert.equal(readdirSync(join(dir, 'sets')).length, 1, reason);
    await assert.rejects(updateRules({ rulesDir: dir, source }), (e: unknown) => (e as { code: string; reason: string }).code === 'SYNBAIT_ERR_RULES_UPDATE' && (e as { reason: string }).reason === reason);
  };
  await expectFailure('checksum', () => {
    s.routes.set('/et.tar.gz', body(newer));
    s.routes.set('/et.tar.gz.md5', body(Buffer.from('0123456789abcdef0123456789abcdef\n')));
  });
  await expectFailure('truncated', () => {
    s.routes.set('/et.tar.gz.md5', body(Buffer.from(md5(newer))));
    s.routes.set('/et.tar.gz', (res) => {
      res.writeHead(200, { 'content-length': newer.length });
      res.write(newer.subarray(0, 100));
      setTimeout(() => res.destroy(), 20); // the connection drops mid-transfer
    });
  });
  await expectFailure('truncated', () => {
    const cut = newer.subarray(0, newer.length - 30); // complete HTTP response, incomplete gzip
    s.routes.set('/et.tar.gz.md5', body(Buffer.from(md5(cut))));
    s.routes.set('/et.tar.gz', body(cut));
  });
  await expectFailure('archive', () => {
    const junk = gzipSync(Buffer.from('not a tar archive at all'.repeat(40)));
    s.routes.set('/et.tar.gz.md5', body(Buffer.from(md5(junk))));
    s.routes.set('/et.tar.gz', body(junk));
  });
  await expectFailure('download', () => s.routes.set('/et.tar.gz', (res) => res.writeHead(503).end()));
  const downUrl = s.url;
  await close(s);
  await expectFailure('download', () => {}, `${downUrl}/et.tar.gz`); // nothing listens any more
});

test('tar: round trip, and corrupt or truncated archives are refused', () => {
  const files = [{ path: 'a/b.rules', data: Buffer.from('x'.repeat(700)) }, { path: 'c.txt', data: Buffer.alloc(0) }];
  const t = writeTar(files);
  const r = readTar(t, { maxEntries: 10, maxBytes: 1e6 });
  assert.ok(r.ok);
  assert.deepEqual(r.entries.map((e) => [e.path, e.data.length]), [['a/b.rules', 700], ['c.txt', 0]]);
  assert.equal(readTar(t.subarray(0, 900), { maxEntries: 10, maxBytes: 1e6 }).ok, false);
  const bad = Buffer.from(t);
  bad[10] = 0x41;
  assert.equal(readTar(bad, { maxEntries: 10, maxBytes: 1e6 }).ok, false); // checksum
  assert.equal(readTar(t, { maxEntries: 1, maxBytes: 1e6 }).ok, false);
});

test('check: counts, skipped list and errors with file:line: option; exit status 1 on errors, 2 on bad usage', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'synbait-check-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.rules'), [
    'alert http any any -> any any (msg:"ok"; content:"x"; sid:1;)',
    'alert http any any -> any any (msg:"server"; flow:to_client; content:"x"; sid:2;)',
    'alert http any any -> any any (msg:"bad"; content:"x"; depth:0; sid:3;)',
  ].join('\n'));
  const c = io();
  assert.equal(await runRules(['check', join(dir, 'a.rules')], c.io), 1);
  assert.match(c.out(), /loaded 1, skipped 1, errors 1/);
  assert.match(c.out(), /skipped +1 {2}direction:to_client/);
  assert.match(c.out(), new RegExp(`skipped ${dir}/a.rules:2: sid 2: direction:to_client \\(flow\\): server`));
  assert.match(c.out(), new RegExp(`error ${dir}/a.rules:3: depth: option.modifier: depth 0 is smaller than the content`));
  const u = io();
  assert.equal(await runRules(['check', '--bogus'], u.io), 2);
  assert.equal(await runRules(['update'], u.io), 2); // no --rules-dir
  assert.equal(await runRules(['check', join(dir, 'missing.rules')], u.io), 1);
});
