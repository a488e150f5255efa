// The real container image, opt-in (SYNBAIT_TEST_IMAGE=1; minutes): build it with podman, check it adds at most
// 60 MB to its base, run it in a network namespace (standing in for network_mode: host) with only NET_RAW and
// NET_ADMIN, a read-only root and tmpfs /run and /tmp as compose.yaml has them, and no device named (the default
// route's), send a payload from the other namespace, find the record on the container's stdout, run its
// HEALTHCHECK, stop it, and check the rules are gone. compose.test.ts runs the same image through Docker Compose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createTopology, isRoot, nsExec, type Topology } from '../helpers/netns.ts';
import { ruleset } from '../helpers/entrypoint.ts';
import { BASE, buildImage, ensurePodman, IMAGE, podman } from '../helpers/image.ts';
import type { FlowRecord } from '../../src/record/flow-record.ts';

const MAX_ADDED_BYTES = 60 * 1000 * 1000;
/** Issue 13: the sensor's resident memory once started and idle, in the Node 24 image. */
const MAX_IDLE_RSS_BYTES = 100 * 1000 * 1000;

const skip = process.env.SYNBAIT_TEST_IMAGE !== '1'
  ? 'set SYNBAIT_TEST_IMAGE=1 to build and test the container image (minutes)'
  : !isRoot() ? 'the image test needs root (podman, network namespaces)' : false;


