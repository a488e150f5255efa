// compose.yaml's environment as Docker Compose renders it (Debian's docker-compose, v1; no daemon needed): with
// nothing set, the variables the image defaults (Dockerfile ENV) keep the image's values, and every other SYNBAIT_*
// variable is left out of the container (null: "unset", which is harmless for a variable with no image default);
// .env and the shell still set anything, the shell winning, and an empty value falls back to the image default.
// With a bare `- SYNBAIT_FORMAT` (the old file) the same render yields null, which Compose v1 and v2 < 2.24.7 send
// as "unset it in the container": test/image/compose.test.ts shows that on a real daemon.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTIONS } from '../../../src/config/options.ts';
import { imageDefaults } from '../../helpers/image.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSE = '/usr/bin/docker-compose';
const skip = existsSync(COMPOSE) ? false : 'docker-compose is not installed (apt-get install docker-compose)';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'synbait-compose-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** `docker-compose config` in a project holding compose.yaml (and .env if given): the service's environment. */
function rendered(opts: { dotenv?: string; env?: Record<string, string>; file?: string } = {}): Record<string, string | null> {
  rmSync(join(dir, '.env'), { force: true });
  if (opts.file !== undefined) writeFileSync(join(dir, 'compose.yaml'), opts.file);
  else copyFileSync(join(REPO, 'compose.yaml'), join(dir, 'compose.yaml'));
  if (opts.dotenv !== undefined) writeFileSync(join(dir, '.env'), opts.dotenv);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SYNBAIT_')) env[k] = v;
  const r = spawnSync(COMPOSE, ['-f', 'compose.yaml', 'config'], { cwd: dir, env: { ...env, ...opts.env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const block = /^ {4}environment:\n((?: {6}.*\n)+)/m.exec(r.stdout);
  assert.ok(block, r.stdout);
  return Object.fromEntries(block[1]!.trimEnd().split('\n').map((l) => {
    const m = /^ {6}(\S+): ?(.*)$/.exec(l)!;
    return [m[1]!, m[2] === 'null' ? null : m[2]!.replace(/^'(.*)'$/, '$1')];
  }));
}

test('nothing set: the image defaults hold, nothing else reaches the container', { skip }, () => {
  const defaults = imageDefaults();
  assert.deepEqual(Object.keys(defaults).sort(), ['SYNBAIT_FORMAT', 'SYNBAIT_HEALTH_FILE']);
  const env = rendered();
  for (const [name, value] of Object.entries(defaults)) assert.equal(env[name], value, name);
  assert.equal(env.SYNBAIT_ARCHIVE_DIR, '/var/lib/synbait/spool');
  for (const o of OPTIONS) {
    assert.ok(o.env in env, `${o.env} is configurable through compose`);
    if (!(o.env in defaults) && o.env !== 'SYNBAIT_ARCHIVE_DIR') assert.equal(env[o.env], null, `${o.env} is left unset`);
  }
});

test('.env and the shell configure; the shell wins; an empty value is the image default', { skip }, () => {
  const dotenv = 'SYNBAIT_FORMAT=console\nSYNBAIT_DEVICE=eth1\nSYNBAIT_HEALTH_FILE=\nSYNBAIT_S3_BUCKET=my-bucket\n';
  const a = rendered({ dotenv });
  assert.equal(a.SYNBAIT_FORMAT, 'console');
  assert.equal(a.SYNBAIT_DEVICE, 'eth1');
  assert.equal(a.SYNBAIT_HEALTH_FILE, '/run/synbait/heartbeat');
  assert.equal(a.SYNBAIT_S3_BUCKET, 'my-bucket');
  const b = rendered({ dotenv, env: { SYNBAIT_DEVICE: 'eth2', SYNBAIT_HEALTH_FILE: '/run/synbait/hb' } });
  assert.equal(b.SYNBAIT_DEVICE, 'eth2');
  assert.equal(b.SYNBAIT_HEALTH_FILE, '/run/synbait/hb');
});

test('the failure this guards against: a bare `- SYNBAIT_FORMAT` renders as null when unset', { skip }, () => {
  const old = readFileSync(join(REPO, 'compose.yaml'), 'utf8')
    .replace(/- SYNBAIT_FORMAT=\$\{SYNBAIT_FORMAT:-json\}/, '- SYNBAIT_FORMAT')
    .replace(/- SYNBAIT_HEALTH_FILE=\$\{SYNBAIT_HEALTH_FILE:-[^}]*\}/, '- SYNBAIT_HEALTH_FILE');
  const env = rendered({ file: old });
  assert.equal(env.SYNBAIT_FORMAT, null);
  assert.equal(env.SYNBAIT_HEALTH_FILE, null);
});

test('Compose v1 accepts the file (no top-level name:)', { skip }, () => {
  const text = readFileSync(join(REPO, 'compose.yaml'), 'utf8');
  assert.doesNotMatch(text, /^name:/m);
  const r = spawnSync(COMPOSE, ['-f', join(REPO, 'compose.yaml'), 'config', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(join(dir, 'named.yaml'), `name: synbait\n${text}`);
  const named = spawnSync(COMPOSE, ['-f', 'named.yaml', 'config', '--quiet'], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(named.status, 0, 'v1 rejects name: (so the file must not have it)');
  assert.match(named.stderr, /name/);
});
