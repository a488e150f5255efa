// What the responder hands over when a flow ends: plain data with private copies of every byte, ready for
// labelling and record building off the hot path.

import type { CapturedFrame } from './captured-frame.ts';
import type { FinishedDialogue } from './dialogue.ts';
import type { EndReason, FlowState, SynFingerprint } from './flow-record.ts';
import { decodeEthernet } from '../wire/ethernet.ts';
import { decodeTcp, decodeTcpOptions, describeTcpOptions } from '../wire/tcp.ts';

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

/** The SYN fingerprint of a stored SYN frame, or undefined if the frame does not decode. */
export function synFingerprint(frame: Uint8Array, synCount: number): SynFingerprint | undefined {
  const eth = decodeEthernet(frame, 0, frame.length);
  if (!eth.ok) return undefined;
  const off = eth.value.payloadOffset;
  // the stored frame may be cut after the TCP header (a SYN can carry data), so read the IP fields directly
  let ttl: number;
  let ipId: number | undefined;
  let l4: number;
  if (eth.value.header.etherType === 0x0800) {
    if (frame.length - off < 20 || frame[off]! >> 4 !== 4) return undefined;
    ttl = frame[off + 8]!;
    ipId = (frame[off + 4]! << 8) | frame[off + 5]!;
    l4 = off + (frame[off]! & 0x0f) * 4;
  } else if (eth.value.header.etherType === 0x86dd) {
    if (frame.length - off < 40 || frame[off]! >> 4 !== 6) return undefined;
    ttl = frame[off + 7]!;
    l4 = off + 40;
  } else {
    return undefined;
  }
  const tcp = decodeTcp(frame, l4, frame.length);
  if (!tcp.ok) return undefined;
  const opts = decodeTcpOptions(tcp.value.header.options, 0, tcp.value.header.options.length);
  return {
    ttl,
    window: tcp.value.header.window,
    ...(ipId === undefined ? {} : { ip_id: ipId }),
    options: describeTcpOptions(opts.options),
    syn_count: synCount,
  };
}
