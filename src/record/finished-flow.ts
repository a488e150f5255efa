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

/**
 * The SYN fingerprint of a stored SYN frame, or undefined if the frame does not decode. Read in place, field by
 * field (it runs for every record of a flood; decoding whole headers into objects made a kilobyte of garbage each).
 */
export function synFingerprint(frame: Uint8Array, synCount: number): SynFingerprint | undefined {
  const end = frame.length;
  if (end < 14) return undefined;
  let type = (frame[12]! << 8) | frame[13]!;
  let off = 14;
  if (type === ETHERTYPE_VLAN) {
    if (end < 18) return undefined;
    type = (frame[16]! << 8) | frame[17]!;
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) return undefined;
    off = 18;
  } else if (type === ETHERTYPE_QINQ) {
    return undefined;
  }
  // the stored frame may be cut after the TCP header (a SYN can carry data), so read the IP fields directly
  let ttl: number;
  let ipId: number | undefined;
  let l4: number;
  if (type === 0x0800) {
    if (end - off < 20 || frame[off]! >> 4 !== 4) return undefined;
    ttl = frame[off + 8]!;
    ipId = (frame[off + 4]! << 8) | frame[off + 5]!;
    l4 = off + (frame[off]! & 0x0f) * 4;
  } else if (type === 0x86dd) {
    if (end - off < 40 || frame[off]! >> 4 !== 6) return undefined;
    ttl = frame[off + 7]!;
    l4 = off + 40;
  } else {
    return undefined;
  }
  if (end - l4 < 20) return undefined;
  const hlen = (frame[l4 + 12]! >> 4) * 4;
  if (hlen < 20 || l4 + hlen > end) return undefined;
  const window = (frame[l4 + 14]! << 8) | frame[l4 + 15]!;
  const options = shared(describeTcpOptionBytes(frame, l4 + 20, l4 + hlen));
  return ipId === undefined ? { ttl, window, options, syn_count: synCount } : { ttl, window, ip_id: ipId, options, syn_count: synCount };
}
