// Line splitting, and reading damaged archives: truncated gzip keeps every line before the cut, bad gzip is
// salvaged member by member, non-gzip is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { salvageGzip } from '../../../src/report/gzip-salvage.ts';
import { type LineHandler, LineSplitter } from '../../../src/report/line-reader.ts';
import { readArchive } from '../../../src/report/read-archive.ts';
import type { ArchiveRef } from '../../../src/report/sources/archive-ref.ts';

interface Got {
  lines: { text: string; no: number; complete: boolean }[];
  overlong: { no: number; bytes: number }[];
}

function collector(): { handler: LineHandler; got: Got } {
  const got: Got = { lines: [], overlong: [] };
  return {
    got,
    handler: {
      line: (buf, s, e, no, complete) => {
        got.lines.push({ text: buf.toString('utf8', s, e), no, complete });
      },
      overlong: (no, bytes) => {
        got.overlong.push({ no, bytes });
      },
    },
  };
}

const messageOf = (o: { status: string; message?: string }): string => o.message ?? '';

test('property: any chunking of the input gives the same lines', () => {
  fc.assert(fc.property(
    fc.array(fc.string({ unit: fc.constantFrom('a', 'b', '\r', 'é', '{', '"') , maxLength: 12 }), { maxLength: 12 }),
    fc.boolean(),
    fc.array(fc.nat({ max: 20 }), { maxLength: 10 }),
    (ls, finalNewline, cuts) => {
      const text = ls.join('\n') + (finalNewline ? '\n' : '');
      const data = Buffer.from(text);
      const { handler, got } = collector();
      const sp = new LineSplitter(handler);
      let at = 0;
      for (const c of cuts) {
        const next = Math.min(data.length, at + c);
        sp.push(data.subarray(at, next));
        at = next;
      }
      sp.push(data.subarray(at));
      sp.end();
      const expected = text.split('\n');
      if (expected[expected.length - 1] === '') expected.pop(); // no line after a final "\n"
      assert.deepEqual(got.lines.map((l) => l.text), expected);
      got.lines.forEach((l, i) => {
        assert.equal(l.no, i + 1);
        assert.equal(l.complete, !(i === got.lines.length - 1 && !text.endsWith('\n')));
      });
    },
  ));
});

test('lines over the cap are dropped without being buffered', () => {
  const { handler, got } = collector();
  const sp = new LineSplitter(handler, 10);
  sp.push(Buffer.from('short\n0123456789ABCDEF'));
  sp.push(Buffer.from('GHIJ\nok\n'));
  sp.push(Buffer.from('x'.repeat(30)));
  sp.end();
  assert.deepEqual(got.lines.map((l) => [l.text, l.no]), [['short', 1], ['ok', 3]]);
  assert.deepEqual(got.overlong, [{ no: 2, bytes: 20 }, { no: 4, bytes: 30 }]);
});

const line = (i: number) => JSON.stringify({ n: i, pad: 'x'.repeat(i % 50) });
const text = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(from + k) + '\n').join('');

/** Members of 10 lines each. */
function archive(n: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < n; i += 10) parts.push(gzipSync(text(i, Math.min(n, i + 10))));
  return Buffer.concat(parts);
}

const ref = (data: Buffer, gzip = true, name = 'mem.jsonl.gz'): ArchiveRef => ({
  name, size: data.length, gzip,
  // tiny chunks, so zlib errors happen mid-stream as with real files
  open: async () => Readable.from((function* () {
    for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000);
  })()),
});

async function read(data: Buffer, gzip = true) {
  const { handler, got } = collector();
  const outcome = await readArchive(ref(data, gzip), { onBytes: () => {}, handler });
  return { outcome, lines: got.lines };
}

test('a whole multi-member archive reads completely', async () => {
  const { outcome, lines } = await read(archive(95));
  assert.deepEqual(outcome, { status: 'ok' });
  assert.equal(lines.length, 95);
  assert.deepEqual(lines.map((l) => l.no), Array.from({ length: 95 }, (_, i) => i + 1));
});

test('truncated anywhere: every complete line before the cut is read, the torn one is flagged', async () => {
  const data = archive(60);
  const full = gunzipSync(data).toString();
  for (const cut of [15, 40, 200, Math.floor(data.length / 3), Math.floor(data.length / 2), data.length - 30, data.length - 9, data.length - 1]) {
    const part = data.subarray(0, cut);
    const { outcome, lines } = await read(part);
    // what an ideal decoder recovers: the longest prefix inflatable from the cut file
    let recoverable = '';
    try {
      recoverable = gunzipSync(part, { finishFlush: 2 /* Z_SYNC_FLUSH */ }).toString();
    } catch {
      recoverable = '';
    }
    const whole = recoverable.slice(0, recoverable.lastIndexOf('\n') + 1);
    const complete = lines.filter((l) => l.complete).map((l) => l.text + '\n').join('');
    assert.equal(complete, whole, `cut at ${cut}`);
    assert.ok(full.startsWith(complete));
    assert.notEqual(outcome.status, 'ok', `cut at ${cut}`);
    assert.match(messageOf(outcome), /truncated|unexpected end/);
    const torn = lines.filter((l) => !l.complete);
    assert.ok(torn.length <= 1);
  }
});

