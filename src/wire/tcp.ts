// TCP header (RFC 9293 section 3.1) and options (RFC 9293 3.2, RFC 7323 timestamps/window scale, RFC 2018 SACK).
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |          Source Port          |       Destination Port        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                        Sequence Number                        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Acknowledgment Number                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Data |       |C|E|U|A|P|R|S|F|                               |
// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
// |       |       |R|E|G|K|H|T|N|N|                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           Checksum            |         Urgent Pointer        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                    Options                    |    Padding    |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

import { type Decoded, fail, ok } from './decode-result.ts';
import { copyBytes } from './bytes.ts';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;

export interface TcpHeader {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number; // unsigned 32-bit
  readonly ack: number; // unsigned 32-bit
  /** The 8 flag bits CWR..FIN (the 4 reserved bits are dropped). */
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly urgent: number;
  /** Raw option bytes, a multiple of 4 long (data offset > 5). */
  readonly options: Uint8Array;
}

export function tcpLength(h: Pick<TcpHeader, 'options'>): number {
  return 20 + h.options.length;
}

/** Decodes buf[off, end): data offset >= 5 and within the segment (RFC 9293 section 3.1). */
export function decodeTcp(buf: Uint8Array, off: number, end: number): Decoded<{ header: TcpHeader; payloadOffset: number }> {
  if (end - off < 20) return fail('tcp.truncated');
  const hlen = (buf[off + 12]! >> 4) * 4;
  if (hlen < 20 || off + hlen > end) return fail('tcp.bad_data_offset');
  const header: TcpHeader = {
    srcPort: (buf[off]! << 8) | buf[off + 1]!,
    dstPort: (buf[off + 2]! << 8) | buf[off + 3]!,
    seq: readU32(buf, off + 4),
    ack: readU32(buf, off + 8),
    flags: buf[off + 13]!,
    window: (buf[off + 14]! << 8) | buf[off + 15]!,
    checksum: (buf[off + 16]! << 8) | buf[off + 17]!,
    urgent: (buf[off + 18]! << 8) | buf[off + 19]!,
    options: copyBytes(buf, off + 20, off + hlen),
  };
  return ok({ header, payloadOffset: off + hlen });
}

/** Writes the header (checksum field as given; see `setTransportChecksum`). Returns the header length. */
export function encodeTcp(h: TcpHeader, buf: Uint8Array, off: number): number {
  if (h.options.length % 4 !== 0 || h.options.length > 40) throw new RangeError('TCP options must be a multiple of 4, at most 40 bytes');
  const hlen = 20 + h.options.length;
  buf[off] = h.srcPort >> 8;
  buf[off + 1] = h.srcPort & 0xff;
  buf[off + 2] = h.dstPort >> 8;
  buf[off + 3] = h.dstPort & 0xff;
  writeU32(buf, off + 4, h.seq);
  writeU32(buf, off + 8, h.ack);
  buf[off + 12] = (hlen / 4) << 4;
  buf[off + 13] = h.flags & 0xff;
  buf[off + 14] = h.window >> 8;
  buf[off + 15] = h.window & 0xff;
  buf[off + 16] = h.checksum >> 8;
  buf[off + 17] = h.checksum & 0xff;
  buf[off + 18] = h.urgent >> 8;
  buf[off + 19] = h.urgent & 0xff;
  buf.set(h.options, off + 20);
  return hlen;
}

export type TcpOption =
  | { readonly kind: 'mss'; readonly value: number }
  | { readonly kind: 'ws'; readonly shift: number }
  | { readonly kind: 'sok' }
  | { readonly kind: 'sack'; readonly blocks: readonly (readonly [number, number])[] }
  | { readonly kind: 'ts'; readonly value: number; readonly echo: number }
  | { readonly kind: 'nop' }
  | { readonly kind: 'eol' }
  | { readonly kind: 'other'; readonly type: number; readonly data: Uint8Array };

/**
 * Parses options in buf[off, end). Malformed options (a length below 2 or past the end) stop the parse, as a
 * receiving stack would; what was parsed before is kept and `malformed` is set.
 */
