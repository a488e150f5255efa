// One sensor per spool: the flock on <archive-dir>/lock. A second holder gets SpoolLockedError (exit status 2)
// naming the first; release, a normal exit and a SIGKILL all free it; the helper never keeps a process alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArchiveSink } from '../../../../src/sinks/archive/archive-sink.ts';
import { SpoolLock } from '../../../../src/sinks/archive/spool-lock.ts';

const REPO = fileURLToPath(new URL('../../../..', import.meta.url));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'synbait-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function child(dir: string, mode: 'hold' | 'exit') {
  const c = spawn(process.execPath, ['--import', 'tsx', 'test/unit/sinks/archive/lock-child.ts', dir, mode], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => c.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  const locked = async () => {
    for (let i = 0; i < 600 && !out.includes('locked'); i++) {
      if (c.exitCode !== null) throw new Error(`child exited: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(out, /^locked /);
  };
  return { c, exited, locked };
}

test('a second lock on the same spool is refused with SYNBAIT_ERR_SPOOL_LOCKED naming the holder; release frees it', async (t) => {
  const dir = await tempDir(t);
  const first = await SpoolLock.acquire(dir, quiet, () => Date.parse('2026-11-25T10:00:00Z'));
  assert.equal(first.path, join(dir, 'lock'));
  assert.equal(await readFile(first.path, 'utf8'), `pid ${process.pid} on ${(await import('node:os')).hostname()} since 2026-11-25T10:00:00.000Z\n`);
  await assert.rejects(SpoolLock.acquire(dir), (err: Error & { code?: string; culprit?: string }) => {
    assert.equal(err.code, 'SYNBAIT_ERR_SPOOL_LOCKED');
    assert.equal(err.culprit, '--archive-dir');
    assert.match(err.message, new RegExp(`in use by another sensor \\(pid ${process.pid} on .* since 2026-11-25T10:00:00\\.000Z\\)`));
    return true;
  });
  await first.release();
  await first.release(); // idempotent
  const again = await SpoolLock.acquire(dir);
  await again.release();
});

test('another process holds it until SIGKILL; then the lock is free at once (no stale lock)', async (t) => {
  const dir = await tempDir(t);
  const holder = child(dir, 'hold');
  t.after(() => { holder.c.kill('SIGKILL'); });
  await holder.locked();
  await assert.rejects(SpoolLock.acquire(dir), { code: 'SYNBAIT_ERR_SPOOL_LOCKED' });
  holder.c.kill('SIGKILL');
  await holder.exited;
  const lock = await SpoolLock.acquire(dir);
  await lock.release();
});

test('a process that never releases still exits on its own, and its lock goes with it', async (t) => {
  const dir = await tempDir(t);
  const p = child(dir, 'exit');
  await p.locked();
  assert.equal(await p.exited, 0, 'the helper does not keep the event loop alive');
  const lock = await SpoolLock.acquire(dir);
  await lock.release();
});

test('no flock(1) on PATH: an ArchiveError saying so, not a false "in use"', async (t) => {
  const dir = await tempDir(t);
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(SpoolLock.acquire(dir), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SYNBAIT_ERR_ARCHIVE');
      assert.match(err.message, /flock\(1\)/);
      return true;
    });
  } finally {
    process.env.PATH = path;
  }
});

test('ArchiveSink.open takes the lock before touching open/, and close() gives it back', async (t) => {
  const dir = await tempDir(t);
  const o = { dir, sensor: 's1', rotateIntervalMs: 3_600_000, rotateSize: 1 << 20, pcap: false, spoolMaxBytes: 1 << 30, log: quiet };
  const a = await ArchiveSink.open(o);
  await assert.rejects(ArchiveSink.open({ ...o, sensor: 's2' }), { code: 'SYNBAIT_ERR_SPOOL_LOCKED' });
  await a.close();
  const b = await ArchiveSink.open(o);
  await b.close();
});
