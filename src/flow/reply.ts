// Builds the sensor's TCP replies (SYN-ACK, ACK, FIN-ACK) from the client's own frame: MACs, addresses and ports
// swapped, the 802.1Q tag kept, and the options a Linux server would send. Writes into a caller-owned buffer and
// allocates nothing, because this runs once per SYN on the hot path.

import type { FrameView } from '../wire/frame-view.ts';
import * as tcp from '../wire/tcp.ts';
import * as tc from '../wire/transport-checksum.ts';

// Imports used per packet are bound to module constants once: under tsx's CommonJS hooks (the launcher's choice
// on Node 20) every use of an imported binding is a getter call, which on the SYN path costs more than the work.
const { TCP_ACK, TCP_SYN, TCPOPT_EOL, TCPOPT_MSS, TCPOPT_NOP, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_WSCALE } = tcp;
const { transportChecksum } = tc;


/** Largest reply: Ethernet + 802.1Q (18) + IPv6 (40) + TCP with 20 bytes of options (40). */
export const MAX_REPLY_BYTES = 128;

/** Our window scale shift, as Linux picks for default buffers. */
export const OUR_WSCALE = 7;

/** What the client's SYN (or any segment) offered. Reused: fields are overwritten by `readClientOptions`. */
export interface ClientOptions {
  mss: number; // -1 when absent
  wscale: number; // -1 when absent
  sackOk: boolean;
  hasTs: boolean;
  tsVal: number;
}

export function createClientOptions(): ClientOptions {
  return { mss: -1, wscale: -1, sackOk: false, hasTs: false, tsVal: 0 };
}

/** Reads the options of the segment in `v` into `o`; stops at EOL or a malformed option like a real stack. */
export function readClientOptions(buf: Uint8Array, v: FrameView, o: ClientOptions): void {
  o.mss = -1;
  o.wscale = -1;
  o.sackOk = false;
  o.hasTs = false;
  let p = v.optOff;
  const end = v.optEnd;
  while (p < end) {
    const kind = buf[p]!;
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) { p++; continue; }
    if (p + 1 >= end) break;
    const len = buf[p + 1]!;
    if (len < 2 || p + len > end) break;
    if (kind === TCPOPT_MSS && len === 4) o.mss = (buf[p + 2]! << 8) | buf[p + 3]!;
    else if (kind === TCPOPT_WSCALE && len === 3) o.wscale = buf[p + 2]!;
    else if (kind === TCPOPT_SACK_PERMITTED && len === 2) o.sackOk = true;
    else if (kind === TCPOPT_TIMESTAMP && len === 10) {
      o.hasTs = true;
      o.tsVal = ((buf[p + 2]! << 24) | (buf[p + 3]! << 16) | (buf[p + 4]! << 8) | buf[p + 5]!) >>> 0;
    }
    p += len;
  }
}

/** What a reply needs of the frame it answers (a FrameView, or a greeted flow's stored header: data-segment.ts). */
export type ReplyEndpoints = Pick<FrameView, 'linkLen' | 'ipVersion' | 'srcOff' | 'dstOff' | 'srcPort' | 'dstPort'>;

/** Writes Ethernet (+802.1Q) and IP headers of a reply to `v`'s frame; returns the TCP header offset. */
export function writeLinkAndIp(inp: Uint8Array, v: ReplyEndpoints, out: Uint8Array, tcpLen: number, ipId: number): number {
  // MACs swapped; the rest of the link header (802.1Q tag, EtherType) copied as is
  for (let k = 0; k < 6; k++) {
    out[k] = inp[6 + k]!;
    out[6 + k] = inp[k]!;
  }
  for (let k = 12; k < v.linkLen; k++) out[k] = inp[k]!;
  const ip = v.linkLen;
  if (v.ipVersion === 4) {
    const total = 20 + tcpLen;
    out[ip] = 0x45;
    out[ip + 1] = 0;
    out[ip + 2] = total >> 8;
    out[ip + 3] = total & 0xff;
    out[ip + 4] = (ipId >> 8) & 0xff;
    out[ip + 5] = ipId & 0xff;
    out[ip + 6] = 0x40; // DF, as Linux sends with path MTU discovery
    out[ip + 7] = 0;
    out[ip + 8] = 64;
    out[ip + 9] = 6;
    out[ip + 10] = 0;
    out[ip + 11] = 0;
    for (let k = 0; k < 4; k++) {
      out[ip + 12 + k] = inp[v.dstOff + k]!;
      out[ip + 16 + k] = inp[v.srcOff + k]!;
    }
    let s = 0;
    for (let k = ip; k < ip + 20; k += 2) s += (out[k]! << 8) | out[k + 1]!;
    s = (s & 0xffff) + (s >>> 16);
    s = (s & 0xffff) + (s >>> 16);
    const c = ~s & 0xffff;
    out[ip + 10] = c >> 8;
    out[ip + 11] = c & 0xff;
    return ip + 20;
  }
  out[ip] = 0x60;
  out[ip + 1] = 0;
  out[ip + 2] = 0;
  out[ip + 3] = 0;
  out[ip + 4] = tcpLen >> 8;
  out[ip + 5] = tcpLen & 0xff;
  out[ip + 6] = 6;
  out[ip + 7] = 64;
  for (let k = 0; k < 16; k++) {
    out[ip + 8 + k] = inp[v.dstOff + k]!;
    out[ip + 24 + k] = inp[v.srcOff + k]!;
  }
  return ip + 40;
}

