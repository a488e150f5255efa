// Flags and SYNBAIT_* variables -> Settings: lurker's command line, repeatable lists, env vs flag precedence, and
// clear errors naming the culprit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, renderHelp, renderOptionsTable } from '../../src/cli.ts';
import { OPTIONS } from '../../src/config/options.ts';
import { ConfigError } from '../../src/errors.ts';
import { parseBytes, parsePortList, parseSeconds } from '../../src/config/parse-values.ts';
import { mergePortRanges } from '../../src/wire/port-range.ts';

const host = { hostname: 'test-host' };
const run = (argv: string[], env: Record<string, string> = {}) => {
  const c = parseCommandLine(argv, env, host);
  assert.equal(c.kind, 'run');
  return c.kind === 'run' ? c.settings : (undefined as never);
};
const fails = (argv: string[], env: Record<string, string>, culprit: string | RegExp) => {
  assert.throws(() => parseCommandLine(argv, env, host), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.code, 'SYNBAIT_ERR_CONFIG');
    if (typeof culprit === 'string') assert.equal(e.culprit, culprit);
    else assert.match(e.message, culprit);
    return true;
  });
};

test("lurker's command line works unchanged", () => {
  const s = run(['-i', 'eth0', '-n', '192.0.2.100/24', '-e', '22']);
  assert.equal(s.device, 'eth0');
  assert.deepEqual(s.networks.map((n) => n.text), ['192.0.2.0/24']);
  assert.deepEqual(s.excludePorts, [{ from: 22, to: 22 }]);
  assert.equal(s.format, 'console');
  assert.equal(s.flowTimeoutMs, 5000);
  assert.equal(s.maxPayload, 65536);
  assert.equal(s.sensorId, 'test-host');
  assert.equal(s.logLevel, 'info');
});

test('repeatable flags, comma lists and ranges; long forms and --flag=value', () => {
  const s = run(['--device=eth1', '-n', '10.0.0.0/8', '--network', '2001:db8::/64', '-e', '22', '-e', '80,443', '--exclude-ports', '8000-8100', '-e', '81']);
  assert.deepEqual(s.networks.map((n) => n.text), ['10.0.0.0/8', '2001:db8::/64']);
  assert.deepEqual(s.excludePorts, [{ from: 22, to: 22 }, { from: 80, to: 81 }, { from: 443, to: 443 }, { from: 8000, to: 8100 }]);
});

test('every flag has an environment variable; the flag wins', () => {
  const s = run(['-e', '2222'], { SYNBAIT_DEVICE: 'eth3', SYNBAIT_EXCLUDE_PORTS: '22,2222', SYNBAIT_FORMAT: 'json', SYNBAIT_FLOW_TIMEOUT: '2.5', SYNBAIT_MAX_PAYLOAD: '4KiB', SYNBAIT_SENSOR_ID: 'edge-1' });
  assert.equal(s.device, 'eth3');
  assert.deepEqual(s.excludePorts, [{ from: 2222, to: 2222 }], 'the flag replaces the variable');
  assert.equal(s.format, 'json');
  assert.equal(s.flowTimeoutMs, 2500);
  assert.equal(s.maxPayload, 4096);
  assert.equal(s.sensorId, 'edge-1');
  assert.equal(run(['-i', 'eth0', '--format', 'console'], { SYNBAIT_FORMAT: 'json' }).format, 'console');
  for (const o of OPTIONS) assert.match(o.env, /^SYNBAIT_[A-Z0-9_]+$/, o.flag);
  assert.equal(new Set(OPTIONS.map((o) => o.env)).size, OPTIONS.length, 'variables are unique');
});

test('bad input exits with a message naming the culprit', () => {
  fails([], {}, '--device');
  fails(['-i', 'eth0', '--bogus'], {}, '--bogus');
  fails(['-i', 'eth0', '-x'], {}, '-x');
  fails(['-i', 'eth0', '-n', '192.0.2.0/33'], {}, '-n/--network');
  fails(['-i', 'eth0', '-n', 'example.com'], {}, '-n/--network');
  fails(['-i', 'eth0'], { SYNBAIT_NETWORK: '10.0.0.0/8,300.1.1.1' }, 'SYNBAIT_NETWORK');
  fails(['-i', 'eth0', '-e', '0'], {}, '-e/--exclude-ports');
  fails(['-i', 'eth0', '-e', '70000'], {}, '-e/--exclude-ports');
  fails(['-i', 'eth0', '-e', '100-50'], {}, '-e/--exclude-ports');
  fails(['-i', 'eth0', '-e', '22,'], {}, '-e/--exclude-ports');
  fails(['-i', 'eth0'], { SYNBAIT_EXCLUDE_PORT: '22' }, 'SYNBAIT_EXCLUDE_PORT');
  fails(['-i', 'eth0', '--format', 'xml'], {}, '--format');
  fails(['-i', 'eth0', '--flow-timeout', 'soon'], {}, '--flow-timeout');
  fails(['-i', 'eth0', '--max-payload', '12 parsecs'], {}, '--max-payload');
  fails(['-i', 'eth0', '-l'], {}, '-l');
  fails(['-i', 'eth0', 'extra'], {}, 'extra');
  fails(['-i', 'eth0', '--sensor-id', '../etc'], {}, '--sensor-id');
  fails(['-i', 'eth0 ; rm'], {}, '-i/--device');
  fails(['-i', 'eth0', '--s3-bucket', 'b'], {}, /--s3-bucket/);
});

test('secrets are never echoed in errors', () => {
  assert.throws(() => parseCommandLine(['-i', 'eth0', '--webhook-url', 'not a url secret-token-123'], {}, host), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.doesNotMatch(e.message, /secret-token-123/);
    return true;
  });
});

test('--help documents every flag and variable; README table generator covers them', () => {
  const c = parseCommandLine(['--help'], {}, host);
  assert.equal(c.kind, 'help');
  const help = renderHelp('0.0.0');
  const table = renderOptionsTable();
  for (const o of OPTIONS) {
    assert.ok(help.includes(o.env), `help mentions ${o.env}`);
    if (!o.entrypointOnly) assert.ok(help.includes(`--${o.flag}`), `help mentions --${o.flag}`);
    assert.ok(table.includes(`\`${o.env}\``), `table mentions ${o.env}`);
  }
});

test('value parsers', () => {
  assert.equal(parseSeconds('5'), 5);
  assert.equal(parseSeconds('300ms'), 0.3);
  assert.equal(parseSeconds('1h'), 3600);
  assert.equal(parseSeconds('-1'), null);
  assert.equal(parseBytes('64KiB'), 65536);
  assert.equal(parseBytes('64MB'), 64_000_000);
  assert.equal(parseBytes('1.5k'), 1536);
  assert.equal(parseBytes('x'), null);
  assert.deepEqual(parsePortList('1,65535'), [{ from: 1, to: 1 }, { from: 65535, to: 65535 }]);
  assert.equal(parsePortList('1-2-3'), null);
  assert.deepEqual(mergePortRanges([{ from: 5, to: 9 }, { from: 1, to: 4 }, { from: 20, to: 20 }]), [{ from: 1, to: 9 }, { from: 20, to: 20 }]);
});
