import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BucketArray, TokenBucket } from '../../../src/flow/token-bucket.ts';

test('token bucket: the burst at once, then the rate', () => {
  const b = new TokenBucket(100, 10, 0);
  let n = 0;
  for (let i = 0; i < 50; i++) if (b.tryTake(0)) n++;
  assert.equal(n, 10);
  assert.equal(b.tryTake(5), false, 'half a token after 5 ms');
  assert.equal(b.tryTake(10), true, 'one token after 10 ms at 100/s');
  n = 0;
  for (let t = 10; t <= 1010; t++) if (b.tryTake(t)) n++;
  assert.ok(n >= 99 && n <= 101, `about 100 in one second, got ${n}`);
  // refill never exceeds the burst
  n = 0;
  for (let i = 0; i < 50; i++) if (b.tryTake(1_000_000)) n++;
  assert.equal(n, 10);
});

test('token bucket with rate 0 is disabled', () => {
  const b = new TokenBucket(0, 1, 0);
  for (let i = 0; i < 1000; i++) assert.ok(b.tryTake(0));
});

test('token bucket ignores a clock that goes backwards', () => {
  const b = new TokenBucket(1000, 1, 100);
  assert.ok(b.tryTake(100));
  assert.equal(b.tryTake(50), false);
  assert.ok(b.tryTake(101));
});

test('bucket array: buckets are independent and memory is fixed', () => {
  const a = new BucketArray(10, 5, 1000);
  let x = 0;
  let y = 0;
  for (let i = 0; i < 100; i++) {
    if (a.tryTake(1, 0)) x++;
    if (a.tryTake(2, 0)) y++;
  }
  assert.equal(x, 5);
  assert.equal(y, 5);
  // hashes that differ only above the table size share a bucket (stricter, never looser)
  assert.equal(a.tryTake(1 + 1024, 0), false);
  assert.ok(a.tryTake(1, 100), 'refilled after 100 ms at 10/s');
  assert.ok(a.enabled);
  assert.equal(new BucketArray(0, 1).enabled, false);
});
