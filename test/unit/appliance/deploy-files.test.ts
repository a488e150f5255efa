// The deployment files say what the appliance needs, and keep saying it: the ECS task and service definitions, the
// IAM policy, compose.yaml, .env.example and the Dockerfile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPTIONS } from '../../../src/config/options.ts';
import { SHUTDOWN_BUDGET_MS } from '../../../src/sensor/budget.ts';
import { imageDefaults } from '../../helpers/image.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (p: string) => readFileSync(root + p, 'utf8');
const json = (p: string) => JSON.parse(read(p)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('ECS task definition: EC2, host network, NET_RAW + NET_ADMIN only, init, stop timeout, health, awslogs, spool', () => {
  const td = json('docs/ecs/task-definition.json');
  assert.deepEqual(td.requiresCompatibilities, ['EC2']);
  assert.equal(td.networkMode, 'host');
  assert.match(td.taskRoleArn, /^arn:aws:iam::\d{12}:role\//);
  assert.equal(td.containerDefinitions.length, 1);
  const c = td.containerDefinitions[0];
  assert.equal(c.essential, true);
  assert.ok(typeof c.image === 'string' && c.image.length > 0);
  assert.ok(c.memory > 0 || c.memoryReservation > 0);
  assert.deepEqual(c.linuxParameters.capabilities.drop, ['ALL']);
  assert.deepEqual([...c.linuxParameters.capabilities.add].sort(), ['NET_ADMIN', 'NET_RAW']);
  assert.equal(c.linuxParameters.initProcessEnabled, true);
  assert.ok(c.privileged !== true, 'never privileged');
  // the sensor stops within its budget, entrypoint.sh tears down after it: ECS must wait longer (EC2 max 120 s)
  assert.ok(c.stopTimeout * 1000 > SHUTDOWN_BUDGET_MS + 10_000 && c.stopTimeout <= 120, `stopTimeout ${c.stopTimeout}`);
  assert.deepEqual(c.healthCheck.command, ['CMD', '/app/entrypoint.sh', 'healthcheck']);
  assert.ok(c.healthCheck.interval >= 5 && c.healthCheck.timeout >= 2 && c.healthCheck.retries >= 1 && c.healthCheck.startPeriod >= 10);
  assert.equal(c.logConfiguration.logDriver, 'awslogs');
  for (const k of ['awslogs-group', 'awslogs-region', 'awslogs-stream-prefix']) assert.ok(c.logConfiguration.options[k], k);
  // the spool: a host volume mounted where SYNBAIT_ARCHIVE_DIR points
  const vol = td.volumes.find((v: { name: string }) => v.name === 'spool');
  assert.ok(vol?.host?.sourcePath?.startsWith('/'), 'host volume');
  const mount = c.mountPoints.find((m: { sourceVolume: string }) => m.sourceVolume === 'spool');
  assert.ok(mount && mount.readOnly !== true);
  const env = Object.fromEntries(c.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
  assert.ok(String(env.SYNBAIT_ARCHIVE_DIR).startsWith(mount.containerPath + '/'));
  // every variable is one the sensor knows (an unknown SYNBAIT_* variable stops it)
  for (const name of Object.keys(env)) assert.ok(OPTIONS.some((o) => o.env === name), name);
  // a read-only root needs writable /run (heartbeat) and /tmp (tsx cache)
  assert.equal(c.readonlyRootFilesystem, true);
  assert.deepEqual(c.linuxParameters.tmpfs.map((t: { containerPath: string }) => t.containerPath).sort(), ['/run', '/tmp']);
});

test('ECS service: a DAEMON on EC2 that never runs two copies on one host', () => {
  const s = json('docs/ecs/service.json');
  assert.equal(s.schedulingStrategy, 'DAEMON');
  assert.equal(s.launchType, 'EC2');
  assert.equal(s.taskDefinition, json('docs/ecs/task-definition.json').family);
  // two copies would fight over the same iptables chains: the old task stops before the new one starts
  assert.equal(s.deploymentConfiguration.maximumPercent, 100);
  assert.equal(s.deploymentConfiguration.minimumHealthyPercent, 0);
  assert.equal(s.desiredCount, undefined, 'a daemon has no desired count');
});

test('IAM: the task role may write (and verify) archives under the prefix, and nothing else', () => {
  const p = json('docs/ecs/iam-policy.json');
  assert.equal(p.Version, '2012-10-17');
  const actions = p.Statement.flatMap((s: { Action: string | string[] }) => ([] as string[]).concat(s.Action)).sort();
  assert.deepEqual(actions, ['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
  for (const s of p.Statement) {
    assert.equal(s.Effect, 'Allow');
    assert.ok(!String(s.Resource).includes('*') || /^arn:aws:s3:::[a-z0-9.-]+\/[^*]+\/\*$/.test(s.Resource), `scoped: ${s.Resource}`);
  }
  const trust = json('docs/ecs/task-role-trust-policy.json');
  assert.equal(trust.Statement[0].Principal.Service, 'ecs-tasks.amazonaws.com');
});

test('compose.yaml: host network, two capabilities, init, grace period, read-only root, spool volume, log rotation', () => {
  const y = read('compose.yaml');
  assert.match(y, /^\s+network_mode: host$/m);
  assert.match(y, /^\s+cap_drop: \[ALL\]$/m);
  assert.match(y, /^\s+cap_add: \[NET_RAW, NET_ADMIN\]$/m);
  assert.match(y, /^\s+init: true$/m);
  assert.match(y, /^\s+restart: unless-stopped$/m);
  assert.match(y, /^\s+read_only: true$/m);
  assert.match(y, /^\s+- \/run:/m);
  assert.match(y, /^\s+- \/tmp:/m);
  const grace = /^\s+stop_grace_period: (\d+)s$/m.exec(y);
  assert.ok(grace && Number(grace[1]) * 1000 > SHUTDOWN_BUDGET_MS + 10_000, 'longer than the sensor budget plus the entrypoint backstop');
  assert.match(y, /^\s+- spool:\/var\/lib\/synbait$/m);
  assert.match(y, /^\s+- SYNBAIT_ARCHIVE_DIR=\/var\/lib\/synbait\/spool$/m);
  assert.match(y, /^volumes:\n\s+spool:/m);
  assert.match(y, /driver: json-file[\s\S]*max-size: \S+[\s\S]*max-file: "\d+"/);
  assert.doesNotMatch(y, /privileged: true/);
  assert.doesNotMatch(y, /^name:/m, 'Compose v1 rejects a top-level name:');
  // every sensor variable passes through, so .env (or the shell) configures everything; those the image defaults
  // restate the default, because an unset bare `- NAME` removes the image's value on Compose v1 and v2 < 2.24.7
  const defaults = imageDefaults();
  assert.ok(Object.keys(defaults).length >= 2, 'the image defaults SYNBAIT_FORMAT and SYNBAIT_HEALTH_FILE');
  for (const o of OPTIONS) {
    if (o.env === 'SYNBAIT_ARCHIVE_DIR') continue;
    const value = defaults[o.env];
    const line = value === undefined ? `- ${o.env}` : `- ${o.env}=\${${o.env}:-${value}}`;
    assert.ok(y.split('\n').some((l) => l.trim() === line), `compose.yaml lacks: ${line}`);
  }
});

test('.env.example documents every SYNBAIT_* variable with its default', () => {
  const e = read('.env.example');
  for (const o of OPTIONS) {
    const m = new RegExp(`^#${o.env}=(.*)$`, 'm').exec(e);
    assert.ok(m, `${o.env} is missing from .env.example`);
    if (o.default !== undefined && !['SYNBAIT_FORMAT'].includes(o.env)) assert.equal(m[1], o.default, o.env);
  }
  const documented = [...e.matchAll(/^#(SYNBAIT_[A-Z0-9_]+)=/gm)].map((m) => m[1]);
  for (const name of documented) assert.ok(OPTIONS.some((o) => o.env === name), `${name} is not an option`);
});

test('Dockerfile: two stages on the same Node major, production deps, two packages, HEALTHCHECK, entrypoint', () => {
  const d = read('Dockerfile');
  const froms = [...d.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
  assert.equal(froms.length, 2);
  const major = froms.map((f) => /node:(\d+)-bookworm/.exec(f)?.[1]);
  assert.ok(major[0] && major[0] === major[1], `same Node major: ${froms.join(', ')}`);
  assert.match(d, /npm_config_nodedir=\/usr\/local/);
  assert.match(d, /npm ci --omit=dev/);
  const runtime = d.slice(d.lastIndexOf('\nFROM '));
  assert.match(runtime, /apt-get install -y --no-install-recommends libpcap0\.8 iptables \\/);
  assert.match(runtime, /rm -rf \/var\/lib\/apt\/lists\/\*/);
  assert.doesNotMatch(runtime, /g\+\+|python3|libpcap-dev|make /, 'no build tools at run time');
  assert.match(runtime, /^HEALTHCHECK .*CMD \["\/app\/entrypoint\.sh", "healthcheck"\]$/m);
  assert.match(runtime, /^ENTRYPOINT \["\/app\/entrypoint\.sh"\]$/m);
  assert.match(runtime, /SYNBAIT_HEALTH_FILE=\/run\/synbait\/heartbeat/);
  assert.match(runtime, /ln -s \/app\/src\/bin\.mjs \/usr\/local\/bin\/synbait/, '`synbait` on PATH (docker compose exec synbait synbait report)');
  assert.doesNotMatch(d, /^# syntax=/m, 'no BuildKit frontend image to fetch');
  const ignore = read('.dockerignore');
  assert.match(ignore, /^\*$/m);
  for (const p of ['!src/', '!iptables/', '!entrypoint.sh', '!package-lock.json', '!patches/']) assert.ok(ignore.includes(p), p);
});

test('the patch to cap is applied and the addon rebuilt at npm ci, in the image too', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
  assert.match(pkg.scripts.postinstall ?? '', /^patch-package && npm rebuild cap$/);
  assert.ok(pkg.dependencies['patch-package'], 'a production dependency: the image runs npm ci --omit=dev');
  assert.match(read('patches/cap+0.2.1.patch'), /^\+\+\+ b\/node_modules\/cap\/src\/binding\.cc$/m);
  const d = read('Dockerfile');
  const copy = d.indexOf('COPY patches ./patches');
  assert.ok(copy > 0 && copy < d.indexOf('npm ci --omit=dev'), 'patches/ is in the build stage before npm ci');
});
