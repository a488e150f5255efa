// Flow ids: 26 characters of Crockford base32, time-ordered like a ULID (48-bit milliseconds, then 80 bits that are
// unique per process: 40 random bits drawn once and a 40-bit counter). Unique across sensors and restarts without
// coordination, sortable by time, cheap per record: plain number arithmetic (every part fits in 53 bits; BigInt
// made a couple of kilobytes of garbage per record), the random part encoded once.

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODES = Uint8Array.from(ALPHABET, (ch) => ch.charCodeAt(0));

/** `value` (an integer below 2^53) as `chars` base32 digits, most significant first. */
function base32(value: number, chars: number, out: Buffer, at: number): void {
  for (let i = at + chars - 1; i >= at; i--) {
    const digit = value % 32;
    out[i] = CODES[digit]!;
    value = (value - digit) / 32;
  }
}

const ID_CHARS = 26;

/** `random` supplies 5 bytes once (crypto in production, fixed in tests). */
export function createFlowIdGenerator(random: Uint8Array): (tsMs: number) => string {
  if (random.length < 5) throw new RangeError('need 5 random bytes');
  let prefix = 0;
  for (let i = 0; i < 5; i++) prefix = prefix * 256 + random[i]!;
  const digits = Buffer.alloc(ID_CHARS);
  // 10 characters of time, 8 of the random prefix (40 bits), 8 of the counter (40 bits)
  base32(prefix, 8, digits, 10);
  let counter = 0;
  let lastMs = -1;
  return (tsMs: number) => {
    counter = counter === 0xffffffffff ? 0 : counter + 1;
    const ms = Math.max(0, Math.floor(tsMs)) % 2 ** 48;
    if (ms !== lastMs) {
      base32(ms, 10, digits, 0);
      lastMs = ms;
    }
    base32(counter, 8, digits, 18);
    return digits.toString('latin1');
  };
}
