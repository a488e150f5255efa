// Bounds-checked big/little-endian reads over a Uint8Array window [0, end). Out of range reads return -1, so
// parsers test one value instead of wrapping every read in a length check.

export function u8(b: Uint8Array, off: number, end = b.length): number {
  return off >= 0 && off + 1 <= end && off + 1 <= b.length ? b[off]! : -1;
}
export function u16be(b: Uint8Array, off: number, end = b.length): number {
  return off >= 0 && off + 2 <= end && off + 2 <= b.length ? (b[off]! << 8) | b[off + 1]! : -1;
}
export function u16le(b: Uint8Array, off: number, end = b.length): number {
  return off >= 0 && off + 2 <= end && off + 2 <= b.length ? b[off]! | (b[off + 1]! << 8) : -1;
}
export function u24be(b: Uint8Array, off: number, end = b.length): number {
  return off >= 0 && off + 3 <= end && off + 3 <= b.length ? (b[off]! << 16) | (b[off + 1]! << 8) | b[off + 2]! : -1;
}
export function u32be(b: Uint8Array, off: number, end = b.length): number {
  return off >= 0 && off + 4 <= end && off + 4 <= b.length
    ? ((b[off]! << 24) >>> 0) + ((b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!)
    : -1;
}
export function u32le(b: Uint8Array, off: number, end = b.length): number {
  return off >= 0 && off + 4 <= end && off + 4 <= b.length
    ? ((b[off + 3]! << 24) >>> 0) + ((b[off + 2]! << 16) | (b[off + 1]! << 8) | b[off]!)
    : -1;
}
/** latin1 text of b[off, off+len), clipped to the buffer. */
export function latin1(b: Uint8Array, off: number, len: number): string {
  const end = Math.min(b.length, off + len);
  let s = '';
  for (let i = Math.max(0, off); i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}
/** Printable ASCII only (control and high bytes become "."), for facts that end up in logs and reports. */
export function printable(s: string, max = 256): string {
  const t = s.length > max ? s.slice(0, max) : s;
  return t.replace(/[^\x20-\x7e]/g, '.');
}
