// HalfSipHash-2-4 with a 32-bit output (Aumasson & Bernstein; the variant Linux uses for SYN cookies on 32-bit
// hosts). A keyed PRF: without the key an attacker cannot predict or forge its output. It runs over 32-bit words
// that we lay out ourselves (addresses and ports), so there is no byte-string input and no allocation.

const rotl = (x: number, b: number): number => (x << b) | (x >>> (32 - b));

/** Hashes words[0, n) under the 64-bit key (k0, k1). */
export function halfSipHash(k0: number, k1: number, words: Int32Array, n: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  for (let i = 0; i < n; i++) {
    const m = words[i]!;
    v3 ^= m;
    for (let r = 0; r < 2; r++) {
      v0 = (v0 + v1) | 0; v1 = rotl(v1, 5); v1 ^= v0; v0 = rotl(v0, 16);
      v2 = (v2 + v3) | 0; v3 = rotl(v3, 8); v3 ^= v2;
      v0 = (v0 + v3) | 0; v3 = rotl(v3, 7); v3 ^= v0;
      v2 = (v2 + v1) | 0; v1 = rotl(v1, 13); v1 ^= v2; v2 = rotl(v2, 16);
    }
    v0 ^= m;
  }
  const b = ((n * 4) << 24) | 0;
  v3 ^= b;
  for (let r = 0; r < 2; r++) {
    v0 = (v0 + v1) | 0; v1 = rotl(v1, 5); v1 ^= v0; v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0; v3 = rotl(v3, 8); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = rotl(v3, 7); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = rotl(v1, 13); v1 ^= v2; v2 = rotl(v2, 16);
  }
  v0 ^= b;
  v2 ^= 0xff;
  for (let r = 0; r < 4; r++) {
    v0 = (v0 + v1) | 0; v1 = rotl(v1, 5); v1 ^= v0; v0 = rotl(v0, 16);
    v2 = (v2 + v3) | 0; v3 = rotl(v3, 8); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = rotl(v3, 7); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = rotl(v1, 13); v1 ^= v2; v2 = rotl(v2, 16);
  }
  return (v1 ^ v3) >>> 0;
}