export function decodeTcpOptions(buf: Uint8Array, off: number, end: number): { options: TcpOption[]; malformed: boolean } {
  const options: TcpOption[] = [];
  let p = off;
  while (p < end) {
    const kind = buf[p]!;
    if (kind === TCPOPT_EOL) {
      options.push({ kind: 'eol' });
      break;
    }
    if (kind === TCPOPT_NOP) {
      options.push({ kind: 'nop' });
      p++;
      continue;
    }
    if (p + 1 >= end) return { options, malformed: true };
    const len = buf[p + 1]!;
    if (len < 2 || p + len > end) return { options, malformed: true };
    if (kind === TCPOPT_MSS && len === 4) options.push({ kind: 'mss', value: (buf[p + 2]! << 8) | buf[p + 3]! });
    else if (kind === TCPOPT_WSCALE && len === 3) options.push({ kind: 'ws', shift: buf[p + 2]! });
    else if (kind === TCPOPT_SACK_PERMITTED && len === 2) options.push({ kind: 'sok' });
    else if (kind === TCPOPT_TIMESTAMP && len === 10) options.push({ kind: 'ts', value: readU32(buf, p + 2), echo: readU32(buf, p + 6) });
    else if (kind === TCPOPT_SACK && len >= 10 && (len - 2) % 8 === 0) {
      const blocks: [number, number][] = [];
      for (let q = p + 2; q < p + len; q += 8) blocks.push([readU32(buf, q), readU32(buf, q + 4)]);
      options.push({ kind: 'sack', blocks });
    } else options.push({ kind: 'other', type: kind, data: copyBytes(buf, p + 2, p + len) });
    p += len;
  }
  return { options, malformed: false };
}

/** Encodes options and pads with EOL to a multiple of 4. */
export function encodeTcpOptions(options: readonly TcpOption[]): Uint8Array {
  const bytes: number[] = [];
  const u32 = (v: number) => bytes.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  for (const o of options) {
    switch (o.kind) {
      case 'eol': bytes.push(0); break;
      case 'nop': bytes.push(1); break;
      case 'mss': bytes.push(2, 4, o.value >> 8, o.value & 0xff); break;
      case 'ws': bytes.push(3, 3, o.shift); break;
      case 'sok': bytes.push(4, 2); break;
      case 'ts': bytes.push(8, 10); u32(o.value); u32(o.echo); break;
      case 'sack': bytes.push(5, 2 + 8 * o.blocks.length); for (const [l, r] of o.blocks) { u32(l); u32(r); } break;
      case 'other': bytes.push(o.type, 2 + o.data.length, ...o.data); break;
    }
  }
  while (bytes.length % 4 !== 0) bytes.push(0);
  return Uint8Array.from(bytes);
}

/** Compact text of the options in order, as in records' `syn.options`: "mss:1460,sok,ts,nop,ws:7". */
export function describeTcpOptions(options: readonly TcpOption[]): string {
  return options
    .map((o) => {
      switch (o.kind) {
        case 'mss': return `mss:${o.value}`;
        case 'ws': return `ws:${o.shift}`;
        case 'sok': return 'sok';
        case 'sack': return 'sack';
        case 'ts': return 'ts';
        case 'nop': return 'nop';
        case 'eol': return 'eol';
        case 'other': return `opt${o.type}`;
      }
    })
    .join(',');
}

/**
 * describeTcpOptions(decodeTcpOptions(buf, off, end).options) without the objects: the same text, read straight
 * from the bytes (the SYN fingerprint of every record).
 */
export function describeTcpOptionBytes(buf: Uint8Array, off: number, end: number): string {
  let out = '';
  let p = off;
  while (p < end) {
    const kind = buf[p]!;
    if (kind === TCPOPT_EOL) return out === '' ? 'eol' : `${out},eol`;
    let name: string;
    if (kind === TCPOPT_NOP) {
      name = 'nop';
      p++;
    } else {
      if (p + 1 >= end) return out;
      const len = buf[p + 1]!;
      if (len < 2 || p + len > end) return out;
      if (kind === TCPOPT_MSS && len === 4) name = `mss:${(buf[p + 2]! << 8) | buf[p + 3]!}`;
      else if (kind === TCPOPT_WSCALE && len === 3) name = `ws:${buf[p + 2]!}`;
      else if (kind === TCPOPT_SACK_PERMITTED && len === 2) name = 'sok';
      else if (kind === TCPOPT_TIMESTAMP && len === 10) name = 'ts';
      else if (kind === TCPOPT_SACK && len >= 10 && (len - 2) % 8 === 0) name = 'sack';
      else name = `opt${kind}`;
      p += len;
    }
    out = out === '' ? name : `${out},${name}`;
  }
  return out;
}

export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}
