// The `synbait` command as a user runs it: exit codes and messages for bad input, --help, a missing device, and
// capture without privileges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPTIONS } from '../../src/config/options.ts';
import { createTopology, isRoot } from '../helpers/netns.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${REPO}src/bin.mjs`;
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SYNBAIT_'))) as Record<string, string>;
const synbait = (args: string[], env: Record<string, string> = {}, prefix: string[] = []) => {
  const cmd = prefix.length ? prefix[0]! : BIN;
  const r = spawnSync(cmd, [...prefix.slice(1), ...(prefix.length ? [BIN] : []), ...args], { env: { ...cleanEnv(), ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('the synbait command is executable as it is (shebang, no build step)', () => {
  assert.ok(existsSync(BIN), BIN);
  assert.ok((statSync(BIN).mode & 0o111) !== 0, 'src/bin.mjs is executable');
});

test('--help documents every flag and variable, exit 0', () => {
  const r = synbait(['--help']);
  assert.equal(r.code, 0);
  for (const o of OPTIONS) assert.ok(r.out.includes(o.env), o.env);
  assert.match(r.out, /synbait -i DEVICE/);
});

test('bad input: exit status 2 and a message naming the culprit', () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [[], {}, /-i\/--device is required/],
    [['-i', 'lo', '--frobnicate'], {}, /unknown flag --frobnicate/],
    [['-i', 'lo', '-n', '10.0.0.0/40'], {}, /-n\/--network: expected an IPv4 or IPv6 CIDR.*10\.0\.0\.0\/40/],
    [['-i', 'lo', '-e', '22-x'], {}, /-e\/--exclude-ports.*22-x/],
    [['-i', 'lo'], { SYNBAIT_NETWRK: '10.0.0.0/8' }, /unknown environment variable SYNBAIT_NETWRK/],
    [['-i', 'lo'], { SYNBAIT_FLOW_TIMEOUT: 'later' }, /SYNBAIT_FLOW_TIMEOUT/],
    [['-i', 'no-such-dev0'], {}, /network device "no-such-dev0" does not exist/],
  ];
  for (const [args, env, msg] of cases) {
    const r = synbait(args, env);
    assert.equal(r.code, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${r.err}`);
    assert.match(r.err, msg);
  }
});

test('capture without root or CAP_NET_RAW: a clear error saying so', { skip: isRoot() ? false : 'needs root to drop privileges' }, () => {
  const topo = createTopology();
  try {
    // as nobody, with no capabilities, on a real Ethernet device in a namespace of its own
    const r = spawnSync('ip', ['netns', 'exec', topo.sensorNs, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, BIN, '-i', topo.sensorIf, '--format', 'json'], { env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stderr + r.stdout, /permission denied\. Run as root or give the process CAP_NET_RAW/);
  } finally {
    topo.cleanup();
  }
});

test('a device that is not Ethernet (loopback) is refused with a clear error', () => {
  const r = synbait(['-i', 'lo', '--format', 'json']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /device lo has no Ethernet MAC address/);
});
