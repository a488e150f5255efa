// The pending-SYN table against a Map model under random operations (fast-check): find/insert/remove agree,
// the capacity is never exceeded, and expiry order is least-recently-touched first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PendingSyns } from '../../../src/flow/pending-syns.ts';
import { tcpFrame } from '../../helpers/frames.ts';
import { createFrameView, parseFrame } from '../../../src/wire/frame-view.ts';

const frameFor = (sport: number) => {
  const f = tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport, dport: 80, seq: sport * 7, flags: 0x02 });
  const v = createFrameView();
  assert.equal(parseFrame(f, f.length, v), 0);
  return { f, v };
};

test('PendingSyns agrees with a Map model and never exceeds its capacity', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.constantFrom('insert', 'remove', 'touch'), fc.integer({ min: 1, max: 60 })), { maxLength: 300 }),
    (ops) => {
      const cap = 16;
      const t = new PendingSyns(cap, false);
      const model = new Map<number, number>(); // sport -> hash
      let now = 0;
      for (const [op, sport] of ops) {
        now++;
        // five distinct hashes for 60 keys force long probe chains and full-hash collisions
        const h = (sport % 5) * 0x1000 - 0x2000;
        const key = sport;
        const { f, v } = frameFor(sport);
        const id = t.find(h, f, v.srcOff, v.dstOff, v.addrLen, v.l4Off);
        assert.equal(id !== -1, model.has(key), `find ${sport}`);
        if (op === 'insert' && id === -1) {
          const nid = t.insert(h, f, f.length, now, v.seq, 1);
          if (model.size >= cap) assert.equal(nid, -1);
          else { assert.notEqual(nid, -1); model.set(key, h); }
        } else if (op === 'remove' && id !== -1) {
          t.remove(id);
          model.delete(key);
        } else if (op === 'touch' && id !== -1) {
          t.touch(id, now);
          assert.equal(t.lastSeen(id), now);
        }
        assert.equal(t.size, model.size);
        assert.ok(t.size <= cap);
      }
    },
  ), { numRuns: 300 });
});

test('expiry walks the least recently touched entry first, and the stored SYN comes back intact', () => {
  const t = new PendingSyns(8, true);
  const ids: number[] = [];
  for (let i = 0; i < 4; i++) {
    const { f, v } = frameFor(1000 + i);
    ids.push(t.insert(i, f, f.length, i, v.seq, 77));
  }
  t.touch(ids[0]!, 10);
  assert.equal(t.oldest(), ids[1]);
  t.remove(ids[1]!);
  assert.equal(t.oldest(), ids[2]);
  const { f } = frameFor(1002);
  assert.deepEqual(Buffer.from(t.synFrame(ids[2]!)), Buffer.from(f));
  assert.equal(t.synCount(ids[0]!), 2);
  assert.equal(t.replyFrame(ids[2]!), undefined);
  t.setReply(ids[2]!, Uint8Array.of(1, 2, 3), 3);
  assert.deepEqual([...t.replyFrame(ids[2]!)!], [1, 2, 3]);
});
