// Capture files as tcpdump, Wireshark, lurker and synbait's own --pcap archives write them: classic libpcap
// (pcap-savefile(5); draft-ietf-opsawg-pcap) and pcapng (draft-ietf-opsawg-pcapng). Pure decoders over a buffer
// with explicit offsets: a reader feeds them whatever bytes it holds and learns either a record, "need more bytes",
// or a failure with a closed reason code. No I/O here.
//
//   pcap global header (24 bytes)          pcap record header (16 bytes)
//   +--------------------------------+     +------------------+------------------+
//   | magic (a1b2c3d4 µs, a1b23c4d ns)|     | ts seconds       | ts fraction      |
//   | major 2 | minor 4              |     | incl_len         | orig_len         |
//   | thiszone | sigfigs | snaplen   |     +------------------+------------------+  then incl_len bytes
//   | linktype (low 16 bits)         |
//   +--------------------------------+
//
//   pcapng block: type (4) | total length (4) | body ... | total length (4), every block 32-bit aligned;
//   the Section Header Block (0x0a0d0d0a) holds the byte-order magic 1a2b3c4d that fixes the section's endianness,
//   Interface Description Blocks (1) give each interface's link type and timestamp resolution (option if_tsresol),
//   Enhanced (6), Simple (3) and the obsolete Packet (2) blocks carry packets. Other blocks are skipped.

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** Longest record accepted: pcap's largest snaplen (262144) with room; anything larger is garbage. */
export const MAX_CAPTURE_RECORD = 262_144 + 65_536;
/** Longest pcapng block accepted (name resolution or comment blocks can be large, never this large). */
export const MAX_PCAPNG_BLOCK = 16 * 1024 * 1024;

export const CAPTURE_REASONS = [
  'capture.need_more', // not a failure: the record continues beyond the bytes given
  'capture.unknown_format',
  'pcap.bad_version',
  'pcap.record_too_large',
  'pcapng.bad_byte_order',
  'pcapng.bad_block_length',
  'pcapng.block_before_section',
  'pcapng.unknown_interface',
  'pcapng.bad_packet_length',
] as const;
export type CaptureReason = (typeof CAPTURE_REASONS)[number];

export type CaptureResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: CaptureReason };

interface Interface {
  readonly linkType: number;
  /** Timestamp units per second (if_tsresol). */
  readonly unitsPerSecond: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  readonly offsetSeconds: number;
}

/** What a decoder has learned of the file so far (the reader keeps it between calls). */
export interface CaptureState {
  format: 'pcap' | 'pcapng' | undefined;
  littleEndian: boolean;
  /** pcap: the file's link type and timestamp fraction unit. */
  linkType: number;
  nanos: boolean;
  /** pcapng: the current section's interfaces; undefined before the first section header. */
  interfaces: Interface[] | undefined;
}

export function createCaptureState(): CaptureState {
  return { format: undefined, littleEndian: true, linkType: 0, nanos: false, interfaces: undefined };
}

/** One packet of the file: its bytes are buf[dataOff, dataOff + dataLen). */
export interface CapturePacket {
  readonly tsMs: number;
  readonly linkType: number;
  readonly dataOff: number;
  readonly dataLen: number;
  /** Length on the wire (more than dataLen when the capture cut the packet). */
  readonly origLen: number;
}

/** The next unit of the file at `off`: a packet, or null for a header or a block without a packet. */
export interface CaptureStep {
  readonly packet: CapturePacket | null;
  /** Offset after this unit. */
  readonly next: number;
}

const fail = (reason: CaptureReason): CaptureResult<never> => ({ ok: false, reason });
const NEED_MORE = fail('capture.need_more');

/** Decodes the unit at buf[off, end), updating `state` (the file's format, a section's interfaces). */
export function decodeCaptureStep(buf: Uint8Array, off: number, end: number, state: CaptureState): CaptureResult<CaptureStep> {
  if (state.format === undefined) return decodeFileStart(buf, off, end, state);
  return state.format === 'pcap' ? decodePcapRecord(buf, off, end, state) : decodePcapngBlock(buf, off, end, state);
}

