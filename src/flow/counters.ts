// The responder's counters. Plain numeric fields because they are bumped per packet; `samples()` names them after
// one spec (vector's instrumentation spec: snake_case, `_total` for counters, labels for the breakdown) for the
// periodic summary line and the Prometheus endpoint.

import { DECODE_REASONS } from '../wire/decode-result.ts';

export interface MetricSample {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

export class ResponderCounters {
  framesReceived = 0;
  captureTruncated = 0;
  /** Index = 1-based reason index (REASON_INDEX); slot 0 unused. */
  readonly decodeFailures = new Float64Array(DECODE_REASONS.length + 1);
  notTarget = 0;
  excludedPort = 0;
  udpLocalReply = 0;
  synsReceived = 0;
  synsRetransmitted = 0;
  synAcksSent = 0;
  acksSent = 0;
  finsSent = 0;
  sendErrors = 0;
  rateLimitedDest = 0;
  rateLimitedGlobal = 0;
  cookieInvalid = 0;
  rstIgnored = 0;
  flowsAcked = 0;
  flowsUdp = 0;
  finishedSyn = 0;
  finishedAcked = 0;
  finishedUdp = 0;
  pendingSynTableFull = 0;
  evictedMaxFlows = 0;
  evictedMaxBytes = 0;
  segmentsOutOfWindow = 0;
  segmentsDuplicate = 0;
  segmentsOutOfOrder = 0;
  bytesTruncated = 0;

  decodeFailureTotal(): number {
    let n = 0;
    for (let i = 1; i < this.decodeFailures.length; i++) n += this.decodeFailures[i]!;
    return n;
  }

  samples(gauges: { pendingSyns: number; openFlows: number; bufferedBytes: number }): MetricSample[] {
    const c = (name: string, help: string, value: number, labels?: Record<string, string>): MetricSample =>
      ({ name, help, type: 'counter', value, ...(labels ? { labels } : {}) });
    const g = (name: string, help: string, value: number): MetricSample => ({ name, help, type: 'gauge', value });
    const out: MetricSample[] = [
      c('synbait_frames_received_total', 'Frames delivered by the capture', this.framesReceived),
      c('synbait_frames_capture_truncated_total', 'Frames longer than the capture buffer', this.captureTruncated),
    ];
    DECODE_REASONS.forEach((reason, i) => {
      out.push(c('synbait_decode_failures_total', 'Frames dropped as malformed or unsupported, by reason', this.decodeFailures[i + 1]!, { reason }));
    });
    out.push(
      c('synbait_frames_ignored_total', 'Well-formed frames not acted on', this.notTarget, { reason: 'not_target' }),
      c('synbait_frames_ignored_total', 'Well-formed frames not acted on', this.excludedPort, { reason: 'excluded_port' }),
      c('synbait_frames_ignored_total', 'Well-formed frames not acted on', this.udpLocalReply, { reason: 'udp_local_reply' }),
      c('synbait_frames_ignored_total', 'Well-formed frames not acted on', this.cookieInvalid, { reason: 'invalid_cookie' }),
      c('synbait_frames_ignored_total', 'Well-formed frames not acted on', this.rstIgnored, { reason: 'rst_unmatched' }),
      c('synbait_syns_received_total', 'TCP SYNs to monitored addresses and ports', this.synsReceived),
      c('synbait_syns_retransmitted_total', 'SYNs repeating a pending one', this.synsRetransmitted),
      c('synbait_syn_acks_sent_total', 'SYN-ACKs sent', this.synAcksSent),
      c('synbait_segments_sent_total', 'Other TCP segments sent', this.acksSent, { kind: 'ack' }),
      c('synbait_segments_sent_total', 'Other TCP segments sent', this.finsSent, { kind: 'fin' }),
      c('synbait_send_errors_total', 'Frames the capture device refused to send', this.sendErrors),
      c('synbait_syns_rate_limited_total', 'SYNs not answered because a rate limit was reached', this.rateLimitedDest, { scope: 'destination' }),
      c('synbait_syns_rate_limited_total', 'SYNs not answered because a rate limit was reached', this.rateLimitedGlobal, { scope: 'global' }),
      c('synbait_flows_opened_total', 'Flows opened', this.flowsAcked, { state: 'acked' }),
      c('synbait_flows_opened_total', 'Flows opened', this.flowsUdp, { state: 'udp' }),
      c('synbait_flows_finished_total', 'Flows finished and handed to the record pipeline', this.finishedSyn, { state: 'syn' }),
      c('synbait_flows_finished_total', 'Flows finished and handed to the record pipeline', this.finishedAcked, { state: 'acked' }),
      c('synbait_flows_finished_total', 'Flows finished and handed to the record pipeline', this.finishedUdp, { state: 'udp' }),
      c('synbait_records_dropped_total', 'Connection attempts not recorded', this.pendingSynTableFull, { reason: 'pending_syn_table_full' }),
      c('synbait_table_overflows_total', 'Flows finished early because a cap was hit (oldest first)', this.evictedMaxFlows, { table: 'flows' }),
      c('synbait_table_overflows_total', 'Flows finished early because a cap was hit (oldest first)', this.evictedMaxBytes, { table: 'buffered_bytes' }),
      c('synbait_segments_dropped_total', 'TCP data segments not stored', this.segmentsOutOfWindow, { reason: 'out_of_window' }),
      c('synbait_segments_dropped_total', 'TCP data segments not stored', this.segmentsDuplicate, { reason: 'duplicate' }),
      c('synbait_segments_out_of_order_total', 'TCP data segments held for reassembly', this.segmentsOutOfOrder),
      c('synbait_payload_bytes_truncated_total', 'Payload bytes beyond --max-payload (ACKed, not stored)', this.bytesTruncated),
      g('synbait_pending_syns', 'SYNs waiting for their handshake', gauges.pendingSyns),
      g('synbait_open_flows', 'Open TCP (acked) and UDP flows', gauges.openFlows),
      g('synbait_buffered_bytes', 'Payload bytes held by open flows', gauges.bufferedBytes),
    );
    return out;
  }
}
