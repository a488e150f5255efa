// Flow ids: 26 characters of Crockford base32, time-ordered like a ULID (48-bit milliseconds, then 80 bits that are
// unique per process: 40 random bits drawn once and a 40-bit counter). Unique across sensors and restarts without
// coordination, sortable by time, cheap per record.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(value: bigint, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** `random` supplies 5 bytes once (crypto in production, fixed in tests). */
export function createFlowIdGenerator(random: Uint8Array): (tsMs: number) => string {
  if (random.length < 5) throw new RangeError('need 5 random bytes');
  let prefix = 0n;
  for (let i = 0; i < 5; i++) prefix = (prefix << 8n) | BigInt(random[i]!);
  let counter = 0n;
  return (tsMs: number) => {
    counter = (counter + 1n) & 0xffffffffffn;
    return base32(BigInt(Math.max(0, Math.floor(tsMs))) & 0xffffffffffffn, 10) + base32((prefix << 40n) | counter, 16);
  };
}
