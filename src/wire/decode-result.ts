// Decode failures are values, not exceptions (Suricata's decode events): every codec returns either a header or
// one reason from this closed set, and the responder counts each reason.

export const DECODE_REASONS = [
  'frame.capture_truncated', // libpcap delivered fewer bytes than the frame had
  'eth.truncated',
  'eth.unsupported_ethertype',
  'vlan.truncated',
  'vlan.nested', // QinQ: more than one 802.1Q tag
  'ipv4.truncated',
  'ipv4.bad_version',
  'ipv4.bad_ihl',
  'ipv4.bad_total_length',
  'ipv4.bad_checksum',
  'ipv4.options',
  'ipv4.fragment',
  'ipv4.bad_address', // broadcast/multicast/zero source
  'ipv6.truncated',
  'ipv6.bad_version',
  'ipv6.bad_payload_length',
  'ipv6.extension_header',
  'ipv6.bad_address', // multicast/unspecified source
  'ip.unsupported_protocol',
  'tcp.truncated',
  'tcp.bad_data_offset',
  'tcp.bad_flags', // SYN+FIN, SYN+RST, no flags at all
  'tcp.zero_port',
  'udp.truncated',
  'udp.bad_length',
  'udp.zero_port',
] as const;

export type DecodeReason = (typeof DECODE_REASONS)[number];

export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: DecodeReason };

export const fail = (reason: DecodeReason): { readonly ok: false; readonly reason: DecodeReason } => ({ ok: false, reason });
export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

/** Numeric index of a reason (hot path counters are indexed arrays). */
export const REASON_INDEX: Readonly<Record<DecodeReason, number>> = Object.fromEntries(
  DECODE_REASONS.map((r, i) => [r, i + 1]),
) as Record<DecodeReason, number>;
