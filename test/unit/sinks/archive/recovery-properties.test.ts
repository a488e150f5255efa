// Properties of crash recovery over arbitrary archives and arbitrary damage: it never invents or reorders a record,
// and it keeps every record of every gzip member that lies wholly before the damage. And pcap: the recovered file
// is the longest prefix of whole records.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { recordToLine } from '../../../../src/record/ndjson.ts';
import { recoverFile } from '../../../../src/sinks/archive/recovery.ts';
import { encodeFrames, pcapGlobalHeader } from '../../../../src/sinks/archive/pcap-format.ts';
import { parsePcap } from '../../../helpers/pcap-file.ts';
import { makeRecord, recordsOf, tempDir } from './fixtures.ts';

const NAME = 'sensor1-20261125T101500Z-123abcdef.jsonl.gz';

test('JSON Lines recovery: never a record that was not written, never out of order, every member before the damage', async (t) => {
  const root = await tempDir(t, 'recovery-prop');
  let run = 0;
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.constantFrom('cut', 'zeros', 'garbage', 'flip'),
    fc.uint8Array({ minLength: 1, maxLength: 64 }),
    async (blocks, where, kind, noise) => {
      const dir = join(root, String(run++));
      await mkdir(join(dir, 'open'), { recursive: true });
      await mkdir(join(dir, 'ready'), { recursive: true });
      let i = 0;
      const members = blocks.map((n) => {
        const recs = Array.from({ length: n }, () => makeRecord(i++));
        return { recs, gz: gzipSync(recs.map(recordToLine).join('')) };
      });
      const whole = Buffer.concat(members.map((m) => m.gz));
      const at = Math.floor(where * whole.length);
      let bytes: Buffer;
      if (kind === 'cut') bytes = whole.subarray(0, at);
      else if (kind === 'zeros') bytes = Buffer.concat([whole.subarray(0, at), Buffer.alloc(noise.length)]);
      else if (kind === 'garbage') bytes = Buffer.concat([whole.subarray(0, at), Buffer.from(noise), whole.subarray(Math.min(whole.length, at + noise.length))]);
      else {
        bytes = Buffer.from(whole);
        if (at < bytes.length) bytes[at] = bytes[at]! ^ (noise[0]! | 1);
      }
      await writeFile(join(dir, 'open', NAME), bytes);
      const r = await recoverFile(join(dir, 'open'), join(dir, 'ready'), NAME, 'jsonl');
      const got = r.size > 0 ? recordsOf(await readFile(join(dir, 'ready', NAME))) : [];
      assert.equal(got.length, r.kept);
      const written = members.flatMap((m) => m.recs).map((x) => x.flow_id);
      // a subsequence of what was written, with the exact bytes of each record
      let p = 0;
      for (const rec of got) {
        const idx = written.indexOf(rec.flow_id, p);
        assert.ok(idx >= 0, `record ${rec.flow_id} was written, in this order`);
        assert.deepEqual(rec, makeRecord(Number(rec.flow_id.slice(1))));
        p = idx + 1;
      }
      // every member wholly before the damage is kept
      let end = 0;
      let intact = 0;
      for (const m of members) {
        end += m.gz.length;
        if (end <= at) intact += m.recs.length;
      }
      assert.ok(got.length >= intact, `${got.length} >= ${intact} (${kind} at ${at} of ${whole.length})`);
      if (kind === 'garbage' || kind === 'flip') {
        // members wholly after the damage survive too (resync)
        let start = 0;
        const after: string[] = [];
        for (const m of members) {
          if (start >= at + noise.length) after.push(...m.recs.map((x) => x.flow_id));
          start += m.gz.length;
        }
        const ids = new Set(got.map((x) => x.flow_id));
        for (const id of after) assert.ok(ids.has(id), `${id} after the damage is kept`);
      }
    },
  ), { numRuns: 150 });
});

test('pcap recovery keeps exactly the whole records before a cut', async (t) => {
  const root = await tempDir(t, 'recovery-pcap');
  let run = 0;
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 14, max: 1600 }), { minLength: 1, maxLength: 20 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    async (lens, where) => {
      const dir = join(root, String(run++));
      await mkdir(join(dir, 'open'), { recursive: true });
      await mkdir(join(dir, 'ready'), { recursive: true });
      const frames = lens.map((n, k) => ({ tsMs: 1764065700000 + k, data: Buffer.alloc(n, k) }));
      const whole = Buffer.concat([pcapGlobalHeader(), encodeFrames(frames)]);
      const at = Math.floor(where * whole.length);
      const name = NAME.replace('.jsonl.gz', '.pcap');
      await writeFile(join(dir, 'open', name), whole.subarray(0, at));
      const r = await recoverFile(join(dir, 'open'), join(dir, 'ready'), name, 'pcap');
      let end = 24, whole_ = 0;
      for (const n of lens) {
        if (end + 16 + n <= at) whole_++;
        end += 16 + n;
      }
      assert.equal(r.kept, at < 24 ? 0 : whole_);
      if (r.kept > 0) {
        const p = parsePcap(await readFile(join(dir, 'ready', name)));
        assert.equal(p.records.length, whole_);
        p.records.forEach((rec, k) => assert.ok(rec.data.equals(frames[k]!.data)));
      } else {
        assert.equal(r.outcome, 'discarded');
      }
    },
  ), { numRuns: 150 });
});
