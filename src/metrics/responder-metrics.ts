// The responder's counters as metric samples, for /metrics. The names are part of the product (docs/appliance.md).

import type { ResponderCounters } from '../flow/counters.ts';
import { DECODE_REASONS } from '../wire/decode-result.ts';
import { counter, gauge, type MetricSample } from './metric-sample.ts';

export interface ResponderGauges {
  readonly pendingSyns: number;
  readonly openFlows: number;
  readonly bufferedBytes: number;
}

export function responderSamples(k: ResponderCounters, gauges: ResponderGauges): MetricSample[] {
  const out: MetricSample[] = [
    counter('synbait_frames_received_total', 'Frames delivered by the capture', k.framesReceived),
    counter('synbait_frames_capture_truncated_total', 'Frames longer than the capture buffer', k.captureTruncated),
  ];
  DECODE_REASONS.forEach((reason, i) => {
    out.push(counter('synbait_decode_failures_total', 'Frames dropped as malformed or unsupported, by reason', k.decodeFailures[i + 1]!, { reason }));
  });
  out.push(
    counter('synbait_frames_ignored_total', 'Well-formed frames not acted on', k.notTarget, { reason: 'not_target' }),
    counter('synbait_frames_ignored_total', 'Well-formed frames not acted on', k.excludedPort, { reason: 'excluded_port' }),
    counter('synbait_frames_ignored_total', 'Well-formed frames not acted on', k.udpLocalReply, { reason: 'udp_local_reply' }),
    counter('synbait_frames_ignored_total', 'Well-formed frames not acted on', k.cookieInvalid, { reason: 'invalid_cookie' }),
    counter('synbait_frames_ignored_total', 'Well-formed frames not acted on', k.rstIgnored, { reason: 'rst_unmatched' }),
    counter('synbait_syns_received_total', 'TCP SYNs to monitored addresses and ports', k.synsReceived),
    counter('synbait_syns_retransmitted_total', 'SYNs repeating a pending one', k.synsRetransmitted),
    counter('synbait_syn_acks_sent_total', 'SYN-ACKs sent', k.synAcksSent),
    counter('synbait_segments_sent_total', 'Other TCP segments sent', k.acksSent, { kind: 'ack' }),
    counter('synbait_segments_sent_total', 'Other TCP segments sent', k.finsSent, { kind: 'fin' }),
    counter('synbait_send_errors_total', 'Frames the capture device refused to send', k.sendErrors),
    counter('synbait_syns_rate_limited_total', 'SYNs not answered because a rate limit was reached', k.rateLimitedDest, { scope: 'destination' }),
    counter('synbait_syns_rate_limited_total', 'SYNs not answered because a rate limit was reached', k.rateLimitedGlobal, { scope: 'global' }),
    counter('synbait_flows_opened_total', 'Flows opened', k.flowsAcked, { state: 'acked' }),
    counter('synbait_flows_opened_total', 'Flows opened', k.flowsUdp, { state: 'udp' }),
    counter('synbait_flows_finished_total', 'Flows finished and handed to the record pipeline', k.finishedSyn, { state: 'syn' }),
    counter('synbait_flows_finished_total', 'Flows finished and handed to the record pipeline', k.finishedAcked, { state: 'acked' }),
    counter('synbait_flows_finished_total', 'Flows finished and handed to the record pipeline', k.finishedUdp, { state: 'udp' }),
    counter('synbait_records_dropped_total', 'Connection attempts not recorded', k.pendingSynTableFull, { reason: 'pending_syn_table_full' }),
    counter('synbait_table_overflows_total', 'Flows finished early because a cap was hit (oldest first)', k.evictedMaxFlows, { table: 'flows' }),
    counter('synbait_table_overflows_total', 'Flows finished early because a cap was hit (oldest first)', k.evictedMaxBytes, { table: 'buffered_bytes' }),
    counter('synbait_segments_dropped_total', 'TCP data segments not stored', k.segmentsOutOfWindow, { reason: 'out_of_window' }),
    counter('synbait_segments_dropped_total', 'TCP data segments not stored', k.segmentsDuplicate, { reason: 'duplicate' }),
    counter('synbait_segments_out_of_order_total', 'TCP data segments held for reassembly', k.segmentsOutOfOrder),
    counter('synbait_payload_bytes_truncated_total', 'Payload bytes beyond --max-payload (ACKed, not stored)', k.bytesTruncated),
    gauge('synbait_pending_syns', 'SYNs waiting for their handshake', gauges.pendingSyns),
    gauge('synbait_open_flows', 'Open TCP (acked) and UDP flows', gauges.openFlows),
    gauge('synbait_buffered_bytes', 'Payload bytes held by open flows', gauges.bufferedBytes),
  );
  return out;
}
