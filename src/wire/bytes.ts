// Node's Buffer#slice returns a view that shares memory (unlike Uint8Array#slice). The capture library reuses one
// Buffer for every frame, so anything kept beyond the current packet must be a real copy: always use copyBytes.

export function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(buf.subarray(start, end));
  return out;
}

/** The chunks joined into one array (the only chunk itself when there is one). */
export function concatChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
