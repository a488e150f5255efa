// The responder's counters as metric samples, for /metrics. The names are part of the product (docs/appliance.md).

import type { ResponderCounters } from '../flow/counters.ts';
import { DECODE_REASONS } from '../wire/decode-result.ts';
import { counter, counters, gauge, type MetricSample } from './metric-sample.ts';

export interface ResponderGauges {
  readonly pendingSyns: number;
  readonly openFlows: number;
  readonly bufferedBytes: number;
}

const DROPPED_HELP = 'Frames dropped as malformed or unsupported, by reason';

export function responderSamples(k: ResponderCounters, gauges: ResponderGauges): MetricSample[] {
  return [
    counter('synbait_frames_received_total', 'Frames delivered by the capture', k.framesReceived),
    counter('synbait_frames_capture_truncated_total', 'Frames cut short by the snapshot length (never answered)', k.captureTruncated),
    ...DECODE_REASONS.map((reason, i) => counter('synbait_decode_failures_total', DROPPED_HELP, k.decodeFailures[i + 1]!, { reason })),
    ...counters('synbait_frames_ignored_total', 'Well-formed frames not acted on', 'reason', {
      not_target: k.notTarget, excluded_port: k.excludedPort, udp_local_reply: k.udpLocalReply,
      invalid_cookie: k.cookieInvalid, rst_unmatched: k.rstIgnored,
    }),
    counter('synbait_syns_received_total', 'TCP SYNs to monitored addresses and ports', k.synsReceived),
    counter('synbait_syns_retransmitted_total', 'SYNs repeating a pending one', k.synsRetransmitted),
    counter('synbait_syn_acks_sent_total', 'SYN-ACKs sent', k.synAcksSent),
    ...counters('synbait_segments_sent_total', 'Other TCP segments sent', 'kind', { ack: k.acksSent, fin: k.finsSent }),
    counter('synbait_send_errors_total', 'Frames the capture device refused to send', k.sendErrors),
    ...counters('synbait_syns_rate_limited_total', 'SYNs not answered because a rate limit was reached', 'scope', {
      destination: k.rateLimitedDest, global: k.rateLimitedGlobal,
    }),
    ...counters('synbait_flows_opened_total', 'Flows opened', 'state', { acked: k.flowsAcked, udp: k.flowsUdp }),
    ...counters('synbait_flows_finished_total', 'Flows finished and handed to the record pipeline', 'state', {
      syn: k.finishedSyn, acked: k.finishedAcked, udp: k.finishedUdp,
    }),
    counter('synbait_records_dropped_total', 'Connection attempts not recorded', k.pendingSynTableFull, { reason: 'pending_syn_table_full' }),
    ...counters('synbait_table_overflows_total', 'Flows finished early because a cap was hit (oldest first)', 'table', {
      flows: k.evictedMaxFlows, buffered_bytes: k.evictedMaxBytes,
    }),
    ...counters('synbait_segments_dropped_total', 'TCP data segments not stored', 'reason', {
      out_of_window: k.segmentsOutOfWindow, duplicate: k.segmentsDuplicate,
    }),
    counter('synbait_segments_out_of_order_total', 'TCP data segments held for reassembly', k.segmentsOutOfOrder),
    counter('synbait_payload_bytes_truncated_total', 'Payload bytes beyond --max-payload (ACKed, not stored)', k.bytesTruncated),
    gauge('synbait_pending_syns', 'SYNs waiting for their handshake', gauges.pendingSyns),
    gauge('synbait_open_flows', 'Open TCP (acked) and UDP flows', gauges.openFlows),
    gauge('synbait_buffered_bytes', 'Payload bytes held by open flows', gauges.bufferedBytes),
  ];
}
