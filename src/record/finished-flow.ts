// What the responder hands over when a flow ends: plain data with private copies of every byte, ready for
// labelling and record building off the hot path.

import type { CapturedFrame } from './captured-frame.ts';
import type { FinishedDialogue } from './dialogue.ts';
import type { EndReason, FlowState, SynFingerprint } from './flow-record.ts';
import { ETHERTYPE_QINQ, ETHERTYPE_VLAN } from '../wire/ethernet.ts';
import { describeTcpOptionBytes } from '../wire/tcp.ts';

/** A client message after the first: its offset in the payload and its first segment's length (its dsize). */
export interface ClientMessage {
  readonly offset: number;
  readonly dsize: number;
}

export interface FinishedFlow {
  readonly proto: 'tcp' | 'udp';
  readonly ipVersion: 4 | 6;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly state: FlowState;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly payload: Uint8Array;
  readonly truncated: boolean;
  /** Payload bytes of the first data segment or datagram (0: none); what Suricata's `dsize` tests. */
  readonly firstDataLen?: number;
  /** Where the client's later messages start in `payload` (it resumed after the server spoke); passive capture only. */
  readonly messages?: readonly ClientMessage[];
  readonly packets: number;
  readonly segments: number;
  readonly endReason: EndReason;
  readonly syn?: SynFingerprint;
  readonly frames?: readonly CapturedFrame[];
  /** A greeted flow's dialogue (--greet). */
  readonly dialogue?: FinishedDialogue;
}

/** Option texts seen (a few dozen in practice: one per TCP stack): a flood's queued flows share them. */
const OPTION_TEXTS = new Map<string, string>();
const OPTION_TEXTS_MAX = 4096;

function shared(text: string): string {
  const known = OPTION_TEXTS.get(text);
  if (known !== undefined) return known;
  if (OPTION_TEXTS.size < OPTION_TEXTS_MAX) OPTION_TEXTS.set(text, text);
  return text;
}

/** The fingerprint's fields of a SYN frame, where its TCP header starts and how long it is. */
export interface SynFields {
  ttl: number;
  /** -1: IPv6 (no IP id). */
  ipId: number;
  window: number;
  l4: number;
  hlen: number;
  /** Where the IP source address starts and its length (4 or 16). */
  addrOff: number;
  addrLen: number;
}

/** Fills `out` from a SYN frame; false if the frame does not decode far enough. Read in place, nothing allocated. */
export function readSynFields(frame: Uint8Array, out: SynFields): boolean {
  const end = frame.length;
  if (end < 14) return false;
  let type = (frame[12]! << 8) | frame[13]!;
  let off = 14;
  if (type === ETHERTYPE_VLAN) {
    if (end < 18) return false;
    type = (frame[16]! << 8) | frame[17]!;
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) return false;
    off = 18;
  } else if (type === ETHERTYPE_QINQ) {
    return false;
  }
  // the stored frame may be cut after the TCP header (a SYN can carry data), so read the IP fields directly
  if (type === 0x0800) {
    if (end - off < 20 || frame[off]! >> 4 !== 4) return false;
    out.ttl = frame[off + 8]!;
    out.ipId = (frame[off + 4]! << 8) | frame[off + 5]!;
    out.l4 = off + (frame[off]! & 0x0f) * 4;
    out.addrOff = off + 12;
    out.addrLen = 4;
  } else if (type === 0x86dd) {
    if (end - off < 40 || frame[off]! >> 4 !== 6) return false;
    out.ttl = frame[off + 7]!;
    out.ipId = -1;
    out.l4 = off + 40;
    out.addrOff = off + 8;
    out.addrLen = 16;
  } else {
    return false;
  }
  const l4 = out.l4;
  if (end - l4 < 20) return false;
  const hlen = (frame[l4 + 12]! >> 4) * 4;
  if (hlen < 20 || l4 + hlen > end) return false;
  out.hlen = hlen;
  out.window = (frame[l4 + 14]! << 8) | frame[l4 + 15]!;
  return true;
}

/** The fingerprint object (field order as in the record). */
export function fingerprintOf(ttl: number, window: number, ipId: number, options: string, synCount: number): SynFingerprint {
  const text = shared(options);
  return ipId < 0 ? { ttl, window, options: text, syn_count: synCount } : { ttl, window, ip_id: ipId, options: text, syn_count: synCount };
}

const SCRATCH: SynFields = { ttl: 0, ipId: 0, window: 0, l4: 0, hlen: 0, addrOff: 0, addrLen: 0 };

/**
 * The SYN fingerprint of a stored SYN frame, or undefined if the frame does not decode. Read in place, field by
 * field (it runs for every record of a flood; decoding whole headers into objects made a kilobyte of garbage each).
 */
export function synFingerprint(frame: Uint8Array, synCount: number): SynFingerprint | undefined {
  const f = SCRATCH;
  if (!readSynFields(frame, f)) return undefined;
  return fingerprintOf(f.ttl, f.window, f.ipId, describeTcpOptionBytes(frame, f.l4 + 20, f.l4 + f.hlen), synCount);
}
