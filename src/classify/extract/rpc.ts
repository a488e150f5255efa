// ONC RPC call (RFC 5531 §9): xid, msg_type (0 = CALL), rpcvers (2), prog, vers, proc, then credentials.
// Over TCP each record is sent as fragments behind a 4-byte record mark (§11): high bit = last fragment,
// low 31 bits = fragment length. Attackers split a call into many tiny fragments to evade IDS matching
// ("small piece fragmentation"); we reassemble the first record and report how it was cut.

import { u32be } from './bytes.ts';

export interface RpcCall {
  readonly xid: number;
  readonly program: number;
  readonly version: number;
  readonly procedure: number;
  /** TCP: fragments that made the first record (1 when not fragmented); UDP: 0. */
  readonly fragments: number;
  /** TCP: the smallest fragment length seen in the first record. */
  readonly minFragment?: number;
}

/** Reads a call from the message body m (xid first). */
function readCall(m: Uint8Array, fragments: number, minFragment?: number): RpcCall | null {
  if (m.length < 24) return null;
  if (u32be(m, 4) !== 0 || u32be(m, 8) !== 2) return null;
  return {
    xid: u32be(m, 0), program: u32be(m, 12), version: u32be(m, 16), procedure: u32be(m, 20), fragments,
    ...(minFragment !== undefined && { minFragment }),
  };
}

export function parseRpcCall(b: Uint8Array, tcp: boolean): RpcCall | null {
  if (!tcp) return readCall(b, 0);
  const parts: Uint8Array[] = [];
  let total = 0;
  let off = 0;
  let min = Infinity;
  for (let n = 0; n < 256; n++) {
    const mark = u32be(b, off);
    if (mark < 0) break;
    const len = mark & 0x7fffffff;
    const last = mark >= 0x80000000;
    if (len === 0 && !last) return null;
    const take = Math.min(len, b.length - off - 4);
    if (take <= 0 && len > 0) break;
    parts.push(b.subarray(off + 4, off + 4 + take));
    total += take;
    min = Math.min(min, len);
    off += 4 + len;
    if (last || total >= 64) break; // 24 bytes of call header is all we read; 64 is ample
  }
  if (parts.length === 0) return null;
  const m = new Uint8Array(total);
  let p = 0;
  for (const x of parts) {
    m.set(x, p);
    p += x.length;
  }
  return readCall(m, parts.length, min === Infinity ? undefined : min);
}
