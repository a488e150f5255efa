// entrypoint.sh parses, stays small (supervision only: decisions are src/firewall/), and passes shellcheck (Debian
// package `shellcheck`) where it is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../entrypoint.sh', import.meta.url));
const hasShellcheck = spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0;

test('entrypoint.sh is an executable bash script that parses', () => {
  assert.ok((statSync(script).mode & 0o111) !== 0, 'executable');
  const r = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(script, 'utf8').split('\n').length - 1;
  assert.ok(lines < 120, `entrypoint.sh has ${lines} lines`);
  assert.doesNotMatch(readFileSync(script, 'utf8'), /iptables-|ip6tables|\/proc\/net/, 'no firewall or routing decisions in the shell');
});

test('entrypoint.sh passes shellcheck', { skip: hasShellcheck ? false : 'shellcheck is not installed (apt-get install shellcheck)' }, () => {
  const r = spawnSync('shellcheck', ['-s', 'bash', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
