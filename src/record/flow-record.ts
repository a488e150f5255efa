// The FlowRecord: one per connection attempt (TCP) or datagram flow (UDP). Documented in docs/record-schema.md;
// bump RECORD_SCHEMA_VERSION on any incompatible change and describe it there.

import type { DialogueRecord } from './dialogue.ts';

export const RECORD_SCHEMA_VERSION = 1;

export type FlowState = 'syn' | 'acked' | 'udp';

/** Why the flow ended. */
export type EndReason =
  | 'timeout' // flow-timeout seconds of silence
  | 'fin' // the client closed (TCP)
  | 'rst' // the client reset (TCP)
  | 'evicted' // a table or byte cap forced it out early (oldest first)
  | 'shutdown' // the sensor stopped
  | 'server_rst' // synbait label: the server reset the connection (a closed port)
  | 'capture_end'; // synbait label: the capture file ended

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export type LabelCategory =
  | 'scanner'
  | 'exploit'
  | 'c2'
  | 'bruteforce'
  | 'recon'
  | 'dos'
  | 'malware'
  | 'tool'
  | 'probe';

/** A threat label from a signature rule. */
export interface Label {
  readonly id: string; // stable rule id, e.g. "sb-1001"
  readonly rev: number;
  readonly name: string; // e.g. "SIPVicious Scanner Detection"
  readonly category: LabelCategory;
  readonly severity: Severity;
}

/**
 * A label from a community rule (Suricata / ET Open, src/classify/suricata): identified by its sid (and gid when
 * not 1) within a ruleset, with the rule's msg as name, its classtype as category and a severity from its
 * priority (1 high, 2 medium, 3 low, 4+ info). Records carry them after our own labels (docs/signatures.md).
 */
export interface CommunityLabel {
  readonly sid: number;
  readonly gid?: number;
  readonly rev: number;
  readonly name: string;
  readonly category: string; // classtype, e.g. "web-application-attack"; "" when the rule has none
  readonly severity: Severity;
  readonly ruleset: string; // e.g. "et/open"
}

/** What a record's labels hold: ours (id) and community rules' (sid + ruleset). */
export type RecordLabel = Label | CommunityLabel;

export const isCommunityLabel = (l: RecordLabel): l is CommunityLabel => 'sid' in l;

/** A label's identity, for counting and novelty: `sb-2011`, or `et/open:2034647` (`et/open:3:2200003` for gid 3). */
export function labelKey(l: RecordLabel): string {
  if (!isCommunityLabel(l)) return l.id;
  return l.gid !== undefined && l.gid !== 1 ? `${l.ruleset}:${l.gid}:${l.sid}` : `${l.ruleset}:${l.sid}`;
}

/** Facts of the client's first TCP SYN (IP and TCP header), useful to tell scanners apart. */
export interface SynFingerprint {
  readonly ttl: number; // IPv4 TTL or IPv6 hop limit
  readonly window: number;
  readonly ip_id?: number; // IPv4 only
  /** TCP options in order, Linux-ish short names: "mss:1460,sok,ts,nop,ws:7". "" when none. */
  readonly options: string;
  readonly syn_count: number; // SYNs seen for this flow (retransmissions included)
}

/** Protocol facts extracted from the payload where they apply (see src/classify). */
export interface ProtocolFacts {
  readonly app?: string; // detected application protocol, e.g. "http", "tls", "ssh", "sip"
  readonly http?: {
    readonly method?: string; readonly path?: string; readonly host?: string; readonly user_agent?: string;
  };
  readonly tls?: { readonly sni?: string; readonly alpn?: readonly string[]; readonly ja4?: string; readonly version?: string };
  readonly ssh?: { readonly banner?: string };
  readonly sip?: { readonly method?: string; readonly user_agent?: string };
  /** SMB1 dialect strings as sent, SMB2/3 revisions as "2.0.2" ... "3.1.1"; version 1 or 2 (SMB2/3 header). */
  readonly smb?: { readonly dialects?: readonly string[]; readonly version?: 1 | 2 };
  readonly rdp?: { readonly cookie?: string; readonly requested_protocols?: number };
  readonly dns?: { readonly qname?: string; readonly qtype?: string; readonly edns_udp_size?: number };
  /** opcode: mode 6 control opcode (2 = READVAR) or mode 7 request code. */
  readonly ntp?: { readonly mode?: number; readonly version?: number; readonly opcode?: number };
  readonly rtsp?: { readonly method?: string; readonly path?: string; readonly user_agent?: string };
  /** ONC RPC call; fragments = TCP record-marking fragments of the first record (0 over UDP). */
  readonly rpc?: { readonly program?: number; readonly version?: number; readonly procedure?: number; readonly fragments?: number };
  readonly [other: string]: unknown;
}

export interface FlowRecord {
  readonly event: 'flow';
  readonly schema: typeof RECORD_SCHEMA_VERSION;
  /** ISO 8601 UTC time of the first packet. */
  readonly ts: string;
  /** ISO 8601 UTC time of the last packet. */
  readonly end_ts: string;
  readonly sensor: string;
  readonly flow_id: string;
  readonly proto: 'tcp' | 'udp';
  readonly ip_version: 4 | 6;
  readonly src_ip: string;
  readonly src_port: number;
  readonly dst_ip: string;
  readonly dst_port: number;
  readonly state: FlowState;
  /** Base64 of the captured client bytes (TCP: reassembled stream; UDP: datagrams concatenated). */
  readonly payload: string;
  readonly payload_len: number;
  /** More bytes arrived than --max-payload kept. */
  readonly truncated: boolean;
  /** Client packets seen (SYNs included). */
  readonly packets: number;
  /** UDP: datagrams recorded. TCP: data segments accepted. */
  readonly segments: number;
  readonly end_reason: EndReason;
  readonly syn?: SynFingerprint;
  readonly labels: readonly RecordLabel[];
  readonly facts?: ProtocolFacts;
  /** A greeted flow (--greet): the server's side of the dialogue and the order of turns. */
  readonly dialogue?: DialogueRecord;
}