test('bad data in one member: lines before it and every later member are recovered', async () => {
  const members = Array.from({ length: 6 }, (_, m) => gzipSync(text(m * 10, m * 10 + 10)));
  const bad = Buffer.from(members[2]!);
  bad.fill(0xaa, 20, 60); // smash the deflate data of member 3
  const data = Buffer.concat([members[0]!, members[1]!, bad, members[3]!, members[4]!, members[5]!]);
  const { outcome, lines } = await read(data);
  assert.equal(outcome.status, 'damaged');
  const texts = lines.map((l) => l.text);
  for (let i = 0; i < 20; i++) assert.equal(texts.filter((t) => t === line(i)).length, 1, `line ${i} (before the damage), once`);
  for (let i = 30; i < 60; i++) assert.equal(texts.filter((t) => t === line(i)).length, 1, `line ${i} (after the damage), once`);
  // line numbers go on without gaps or repeats across the streaming and the salvage pass
  assert.deepEqual(lines.map((l) => l.no), lines.map((_, i) => i + 1));
  assert.match(messageOf(outcome), /bad gzip data/);
});

test('garbage after the last member keeps the members (which gunzip alone would drop)', async () => {
  const data = Buffer.concat([archive(20), Buffer.from('this is not gzip')]);
  const { outcome, lines } = await read(data);
  assert.equal(outcome.status, 'damaged');
  assert.equal(lines.filter((l) => l.complete).length, 20);
});

test('a checksum mismatch is reported; the member is still read', async () => {
  const data = Buffer.from(archive(10));
  data.writeUInt32LE((data.readUInt32LE(data.length - 8) ^ 1) >>> 0, data.length - 8);
  const { outcome, lines } = await read(data);
  assert.equal(outcome.status, 'damaged');
  assert.match(messageOf(outcome), /checksum/);
  assert.equal(lines.length, 10);
});

test('members after a zeroed gap are read (gunzip alone stops quietly at the first zero byte)', async () => {
  const data = Buffer.concat([archive(10), Buffer.alloc(64), archive(20)]);
  const { outcome, lines } = await read(data);
  assert.equal(lines.length, 30);
  assert.equal(outcome.status, 'damaged'); // a gap of zeros followed by data is not mere padding
});

test('a smashed first header: later members are still recovered', async () => {
  const data = Buffer.from(archive(30));
  data[0] = 0x42;
  const { outcome, lines } = await read(data);
  assert.equal(outcome.status, 'damaged');
  assert.deepEqual(lines.filter((l) => l.complete).map((l) => l.text), text(10, 30).trimEnd().split('\n'));
});

test('not gzip at all, an empty .gz, zero padding, a plain file', async () => {
  const notGz = await read(Buffer.from(text(0, 5)));
  assert.deepEqual(notGz.outcome, { status: 'failed', message: 'not a gzip file' });
  assert.equal(notGz.lines.length, 0);

  assert.deepEqual((await read(Buffer.alloc(0))).outcome, { status: 'ok' });

  const padded = await read(Buffer.concat([archive(10), Buffer.alloc(4096)]));
  assert.deepEqual(padded.outcome, { status: 'ok' });
  assert.equal(padded.lines.length, 10);

  const plain = await read(Buffer.from(text(0, 7)), false);
  assert.deepEqual(plain.outcome, { status: 'ok' });
  assert.equal(plain.lines.length, 7);
});

test('an unreadable source fails cleanly; a read error mid-way keeps what came before', async () => {
  const r1 = await readArchive({ name: 'x', size: 0, gzip: true, open: async () => { throw new Error('EACCES: permission denied'); } }, {
    onBytes: () => {}, handler: collector().handler,
  });
  assert.deepEqual(r1, { status: 'failed', message: 'EACCES: permission denied' });

  const { handler, got } = collector();
  const r2 = await readArchive({
    name: 'y', size: undefined, gzip: false,
    open: async () => Readable.from((async function* () {
      yield Buffer.from(text(0, 3));
      throw new Error('ECONNRESET');
    })()),
  }, { onBytes: () => {}, handler });
  assert.equal(r2.status, 'damaged');
  assert.equal(got.lines.length, 3);
});

test('salvageGzip resumes after a smashed header', async () => {
  const members = Array.from({ length: 3 }, (_, m) => gzipSync(text(m * 10, m * 10 + 10)));
  const bad = Buffer.from(members[1]!);
  bad[0] = 0x00;
  bad[1] = 0x42;
  const out: Buffer[] = [];
  const damage = await salvageGzip(Buffer.concat([members[0]!, bad, members[2]!]), (c) => out.push(c));
  assert.ok(damage.length >= 1);
  const got = Buffer.concat(out).toString();
  assert.equal(got, text(0, 10) + text(20, 30));
});

test('property: under random damage the reader hands out exactly the careful decoder lines, numbered once', async () => {
  const members = Array.from({ length: 5 }, (_, m) => gzipSync(text(m * 10, m * 10 + 10)));
  const clean = Buffer.concat(members);
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ at: fc.nat({ max: clean.length - 1 }), len: fc.integer({ min: 1, max: 40 }), byte: fc.nat({ max: 255 }) }), { maxLength: 3 }),
    fc.option(fc.nat({ max: clean.length }), { nil: undefined }),
    async (smashes, cut) => {
      const smashed = Buffer.from(clean);
      for (const s of smashes) smashed.fill(s.byte, s.at, Math.min(smashed.length, s.at + s.len));
      const data = cut === undefined ? smashed : smashed.subarray(0, cut);
      const { outcome, lines } = await read(data);
      // Reference: the member-by-member decoder over the whole file (no streaming pass, no byte skipping).
      const out: Buffer[] = [];
      const damage = await salvageGzip(data, (c) => out.push(c));
      const ref = Buffer.concat(out).toString();
      const refLines = ref.split('\n');
      if (refLines[refLines.length - 1] === '') refLines.pop();
      assert.deepEqual(lines.map((l) => l.text), refLines);
      assert.deepEqual(lines.map((l) => l.no), lines.map((_, i) => i + 1));
      if (damage.length === 0 && data.length > 0) assert.equal(outcome.status, 'ok');
      if (damage.length > 0) assert.notEqual(outcome.status, 'ok');
    },
  ), { numRuns: 200 });
});
