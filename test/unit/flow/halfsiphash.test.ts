import { test } from 'node:test';
import assert from 'node:assert/strict';
import { halfSipHash } from '../../../src/flow/halfsiphash.ts';

// Official HalfSipHash-2-4 32-bit vectors (reference implementation's vectors_hsip32): key 00..07, message
// bytes 00..n-1, read as little-endian words; the tag is printed little-endian.
test('HalfSipHash-2-4 matches the reference vectors', () => {
  const k0 = 0x03020100;
  const k1 = 0x07060504;
  assert.equal(halfSipHash(k0, k1, new Int32Array(0), 0), 0x5b9f35a9);
  assert.equal(halfSipHash(k0, k1, new Int32Array([0x03020100]), 1), 0x89466e2a);
});

test('HalfSipHash depends on every input word and on the key', () => {
  const w = new Int32Array([1, 2, 3]);
  const base = halfSipHash(11, 22, w, 3);
  for (let i = 0; i < 3; i++) {
    const x = Int32Array.from(w);
    x[i]! ^= 1;
    assert.notEqual(halfSipHash(11, 22, x, 3), base);
  }
  assert.notEqual(halfSipHash(12, 22, w, 3), base);
  assert.notEqual(halfSipHash(11, 22, w, 2), base);
});
