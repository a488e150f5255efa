// The fd output the records and log lines share: every byte arrives once and in order through a real pipe and
// through a descriptor that writes partially or refuses for a while (EAGAIN); the bound drops and counts; flush
// and flushSync leave nothing behind; a reader that went away (EPIPE) ends the output without throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readFileSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNK_BYTES, openFdOutput, type FdWriter } from '../../../src/sinks/stdout-output.ts';

function lines(n: number, seed = 1): string[] {
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // ASCII, multi-byte UTF-8 and the odd very long line (bigger than a chunk)
    const len = i % 997 === 0 ? CHUNK_BYTES + 100 : x % 700;
    out.push(`${i}:${'é€a'.repeat(1 + (x % 3)).slice(0, 1 + (x % 5))}${'x'.repeat(len)}`);
  }
  return out;
}

test('a file receives every line once, in order, with writeLine and write mixed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'synbait-out-'));
  try {
    const path = join(dir, 'out');
    const fd = openSync(path, 'w');
    const out = openFdOutput(fd);
    const all = lines(5000);
    all.forEach((l, i) => (i % 2 ? out.writeLine(l) : out.write(`${l}\n`)));
    assert.ok(out.backlogBytes > 0);
    await out.flush();
    assert.equal(out.backlogBytes, 0);
    assert.equal(out.dropped, 0);
    closeSync(fd);
    assert.equal(readFileSync(path, 'utf8'), all.map((l) => `${l}\n`).join(''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A descriptor that takes at most `max` bytes per call and says EAGAIN every third call. */
function stingyFd(max: number): FdWriter & { bytes: Buffer[]; calls: number } {
  const bytes: Buffer[] = [];
  const io = {
    bytes,
    calls: 0,
    writev(_fd: number, chunks: Buffer[], cb: (err: NodeJS.ErrnoException | null, n: number) => void) {
      io.calls++;
      if (io.calls % 3 === 0) return setImmediate(() => cb(Object.assign(new Error('again'), { code: 'EAGAIN' }), 0));
      let left = max;
      let n = 0;
      for (const c of chunks) {
        const take = Math.min(left, c.length);
        bytes.push(Buffer.from(c.subarray(0, take)));
        left -= take;
        n += take;
        if (take < c.length) break;
      }
      setImmediate(() => cb(null, n));
    },
    writeSync(_fd: number, chunk: Buffer) {
      const take = Math.min(max, chunk.length);
      bytes.push(Buffer.from(chunk.subarray(0, take)));
      return take;
    },
  };
  return io;
}

test('partial writes and EAGAIN lose and repeat nothing', async () => {
  const io = stingyFd(10_000);
  const out = openFdOutput(99, 64 * 1024 * 1024, io);
  const all = lines(3000, 7);
  for (const l of all) out.writeLine(l);
  await out.flush();
  assert.equal(Buffer.concat(io.bytes).toString('utf8'), all.map((l) => `${l}\n`).join(''));
  assert.ok(io.calls > 10);
});

test('flushSync writes what is buffered; lines beyond the bound are dropped and counted', () => {
  const io = stingyFd(1000);
  const out = openFdOutput(99, 5000, io);
  let accepted = '';
  let refused = 0;
  for (let i = 0; i < 100; i++) {
    const l = `line ${i} ${'y'.repeat(90)}`;
    if (out.writeLine(l)) accepted += `${l}\n`;
    else refused++;
  }
  assert.ok(refused > 0 && out.dropped === refused, `${refused} refused, ${out.dropped} counted`);
  assert.ok(out.backlogBytes <= 5000);
  out.flushSync();
  assert.equal(out.backlogBytes, 0);
  assert.equal(Buffer.concat(io.bytes).toString(), accepted);
});

test('a reader gone (EPIPE): the output stops, counts what it could not write, flush still resolves', async () => {
  const io: FdWriter = {
    writev: (_fd, _c, cb) => setImmediate(() => cb(Object.assign(new Error('gone'), { code: 'EPIPE' }), 0)),
    writeSync: () => { throw Object.assign(new Error('gone'), { code: 'EPIPE' }); },
  };
  const out = openFdOutput(99, 1 << 20, io);
  for (let i = 0; i < 10; i++) out.writeLine(`l${i}`);
  await out.flush();
  assert.equal(out.dropped, 10);
  assert.equal(out.writeLine('after'), false);
  assert.equal(out.dropped, 11);
});

test('a partly filled chunk is written without a flush (within the partial wait)', async () => {
  const io = stingyFd(1 << 20);
  const out = openFdOutput(99, 1 << 20, io);
  out.writeLine('one');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(Buffer.concat(io.bytes).toString(), 'one\n');
  assert.equal(out.backlogBytes, 0);
});
