// The member walker under every kind of damage: each byte in exactly one piece, intact members verbatim, the
// cause named from the closed set; a buffer and a forward-only window of small steps give the same pieces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { constants, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { compressMember, compressMemberSync } from '../../../src/record/gzip-member.ts';
import { BufferWindow, type ByteWindow, type GzipPiece, walkGzip } from '../../../src/record/gzip-walk.ts';

const block = (i: number) => Buffer.from(Array.from({ length: 20 }, (_, k) => `{"n":${i * 100 + k},"pad":"${'x'.repeat(k)}"}\n`).join(''));

async function pieces(data: Buffer, win: ByteWindow = new BufferWindow(data)): Promise<GzipPiece[]> {
  const out: GzipPiece[] = [];
  await walkGzip(win, (p) => {
    out.push(p);
  });
  return out;
}

/** Serves a buffer in 7-byte reads and forgets what was discarded, like sinks/archive/file-window.ts. */
class TrickleWindow implements ByteWindow {
  readonly #data: Buffer;
  #start = 0;
  #end = 0;
  constructor(data: Buffer) {
    this.#data = data;
  }
  get size(): number {
    return this.#data.length;
  }
  async ensure(end: number): Promise<number> {
    while (this.#end < Math.min(end, this.size)) this.#end = Math.min(this.size, this.#end + 7);
    return this.#end;
  }
  view(from: number, end = this.#end): Buffer {
    assert.ok(from >= this.#start, `offset ${from} was discarded`);
    return this.#data.subarray(from, Math.min(Math.max(from, end), this.#end));
  }
  discard(offset: number): void {
    this.#start = Math.max(this.#start, offset);
  }
}

/** A member of two deflate blocks whose second one has the reserved block type (RFC 1951 §3.2.3: BTYPE 11). */
function badSecondBlock(): Buffer {
  const first = deflateRawSync(block(7), { finishFlush: constants.Z_FULL_FLUSH });
  const second = deflateRawSync(block(8));
  second[0] = 0x07;
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  return Buffer.concat([header, first, second, Buffer.alloc(8)]);
}

const summary = (ps: GzipPiece[]) => ps.map((p) => (p.kind === 'member' ? 'member' : `${p.kind}:${p.cause}`));

function assertTiles(ps: GzipPiece[], size: number): void {
  let pos = 0;
  for (const p of ps) {
    assert.equal(p.offset, pos, 'pieces are contiguous');
    assert.ok(p.length > 0);
    pos += p.length;
  }
  assert.equal(pos, size, 'pieces cover the file');
}

test('the writer\'s members read back verbatim, one piece each', async () => {
  const members = [compressMemberSync(block(0)), await compressMember(block(1)), gzipSync(block(2))];
  const ps = await pieces(Buffer.concat(members));
  assert.deepEqual(summary(ps), ['member', 'member', 'member']);
  ps.forEach((p, i) => assert.ok(p.kind === 'member' && p.data.equals(block(i))));
  assert.deepEqual(await pieces(Buffer.alloc(0)), []);
});

test('each kind of damage has its cause', async () => {
  const [a, b, c] = [gzipSync(block(0)), gzipSync(block(1)), gzipSync(block(2))];
  const cases: [string, Buffer, string[]][] = [
    ['zero tail', Buffer.concat([a, Buffer.alloc(100)]), ['member', 'damage:zeros']],
    ['zeros then a member', Buffer.concat([a, Buffer.alloc(10), b]), ['member', 'damage:zeros', 'member']],
    ['garbage between members', Buffer.concat([a, Buffer.from('not gzip at all'), b]), ['member', 'damage:not_gzip', 'member']],
    ['cut header', Buffer.concat([a, b.subarray(0, 5)]), ['member', 'damage:cut_header']],
    ['cut member', Buffer.concat([a, b.subarray(0, b.length - 40)]), ['member', 'salvage:cut_member']],
    ['cut trailer', Buffer.concat([a, b.subarray(0, b.length - 3)]), ['member', 'salvage:cut_trailer']],
    ['checksum', (() => { const x = Buffer.from(b); x.writeUInt32LE(x.readUInt32LE(x.length - 8) ^ 1, x.length - 8); return Buffer.concat([a, x, c]); })(), ['member', 'salvage:checksum', 'member']],
    ['bad deflate after a good block', Buffer.concat([a, badSecondBlock(), c]), ['member', 'salvage:bad_deflate', 'member']],
    ['bad deflate at once', (() => { const x = Buffer.from(b); x[10] = 0x07; return Buffer.concat([a, x, c]); })(), ['member', 'damage:bad_deflate', 'member']],
  ];
  for (const [name, data, want] of cases) {
    const ps = await pieces(data);
    assert.deepEqual(summary(ps), want, name);
    assertTiles(ps, data.length);
    assert.deepEqual(summary(await pieces(data, new TrickleWindow(data))), want, `${name}, in small reads`);
  }
  const [, bad] = await pieces(Buffer.concat([a, badSecondBlock(), c]));
  assert.ok(bad?.kind === 'salvage' && bad.data.equals(block(7)), 'what came before the bad block is read');
  assert.ok(bad.damageAt > bad.offset + 10 && bad.damageAt < bad.offset + bad.length);
});

test('property: under random damage every byte is in one piece, untouched members come back verbatim, any window gives the same', async () => {
  const members = Array.from({ length: 5 }, (_, i) => gzipSync(block(i)));
  const starts = members.map((_, i) => members.slice(0, i).reduce((n, m) => n + m.length, 0));
  const clean = Buffer.concat(members);
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ at: fc.nat({ max: clean.length - 1 }), len: fc.integer({ min: 1, max: 30 }), byte: fc.nat({ max: 255 }) }), { maxLength: 3 }),
    fc.option(fc.nat({ max: clean.length }), { nil: undefined }),
    async (smashes, cut) => {
      const smashed = Buffer.from(clean);
      for (const s of smashes) smashed.fill(s.byte, s.at, Math.min(smashed.length, s.at + s.len));
      const data = cut === undefined ? smashed : smashed.subarray(0, cut);
      const ps = await pieces(data);
      assertTiles(ps, data.length);
      const touched = (i: number) => smashes.some((s) => s.at < starts[i]! + members[i]!.length && s.at + s.len > starts[i]!) ||
        (cut !== undefined && cut < starts[i]! + members[i]!.length);
      members.forEach((m, i) => {
        if (touched(i)) return;
        const p = ps.find((x) => x.offset === starts[i]);
        assert.ok(p && p.kind === 'member' && p.data.equals(gunzipSync(m)), `member ${i} is intact`);
      });
      assert.deepEqual(summary(await pieces(data, new TrickleWindow(data))), summary(ps));
    },
  ), { numRuns: 150 });
});
