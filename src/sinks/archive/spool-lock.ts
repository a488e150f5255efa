// One sensor per spool: an exclusive flock(2) on <archive-dir>/lock, held for the sensor's life, so two sensors on
// the same directory cannot interleave their files or recover (rename) each other's open files.
//
// Why flock and not a pid file: a pid file needs a liveness check, and pids say nothing across PID namespaces (a
// restarted container often gets the very same pid, another container's sensor a pid we cannot see), so it either
// blocks a restart after SIGKILL or lets two containers share a volume. A flock belongs to an open file in the
// kernel: it works across namespaces and containers sharing a volume, and it is gone the moment its holder dies,
// SIGKILL included. Node has no flock API and we add no native code, so util-linux's flock(1) holds it: it locks,
// then runs `cat` on a pipe from us. When we exit or are killed, the kernel closes the pipe, cat ends, and the lock
// goes with it. The helper is in a process group of its own, so a signal meant for the sensor's group does not end
// it early. The lock file stays (deleting a flock'd file races with the next locker); its text names the holder.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ArchiveError, SpoolLockedError } from '../../errors.ts';
import { errText } from './file-io.ts';
import type { Logger } from '../../logger.ts';

export const LOCK_FILE = 'lock';
/** flock(1)'s status when the lock is taken (--conflict-exit-code). */
const CONFLICT = 75;
/**
 * How long to wait for the lock: the helper of a sensor that was just killed needs a moment to see its pipe close
 * (a restart right after a SIGKILL must not fail); a live holder costs the second sensor this long before exit 2.
 */
const WAIT_SECONDS = 3;
const LOCKED = 'locked\n';

export class SpoolLock {
  readonly path: string;
  readonly #helper: ChildProcess;
  #released = false;

  private constructor(path: string, helper: ChildProcess, log: Logger | undefined) {
    this.path = path;
    this.#helper = helper;
    helper.on('exit', (code, signal) => {
      if (this.#released) return;
      const msg = `the lock helper of ${path} ended: another sensor could now use this spool`;
      log?.error({ event: 'SpoolLockLost', path, status: code ?? signal }, msg);
    });
  }

  /** Takes the lock or throws SpoolLockedError (exit status 2) naming the holder; ArchiveError if it cannot lock. */
  static async acquire(dir: string, log?: Logger, now: () => number = Date.now): Promise<SpoolLock> {
    const path = join(dir, LOCK_FILE);
    const args = ['--timeout', String(WAIT_SECONDS), '--conflict-exit-code', String(CONFLICT), path, 'sh', '-c', 'echo locked; exec cat'];
    const helper = spawn('flock', args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const status = await lockStatus(helper);
    if (status === CONFLICT) {
      const msg = `--archive-dir ${dir} is in use by another sensor (${await holder(path)}); give each sensor its own --archive-dir`;
      throw new SpoolLockedError(msg, '--archive-dir');
    }
    if (status !== 'locked') {
      throw new ArchiveError(`--archive-dir ${dir}: cannot lock ${path} with flock(1) (util-linux): ${status}`);
    }
    // nothing of the helper keeps the sensor's event loop alive: it ends with us
    helper.unref();
    for (const s of [helper.stdin, helper.stdout, helper.stderr]) (s as unknown as { unref?: () => void }).unref?.();
    const lock = new SpoolLock(path, helper, log);
    await writeFile(path, `pid ${process.pid} on ${hostname()} since ${new Date(now()).toISOString()}\n`);
    return lock;
  }

  /** Gives the lock up (idempotent); the file stays. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    if (this.#helper.exitCode !== null || this.#helper.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#helper.once('exit', () => resolve()));
    this.#helper.stdin!.end();
    const timer = setTimeout(() => this.#helper.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}

/** 'locked' once the helper holds the lock, else its exit status (CONFLICT when taken) or why it did not run. */
function lockStatus(helper: ChildProcess): Promise<'locked' | number | string> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    helper.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.startsWith(LOCKED)) resolve('locked');
    });
    helper.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    helper.on('error', (e) => resolve(errText(e)));
    helper.on('exit', (code, signal) => resolve(code === CONFLICT ? CONFLICT : `${err.trim() || `status ${code ?? signal}`}`));
  });
}

async function holder(path: string): Promise<string> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return text === '' ? 'its holder is still starting' : text;
  } catch {
    return 'holder unknown';
  }
}
