// The installed `cap` addon is the patched one (patches/cap+0.2.1.patch, applied and rebuilt by npm's postinstall):
// a build from the unpatched source lacks these, and the sensor would then abort when its device goes away. Only
// argument checks run here (no device, no root); the functions' behaviour is tested end to end
// (test/e2e/capture-lost.test.ts, kernel-drops.test.ts, snaplen.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import capModule from 'cap';

test('the addon has stats() and setFilter(), and open() takes a snapshot length', () => {
  const c = new capModule.Cap();
  assert.equal(typeof c.stats, 'function');
  assert.equal(typeof c.setFilter, 'function');
  assert.throws(() => c.stats(), /not currently capturing/i);
  assert.throws(() => c.setFilter('tcp'), /not currently capturing/i);
  assert.throws(() => c.setFilter(42 as unknown as string), TypeError);
  assert.throws(() => c.open('lo', '', 1 << 20, Buffer.alloc(100), 10), RangeError);
  assert.throws(() => c.open('lo', '', 1 << 20, Buffer.alloc(100), -1), TypeError);
});
