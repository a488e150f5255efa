// The archive and S3 flags: defaults, and bad values refused with the flag named (exit 2 in the CLI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../../../src/cli.ts';
import { ConfigError } from '../../../src/errors.ts';

const run = (args: string[], env: Record<string, string> = {}) => {
  const cmd = parseCommandLine(['-i', 'eth0', ...args], env, { hostname: 'host1' });
  assert.equal(cmd.kind, 'run');
  return (cmd as Extract<typeof cmd, { kind: 'run' }>).settings;
};
const refused = (args: string[], culprit: string, env: Record<string, string> = {}) =>
  assert.throws(() => run(args, env), (e: unknown) => e instanceof ConfigError && e.culprit === culprit);

test('archive and S3 defaults', () => {
  const s = run(['--archive-dir', '/spool', '--s3-bucket', 'my-bucket']);
  assert.equal(s.archiveDir, '/spool');
  assert.equal(s.rotateIntervalMs, 3_600_000);
  assert.equal(s.rotateSize, 64 * 1024 * 1024);
  assert.equal(s.spoolMaxBytes, 1024 ** 3);
  assert.equal(s.pcap, false);
  assert.equal(s.uploadSchedule, '*/5 * * * *');
  assert.equal(s.s3Prefix, 'synbait');
  assert.equal(s.s3ForcePathStyle, false);
  const e = run([], { SYNBAIT_ARCHIVE_DIR: '/x', SYNBAIT_S3_BUCKET: 'b-1', SYNBAIT_S3_PREFIX: '/a/b/', SYNBAIT_PCAP: 'true' });
  assert.equal(e.s3Prefix, 'a/b');
  assert.equal(e.pcap, true);
});

test('bad archive and S3 values name the flag or variable', () => {
  refused(['--s3-bucket', 'b-1'], '--s3-bucket'); // needs --archive-dir
  refused(['--archive-dir', '/x', '--s3-bucket', 'Bad_Bucket'], '--s3-bucket');
  refused(['--archive-dir', '/x', '--s3-endpoint', 'http://key:secret@minio:9000'], '--s3-endpoint');
  assert.throws(() => run(['--archive-dir', '/x', '--s3-endpoint', 'http://key:secret@minio:9000']), (e: unknown) => !String((e as Error).message).includes('secret'));
  refused(['--archive-dir', '/x', '--rotate-size', '5GiB'], '--rotate-size');
  refused(['--archive-dir', '/x', '--rotate-size', '64MiB', '--spool-max-bytes', '100MiB'], '--spool-max-bytes');
  refused(['--archive-dir', '/x', '--rotate-interval', '0.5'], '--rotate-interval');
  refused(['--archive-dir', '/x'], 'SYNBAIT_SPOOL_MAX_BYTES', { SYNBAIT_SPOOL_MAX_BYTES: '2MiB', SYNBAIT_ROTATE_SIZE: '2MiB' });
});
