// Node's Buffer#slice returns a view that shares memory (unlike Uint8Array#slice). The capture library reuses one
// Buffer for every frame, so anything kept beyond the current packet must be a real copy: always use copyBytes.

export function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(buf.subarray(start, end));
  return out;
}
