// parseIpv4 is a one-pass parser (every record's addresses go through it); it must accept exactly what the
// definition accepts: four dot-separated decimal parts, each 0-255, without leading zeros.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIpv4 } from '../../../src/wire/address.ts';

const PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
function reference(text: string): number[] | null {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => PART.test(p)) ? parts.map(Number) : null;
}
const asArray = (b: Uint8Array | null) => (b === null ? null : [...b]);

test('parseIpv4 agrees with the definition (generated texts)', () => {
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', 'a', ' ', '3'), maxLength: 18 }),
    fc.ipV4(),
    fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((a) => a.join('.')),
  );
  fc.assert(fc.property(text, (t) => assert.deepEqual(asArray(parseIpv4(t)), reference(t), t)), { numRuns: 20000 });
});

test('parseIpv4 table', () => {
  const cases: [string, number[] | null][] = [
    ['0.0.0.0', [0, 0, 0, 0]], ['255.255.255.255', [255, 255, 255, 255]], ['192.0.2.1', [192, 0, 2, 1]],
    ['256.0.0.1', null], ['01.2.3.4', null], ['1.2.3', null], ['1.2.3.4.5', null], ['1..3.4', null], ['.1.2.3', null],
    ['1.2.3.4.', null], ['1.2.3.04', null], ['1.2.3.0004', null], ['1.2.3.a', null], [' 1.2.3.4', null], ['', null],
  ];
  for (const [t, want] of cases) assert.deepEqual(asArray(parseIpv4(t)), want, t);
});