export function writeTcp(out: Uint8Array, t: number, v: ReplyEndpoints, seq: number, ack: number, flags: number, window: number, hlen: number): void {
  out[t] = v.dstPort >> 8;
  out[t + 1] = v.dstPort & 0xff;
  out[t + 2] = v.srcPort >> 8;
  out[t + 3] = v.srcPort & 0xff;
  out[t + 4] = (seq >>> 24) & 0xff;
  out[t + 5] = (seq >>> 16) & 0xff;
  out[t + 6] = (seq >>> 8) & 0xff;
  out[t + 7] = seq & 0xff;
  out[t + 8] = (ack >>> 24) & 0xff;
  out[t + 9] = (ack >>> 16) & 0xff;
  out[t + 10] = (ack >>> 8) & 0xff;
  out[t + 11] = ack & 0xff;
  out[t + 12] = (hlen >> 2) << 4;
  out[t + 13] = flags;
  out[t + 14] = window >> 8;
  out[t + 15] = window & 0xff;
  out[t + 16] = 0;
  out[t + 17] = 0;
  out[t + 18] = 0;
  out[t + 19] = 0;
}

export function writeU32(out: Uint8Array, p: number, x: number): void {
  out[p] = (x >>> 24) & 0xff;
  out[p + 1] = (x >>> 16) & 0xff;
  out[p + 2] = (x >>> 8) & 0xff;
  out[p + 3] = x & 0xff;
}

export function finishTcp(out: Uint8Array, v: ReplyEndpoints, t: number, tcpLen: number): void {
  const c = transportChecksum(out, v.linkLen, v.ipVersion, 6, t, tcpLen);
  out[t + 16] = c >> 8;
  out[t + 17] = c & 0xff;
}

/**
 * The SYN-ACK for the SYN in `inp`/`v` with the client's options `o`: seq = isn, ack = client seq + 1, options in
 * Linux's order and layout (MSS; SACK-permitted and timestamps packed as "04 02 08 0a" or padded with NOPs; NOP
 * and window scale), the window a multiple of the MSS like Linux's initial receive window. Returns the length.
 */
export function buildSynAck(inp: Uint8Array, v: FrameView, o: ClientOptions, out: Uint8Array, isn: number, tsNow: number, ourMss: number): number {
  let optLen = 4;
  if (o.hasTs) optLen += 12;
  else if (o.sackOk) optLen += 4;
  if (o.wscale >= 0) optLen += 4;
  const hlen = 20 + optLen;
  const t = writeLinkAndIp(inp, v, out, hlen, 0);
  const effMss = o.hasTs ? ourMss - 12 : ourMss;
  const window = Math.floor(65535 / effMss) * effMss;
  writeTcp(out, t, v, isn, (v.seq + 1) >>> 0, TCP_SYN | TCP_ACK, window, hlen);
  let p = t + 20;
  out[p++] = TCPOPT_MSS; out[p++] = 4; out[p++] = ourMss >> 8; out[p++] = ourMss & 0xff;
  if (o.hasTs) {
    if (o.sackOk) { out[p++] = TCPOPT_SACK_PERMITTED; out[p++] = 2; }
    else { out[p++] = TCPOPT_NOP; out[p++] = TCPOPT_NOP; }
    out[p++] = TCPOPT_TIMESTAMP; out[p++] = 10;
    writeU32(out, p, tsNow); p += 4;
    writeU32(out, p, o.tsVal); p += 4;
  } else if (o.sackOk) {
    out[p++] = TCPOPT_NOP; out[p++] = TCPOPT_NOP; out[p++] = TCPOPT_SACK_PERMITTED; out[p++] = 2;
  }
  if (o.wscale >= 0) {
    out[p++] = TCPOPT_NOP; out[p++] = TCPOPT_WSCALE; out[p++] = 3; out[p++] = OUR_WSCALE;
  }
  finishTcp(out, v, t, hlen);
  return t + hlen;
}

/**
 * An ACK (optionally with FIN) answering the segment in `inp`/`v`. Carries a timestamp option echoing the
 * client's when the segment had one (RFC 7323 section 3.2: once negotiated, every segment carries it).
 */
export function buildAck(inp: Uint8Array, v: FrameView, o: ClientOptions, out: Uint8Array, seq: number, ack: number, flags: number, window: number, tsNow: number, ipId: number): number {
  const hlen = o.hasTs ? 32 : 20;
  const t = writeLinkAndIp(inp, v, out, hlen, ipId);
  writeTcp(out, t, v, seq, ack, flags, window, hlen);
  if (o.hasTs) {
    out[t + 20] = TCPOPT_NOP;
    out[t + 21] = TCPOPT_NOP;
    out[t + 22] = TCPOPT_TIMESTAMP;
    out[t + 23] = 10;
    writeU32(out, t + 24, tsNow);
    writeU32(out, t + 28, o.tsVal);
  }
  finishTcp(out, v, t, hlen);
  return t + hlen;
}