function u32(buf: Uint8Array, off: number, le: boolean): number {
  return le
    ? (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0
    : ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

function u16(buf: Uint8Array, off: number, le: boolean): number {
  return le ? buf[off]! | (buf[off + 1]! << 8) : (buf[off]! << 8) | buf[off + 1]!;
}

function decodeFileStart(buf: Uint8Array, off: number, end: number, state: CaptureState): CaptureResult<CaptureStep> {
  if (end - off < 4) return NEED_MORE;
  const be = u32(buf, off, false);
  if (be === 0x0a0d0d0a) {
    state.format = 'pcapng';
    return decodePcapngBlock(buf, off, end, state);
  }
  const magics: Record<number, [boolean, boolean]> = {
    0xa1b2c3d4: [false, false], 0xd4c3b2a1: [true, false], 0xa1b23c4d: [false, true], 0x4d3cb2a1: [true, true],
  };
  const m = magics[be];
  if (!m) return fail('capture.unknown_format');
  if (end - off < 24) return NEED_MORE;
  const [le, nanos] = m;
  // RFC-draft section 4: major version 2 (minor 4; 2.3 files exist and read the same)
  if (u16(buf, off + 4, le) !== 2) return fail('pcap.bad_version');
  state.format = 'pcap';
  state.littleEndian = le;
  state.nanos = nanos;
  state.linkType = u32(buf, off + 20, le) & 0xffff;
  return { ok: true, value: { packet: null, next: off + 24 } };
}

function decodePcapRecord(buf: Uint8Array, off: number, end: number, state: CaptureState): CaptureResult<CaptureStep> {
  if (end - off < 16) return NEED_MORE;
  const le = state.littleEndian;
  const incl = u32(buf, off + 8, le);
  if (incl > MAX_CAPTURE_RECORD) return fail('pcap.record_too_large');
  if (end - off < 16 + incl) return NEED_MORE;
  const sec = u32(buf, off, le);
  const frac = u32(buf, off + 4, le);
  const packet: CapturePacket = {
    tsMs: sec * 1000 + (state.nanos ? frac / 1e6 : frac / 1e3),
    linkType: state.linkType,
    dataOff: off + 16,
    dataLen: incl,
    origLen: u32(buf, off + 12, le),
  };
  return { ok: true, value: { packet, next: off + 16 + incl } };
}

function decodePcapngBlock(buf: Uint8Array, off: number, end: number, state: CaptureState): CaptureResult<CaptureStep> {
  if (end - off < 12) return NEED_MORE;
  let le = state.littleEndian;
  const typeBe = u32(buf, off, false);
  if (typeBe === 0x0a0d0d0a) {
    const bom = u32(buf, off + 8, true);
    if (bom === 0x1a2b3c4d) le = true;
    else if (bom === 0x4d3c2b1a) le = false;
    else return fail('pcapng.bad_byte_order');
  } else if (state.interfaces === undefined) {
    return fail('pcapng.block_before_section');
  }
  const type = u32(buf, off, le);
  const total = u32(buf, off + 4, le);
  if (total < 12 || total % 4 !== 0 || total > MAX_PCAPNG_BLOCK) return fail('pcapng.bad_block_length');
  if (end - off < total) return NEED_MORE;
  if (u32(buf, off + total - 4, le) !== total) return fail('pcapng.bad_block_length');
  const body = off + 8;
  const bodyEnd = off + total - 4;
  const next = off + total;
  switch (type) {
    case 0x0a0d0d0a:
      state.littleEndian = le;
      state.interfaces = [];
      return { ok: true, value: { packet: null, next } };
    case 1:
      if (bodyEnd - body < 8) return fail('pcapng.bad_block_length');
      state.interfaces!.push(readInterface(buf, body, bodyEnd, le));
      return { ok: true, value: { packet: null, next } };
    case 6:
    case 2:
      return packetBlock(buf, body, bodyEnd, next, type === 2, state);
    case 3:
      return simplePacket(buf, body, bodyEnd, next, state);
    default:
      return { ok: true, value: { packet: null, next } };
  }
}

/** Interface Description Block body: link type, snaplen, then options (if_tsresol 9, if_tsoffset 14). */
function readInterface(buf: Uint8Array, body: number, bodyEnd: number, le: boolean): Interface {
  const linkType = u16(buf, body, le);
  let unitsPerSecond = 1e6;
  let offsetSeconds = 0;
  for (let p = body + 8; p + 4 <= bodyEnd;) {
    const code = u16(buf, p, le);
    const len = u16(buf, p + 2, le);
    if (code === 0 || p + 4 + len > bodyEnd) break;
    if (code === 9 && len >= 1) {
      const r = buf[p + 4]!;
      unitsPerSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
    } else if (code === 14 && len >= 8) {
      const [lo, hi] = le ? [u32(buf, p + 4, le), u32(buf, p + 8, le)] : [u32(buf, p + 8, le), u32(buf, p + 4, le)];
      offsetSeconds = (hi | 0) * 4294967296 + lo; // signed 64-bit
    }
    p += 4 + ((len + 3) & ~3);
  }
  return { linkType, unitsPerSecond, offsetSeconds };
}

/** Enhanced Packet Block (or the obsolete Packet Block: 16-bit interface id and a drops count). */
function packetBlock(buf: Uint8Array, body: number, bodyEnd: number, next: number, obsolete: boolean, state: CaptureState): CaptureResult<CaptureStep> {
  const le = state.littleEndian;
  if (bodyEnd - body < 20) return fail('pcapng.bad_block_length');
  const ifId = obsolete ? u16(buf, body, le) : u32(buf, body, le);
  const iface = state.interfaces![ifId];
  if (!iface) return fail('pcapng.unknown_interface');
  const units = u32(buf, body + 4, le) * 4294967296 + u32(buf, body + 8, le);
  const capLen = u32(buf, body + 12, le);
  if (body + 20 + capLen > bodyEnd) return fail('pcapng.bad_packet_length');
  const packet: CapturePacket = {
    tsMs: (units / iface.unitsPerSecond + iface.offsetSeconds) * 1000,
    linkType: iface.linkType,
    dataOff: body + 20,
    dataLen: capLen,
    origLen: u32(buf, body + 16, le),
  };
  return { ok: true, value: { packet, next } };
}

/** Simple Packet Block: interface 0, no timestamp (0), the captured length is what the block holds. */
function simplePacket(buf: Uint8Array, body: number, bodyEnd: number, next: number, state: CaptureState): CaptureResult<CaptureStep> {
  const iface = state.interfaces![0];
  if (!iface) return fail('pcapng.unknown_interface');
  if (bodyEnd - body < 4) return fail('pcapng.bad_block_length');
  const origLen = u32(buf, body, state.littleEndian);
  const dataLen = Math.min(origLen, bodyEnd - body - 4);
  return { ok: true, value: { packet: { tsMs: 0, linkType: iface.linkType, dataOff: body + 4, dataLen, origLen }, next } };
}

/**
 * Where the IP packet of a link-layer frame starts, and its EtherType, for the link types synbait reads: Ethernet
 * (returned as is: the sensor's own decoder takes it), Linux cooked (SLL, SLL2: tcpdump -i any), raw IP, BSD
 * loopback. null: a link type we do not read, or a frame too short for its header.
 */
export function linkPayload(linkType: number, buf: Uint8Array, off: number, len: number): { readonly ipOff: number; readonly etherType: number } | null {
  switch (linkType) {
    case LINKTYPE_LINUX_SLL:
      return len < 16 ? null : { ipOff: off + 16, etherType: (buf[off + 14]! << 8) | buf[off + 15]! };
    case LINKTYPE_LINUX_SLL2:
      return len < 20 ? null : { ipOff: off + 20, etherType: (buf[off]! << 8) | buf[off + 1]! };
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return len < 1 ? null : { ipOff: off, etherType: buf[off]! >> 4 === 6 ? 0x86dd : 0x0800 };
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (len < 4) return null;
      // the address family, in the writer's byte order (NULL) or network order (LOOP): 2 = IPv4, 24/28/30 = IPv6;
      // families are small numbers, so whichever reading is small is the right one
      const leFam = u32(buf, off, true);
      const fam = leFam < 256 ? leFam : u32(buf, off, false);
      return { ipOff: off + 4, etherType: fam === 2 ? 0x0800 : fam === 24 || fam === 28 || fam === 30 ? 0x86dd : 0 };
    }
    default:
      return null;
  }
}