describe('container image', { skip, timeout: 30 * 60_000 }, () => {
  let topo: Topology;
  let run: ChildProcess | undefined;
  const name = `synbait-image-test-${process.pid}`;
  const records: FlowRecord[] = [];
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let baseline: string;

  before(() => {
    ensurePodman();
    topo = createTopology();
  });

  after(() => {
    spawnSync('podman', ['rm', '-f', '-t', '0', name], { stdio: 'ignore' });
    run?.kill('SIGKILL');
    topo?.cleanup();
  });

  test('builds (multi-stage, Node 24 in both stages)', { timeout: 25 * 60_000 }, () => {
    process.stdout.write(`# image built in ${buildImage()} s\n`);
    assert.match(podman(['run', '--rm', '--entrypoint', 'node', IMAGE, '--version']), /^v24\./);
  });

  test('adds at most 60 MB to its base image', () => {
    const size = (ref: string) => Number(podman(['image', 'inspect', ref, '--format', '{{.Size}}']).trim());
    const added = size(IMAGE) - size(BASE);
    process.stdout.write(`# image ${size(IMAGE)} bytes, base ${size(BASE)} bytes: +${(added / 1e6).toFixed(1)} MB\n`);
    assert.ok(added > 0 && added <= MAX_ADDED_BYTES, `the image adds ${(added / 1e6).toFixed(1)} MB`);
  });

  test('production files only; the trimmed AWS SDK loads; `synbait` is on PATH', () => {
    const ls = podman(['run', '--rm', '--entrypoint', 'sh', IMAGE, '-c',
      'ls /app; ls /app/node_modules | tr "\\n" " "; echo; command -v g++ make python3 || true; ls /var/lib/apt/lists | wc -l']);
    assert.match(ls, /entrypoint\.sh/);
    assert.match(ls, /iptables/);
    assert.doesNotMatch(ls, /\b(typescript|fast-check|s3rver|@duckdb)\b/, 'no devDependencies');
    assert.doesNotMatch(ls, /\/usr\/bin\/(g\+\+|make|python3)/, 'no build tools');
    assert.match(ls.trim().split('\n').at(-1)!, /^0$/, 'no apt lists');
    const sdk = podman(['run', '--rm', '--entrypoint', 'node', IMAGE, '-e',
      "import('@aws-sdk/client-s3').then((m) => { new m.S3Client({ region: 'us-east-1' }); console.log('sdk ok'); })"]);
    assert.match(sdk, /sdk ok/);
    assert.match(podman(['run', '--rm', '--entrypoint', 'synbait', IMAGE, '--version']), /^synbait \d+\.\d+\.\d+/);
  });

  test('runs with only NET_RAW and NET_ADMIN: rules installed, a payload recorded, healthy', { timeout: 120_000 }, async () => {
    // the host has nft rules of its own: the entrypoint must pick nft, and leave them as they are
    nsExec(topo.sensorNs, 'iptables-nft', ['-A', 'INPUT', '-p', 'tcp', '--dport', '12345', '-j', 'ACCEPT']);
    nsExec(topo.sensorNs, 'ip6tables-nft', ['-A', 'INPUT', '-p', 'tcp', '--dport', '12345', '-j', 'ACCEPT']);
    baseline = ruleset(topo.sensorNs, 'nft');
    // as on a host: the device is the default route's, nothing names it (README: nothing needs configuring)
    nsExec(topo.sensorNs, 'ip', ['route', 'add', 'default', 'via', topo.clientIp4]);
    run = spawn('podman', [
      'run', '--rm', '--name', name, '--init',
      '--network', `ns:/run/netns/${topo.sensorNs}`,
      '--cap-drop', 'ALL', '--cap-add', 'NET_RAW', '--cap-add', 'NET_ADMIN',
      '--read-only', '--tmpfs', '/run', '--tmpfs', '/tmp',
      '-e', 'SYNBAIT_FLOW_TIMEOUT=1', '-e', 'SYNBAIT_STATS_INTERVAL=0',
      '-e', 'SYNBAIT_SENSOR_ID=image-test',
      IMAGE,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    run.stdout!.setEncoding('utf8');
    run.stdout!.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          if (o.event === 'flow') records.push(o as unknown as FlowRecord);
          else logs.push(o);
        } catch { /* not JSON */ }
      }
    });
    run.stderr!.setEncoding('utf8');
    run.stderr!.on('data', (c: string) => (stderr += c));
    const waitFor = async <T>(pick: () => T | undefined, what: string, ms = 60_000): Promise<T> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = pick();
        if (v !== undefined) return v;
        if (run!.exitCode !== null || Date.now() > deadline) throw new Error(`no ${what}\nstderr: ${stderr.slice(-4000)}\nlogs: ${JSON.stringify(logs.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitFor(() => logs.find((l) => l.event === 'SensorStarted'), 'SensorStarted');
    assert.match(stderr, /"event":"BackendChosen","backend":"nft"/);
    assert.match(stderr, new RegExp(`"event":"DeviceChosen","device":"${topo.sensorIf}"`));
    const installed = ruleset(topo.sensorNs, 'nft');
    assert.match(installed, /-A INPUT -j SYNBAIT-INPUT/);
    assert.match(installed, /-A INPUT -p tcp -m tcp --dport 12345 -j ACCEPT/);

    // nc's SYN is retransmitted by the kernel if the first one is missed; the payload arrives on the handshake
    nsExec(topo.clientNs, 'sh', ['-c', `printf 'GET /image-test HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc -q 2 ${topo.sensorIp4} 8080`], { allowFail: true });
    const r = await waitFor(() => records.find((x) => x.dst_port === 8080), 'record on the container stdout', 20_000);
    assert.equal(Buffer.from(r.payload, 'base64').toString(), 'GET /image-test HTTP/1.0\r\n\r\n');
    assert.equal(r.sensor, 'image-test');
    assert.equal(r.src_ip, topo.clientIp4);

    // the image's HEALTHCHECK (the heartbeat file on the /run tmpfs)
    let health = spawnSync('podman', ['healthcheck', 'run', name], { encoding: 'utf8' });
    for (let i = 0; i < 10 && health.status !== 0; i++) {
      await new Promise((res) => setTimeout(res, 1000));
      health = spawnSync('podman', ['healthcheck', 'run', name], { encoding: 'utf8' });
    }
    assert.equal(health.status, 0, `healthcheck: ${health.stdout}${health.stderr}`);
  });

  test('idle RSS of the sensor ≤ 100 MB', { timeout: 60_000 }, async () => {
    assert.ok(run, 'the container runs');
    await new Promise((r) => setTimeout(r, 10_000)); // past start-up: the transforms and the first GCs are done
    // host pids of the container's processes: the sensor is the node process running bin.mjs (the entrypoint's child)
    const procs = podman(['top', name, 'hpid,args']).split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f.length > 1);
    const status = (pid: string) => readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    const sensor = procs.find((f) => f.slice(1).some((a) => a.endsWith('/bin.mjs')) && !f.includes('/app/entrypoint.sh'));
    assert.ok(sensor, `the sensor process: ${JSON.stringify(procs)}`);
    const s = status(sensor[0]!);
    const rss = kb(s, 'VmRSS');
    const others = procs.filter((f) => f !== sensor).map((f) => `${f.slice(1).join(' ').slice(0, 40)} ${(kb(status(f[0]!), 'VmRSS') / 1e6).toFixed(1)} MB`);
    process.stdout.write(`# idle RSS of the sensor: ${(rss / 1e6).toFixed(1)} MB (anonymous ${(kb(s, 'RssAnon') / 1e6).toFixed(1)} MB, file and shared ${((kb(s, 'RssFile') + kb(s, 'RssShmem')) / 1e6).toFixed(1)} MB, ${/^Threads:\s+(\d+)/m.exec(s)?.[1]} threads); beside it: ${others.join('; ')}\n`);
    assert.ok(rss <= MAX_IDLE_RSS_BYTES, `idle RSS ${(rss / 1e6).toFixed(1)} MB`);
  });

  test('podman stop: the sensor stops cleanly and every rule is gone', { timeout: 60_000 }, async () => {
    assert.ok(run, 'the container runs');
    const exited = new Promise<number | null>((resolve) => run!.on('exit', (code) => resolve(code)));
    podman(['stop', '-t', '20', name], 60_000);
    assert.equal(await exited, 0, stderr.slice(-3000));
    assert.ok(logs.some((l) => l.event === 'SensorStopped'));
    assert.match(stderr, /"event":"FirewallRemoved"/);
    assert.equal(ruleset(topo.sensorNs, 'nft'), baseline, 'the ruleset is what it was');
    assert.doesNotMatch(ruleset(topo.sensorNs, 'legacy'), /SYNBAIT/);
  });
});
