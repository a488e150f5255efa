// The README's Quick start on a real Docker daemon, opt-in with the image tests (SYNBAIT_TEST_IMAGE=1): Debian's
// dockerd in a network namespace standing in for a host (a veth with addresses and a default route, host rules of
// its own), Debian's docker-compose (v1) on compose.yaml with nothing configured: the container's real environment
// keeps the image defaults, the HEALTHCHECK turns healthy, a payload is recorded, `docker compose exec synbait
// synbait report /var/lib/synbait/spool` (the README's report command) counts it, `down` removes every rule, and
// `docker compose run --rm synbait report ...` still reads the spool volume afterwards. The old compose file (bare
// `- SYNBAIT_FORMAT`) is shown to lose the image defaults on the same daemon.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPOSE, type DockerDaemon, dockerMissing, loadFromPodman, startDockerd } from '../helpers/docker-daemon.ts';
import { ruleset } from '../helpers/entrypoint.ts';
import { buildImage, IMAGE, imageDefaults, REPO } from '../helpers/image.ts';
import { createTopology, isRoot, nsExec, type Topology } from '../helpers/netns.ts';

const skip = process.env.SYNBAIT_TEST_IMAGE !== '1'
  ? 'set SYNBAIT_TEST_IMAGE=1 to build and test the container image (minutes)'
  : !isRoot() ? 'needs root (dockerd, network namespaces)' : dockerMissing();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('docker compose (v1) with the README steps', { skip, timeout: 30 * 60_000 }, () => {
  let topo: Topology;
  let daemon: DockerDaemon | undefined;
  let project: string;
  let baseline: string;

  const compose = (args: readonly string[], timeoutMs = 180_000) => {
    const r = spawnSync(COMPOSE, args, { cwd: project, env: daemon!.env, encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const containerId = () => compose(['ps', '-q', 'synbait']).stdout.trim();
  const inspect = (id: string, format: string) => daemon!.docker(['inspect', '-f', format, id]).trim();

  before(async () => {
    buildImage();
    topo = createTopology();
    // a host: a default route (the device the container picks) and firewall rules of its own (nft)
    nsExec(topo.sensorNs, 'ip', ['route', 'add', 'default', 'via', topo.clientIp4]);
    nsExec(topo.sensorNs, 'iptables-nft', ['-A', 'INPUT', '-p', 'tcp', '--dport', '12345', '-j', 'ACCEPT']);
    nsExec(topo.sensorNs, 'ip6tables-nft', ['-A', 'INPUT', '-p', 'tcp', '--dport', '12345', '-j', 'ACCEPT']);
    baseline = ruleset(topo.sensorNs, 'nft');
    daemon = await startDockerd(topo.sensorNs);
    loadFromPodman(daemon, IMAGE, 'synbait:latest');
    // a clone named synbait: the project (and so the volume synbait_spool) is named after its directory
    project = join(mkdtempSync('/var/tmp/synbait-compose-'), 'synbait');
    mkdirSync(project);
    copyFileSync(join(REPO, 'compose.yaml'), join(project, 'compose.yaml'));
  });

  after(async () => {
    if (daemon) {
      compose(['down', '-v', '-t', '20']);
      await daemon.stop();
    }
    topo?.cleanup();
    if (project) rmSync(join(project, '..'), { recursive: true, force: true });
  });

  test('the old file (bare `- SYNBAIT_FORMAT`) loses the image defaults on Compose v1', () => {
    const old = readFileSync(join(project, 'compose.yaml'), 'utf8')
      .replace(/- SYNBAIT_FORMAT=\$\{SYNBAIT_FORMAT:-json\}/, '- SYNBAIT_FORMAT')
      .replace(/- SYNBAIT_HEALTH_FILE=\$\{SYNBAIT_HEALTH_FILE:-[^}]*\}/, '- SYNBAIT_HEALTH_FILE');
    writeFileSync(join(project, 'old.yaml'), old);
    const created = compose(['-f', 'old.yaml', '-p', 'synbaitold', 'create', '--no-build']);
    assert.equal(created.status, 0, created.stderr);
    const id = compose(['-f', 'old.yaml', '-p', 'synbaitold', 'ps', '-q']).stdout.trim();
    const env = JSON.parse(inspect(id, '{{json .Config.Env}}')) as string[];
    assert.ok(!env.some((e) => e.startsWith('SYNBAIT_FORMAT=')), env.join(' '));
    assert.ok(!env.some((e) => e.startsWith('SYNBAIT_HEALTH_FILE=')));
    assert.equal(compose(['-f', 'old.yaml', '-p', 'synbaitold', 'down', '-v']).status, 0);
  });

  test('up -d: the real environment keeps the image defaults, the HEALTHCHECK turns healthy, a payload is recorded', { timeout: 240_000 }, async () => {
    const up = compose(['up', '-d', '--no-build']);
    assert.equal(up.status, 0, up.stderr);
    const id = containerId();
    const env = JSON.parse(inspect(id, '{{json .Config.Env}}')) as string[];
    for (const [name, value] of Object.entries(imageDefaults())) assert.ok(env.includes(`${name}=${value}`), `${name}=${value} in ${env.join(' ')}`);
    assert.ok(env.includes('SYNBAIT_ARCHIVE_DIR=/var/lib/synbait/spool'));
    assert.ok(!env.some((e) => e.startsWith('SYNBAIT_DEVICE=')), 'no device configured');
    let health = '';
    for (let i = 0; i < 120 && health !== 'healthy'; i++) {
      health = inspect(id, '{{.State.Health.Status}}');
      if (inspect(id, '{{.State.Status}}') !== 'running') break;
      await sleep(1000);
    }
    const logs = () => daemon!.docker(['logs', id], { allowFail: true });
    assert.equal(health, 'healthy', `health ${health}\n${logs().slice(-3000)}`);
    assert.match(logs(), new RegExp(`"event":"DeviceChosen","device":"${topo.sensorIf}"`));
    assert.match(ruleset(topo.sensorNs, 'nft'), /-A INPUT -j SYNBAIT-INPUT/);

    nsExec(topo.clientNs, 'sh', ['-c', `printf 'GET /compose-test HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc -q 2 ${topo.sensorIp4} 8080`], { allowFail: true });
    let record: Record<string, unknown> | undefined;
    for (let i = 0; i < 40 && !record; i++) {
      record = logs().split('\n').filter((l) => l.startsWith('{"event":"flow"')).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.dst_port === 8080);
      if (!record) await sleep(500);
    }
    assert.ok(record, `a JSON record on the container's output\n${logs().slice(-2000)}`);
    assert.equal(Buffer.from(String(record.payload), 'base64').toString(), 'GET /compose-test HTTP/1.0\r\n\r\n');
  });

  test('the README\'s report command: docker compose exec synbait synbait report /var/lib/synbait/spool', { timeout: 120_000 }, async () => {
    let report: { status: number | null; stdout: string; stderr: string } | undefined;
    // the record reaches the archive within the writer's flush interval (1 s)
    for (let i = 0; i < 10; i++) {
      report = compose(['exec', '-T', 'synbait', 'synbait', 'report', '/var/lib/synbait/spool', '--format', 'json']);
      if (report.status === 0 && /"dst_port":8080|"port":8080/.test(report.stdout)) break;
      await sleep(1000);
    }
    assert.equal(report!.status, 0, report!.stderr);
    const json = JSON.parse(report!.stdout) as Record<string, unknown>;
    assert.ok(JSON.stringify(json).includes('8080'), report!.stdout.slice(0, 2000));
    const text = compose(['exec', '-T', 'synbait', 'synbait', 'report', '/var/lib/synbait/spool']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /8080/);
  });

  test('down: the sensor stops cleanly, every rule is gone; run --rm still reads the spool volume', { timeout: 180_000 }, () => {
    const id = containerId();
    const stop = compose(['stop', '-t', '20']);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(inspect(id, '{{.State.ExitCode}}'), '0');
    const logs = daemon!.docker(['logs', id], { allowFail: true });
    assert.match(logs, /"event":"SensorStopped"/);
    assert.match(logs, /"event":"FirewallRemoved"/);
    const down = compose(['down', '-t', '20']);
    assert.equal(down.status, 0, down.stderr);
    assert.equal(ruleset(topo.sensorNs, 'nft'), baseline, 'the host ruleset is what it was');
    assert.doesNotMatch(ruleset(topo.sensorNs, 'legacy'), /SYNBAIT/);
    assert.equal(daemon!.docker(['inspect', id], { allowFail: true }).includes('No such object'), true, 'the container is removed');
    const later = compose(['run', '--rm', '-T', 'synbait', 'report', '/var/lib/synbait/spool']);
    assert.equal(later.status, 0, later.stderr);
    assert.match(later.stdout, /8080/);
    assert.equal(ruleset(topo.sensorNs, 'nft'), baseline, 'a report run touches no firewall');
  });
});
