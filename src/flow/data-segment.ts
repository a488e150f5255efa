// Our data segments (and the FINs and probes a greeting sends on a timer), built like every reply (reply.ts) but
// from a greeted flow's stored link and IP header rather than the frame being answered: a retransmission has no
// frame to answer. With timestamps negotiated every segment carries them (RFC 7323 3.2).

import * as tcp from '../wire/tcp.ts';
import { type ReplyEndpoints, finishTcp, writeLinkAndIp, writeTcp, writeU32 } from './reply.ts';

const { TCPOPT_NOP, TCPOPT_TIMESTAMP } = tcp;

/** Ethernet + 802.1Q (18) + IPv6 (40) + TCP with timestamps (32) in front of the data. */
export const SEGMENT_OVERHEAD = 90;

export interface SegmentTimestamps {
  readonly tsVal: number;
  readonly tsEcr: number;
}

/**
 * A segment to the client of `hdr`/`ep` (a copy of its frame up to the TCP header) carrying data[off, off+len).
 * Returns the frame length written into `out`.
 */
export function buildDataSegment(
  hdr: Uint8Array, ep: ReplyEndpoints, out: Uint8Array, seq: number, ack: number, flags: number, window: number,
  ts: SegmentTimestamps | null, ipId: number, data: Uint8Array, off: number, len: number,
): number {
  const hlen = ts ? 32 : 20;
  const t = writeLinkAndIp(hdr, ep, out, hlen + len, ipId);
  writeTcp(out, t, ep, seq, ack, flags, window, hlen);
  if (ts) {
    out[t + 20] = TCPOPT_NOP;
    out[t + 21] = TCPOPT_NOP;
    out[t + 22] = TCPOPT_TIMESTAMP;
    out[t + 23] = 10;
    writeU32(out, t + 24, ts.tsVal);
    writeU32(out, t + 28, ts.tsEcr);
  }
  if (len > 0) out.set(data.subarray(off, off + len), t + hlen);
  finishTcp(out, ep, t, hlen + len);
  return t + hlen + len;
}
