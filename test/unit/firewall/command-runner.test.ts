// The real CommandRunner (node:child_process) with ordinary binaries: status, output, stdin, a missing command
// (127, as a shell says), a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childProcessRunner } from '../../../src/firewall/child-process-runner.ts';

test('runs without a shell: status, stdout, stderr and stdin', async () => {
  const r = childProcessRunner();
  assert.deepEqual(await r.run(['sh', '-c', 'echo out; echo err >&2; exit 3']), { status: 3, stdout: 'out\n', stderr: 'err\n' });
  assert.deepEqual(await r.run(['cat'], 'rules\nCOMMIT\n'), { status: 0, stdout: 'rules\nCOMMIT\n', stderr: '' });
  assert.equal((await r.run(['echo', '$HOME; rm -rf /'])).stdout, '$HOME; rm -rf /\n', 'arguments are never re-parsed');
});

test('a missing command is status 127; a command past its deadline is killed', async () => {
  const missing = await childProcessRunner().run(['synbait-no-such-binary', '-L']);
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /ENOENT/);
  const slow = await childProcessRunner(process.env, 200).run(['sleep', '5']);
  assert.equal(slow.status, 128 + 15);
  assert.match(slow.stderr, /SIGTERM/);
});

test('the environment it is given is the one the command sees (PATH decides which iptables runs)', async () => {
  const r = childProcessRunner({ PATH: process.env.PATH, SYNBAIT_PROBE: 'seen' });
  assert.equal((await r.run(['sh', '-c', 'echo $SYNBAIT_PROBE'])).stdout, 'seen\n');
});
