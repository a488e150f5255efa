// The greeter's counters as metric samples, for /metrics (docs/appliance.md lists the names).

import type { GreetCounters } from '../flow/greet-counters.ts';
import { GREET_PROTOCOLS } from '../record/dialogue.ts';
import { counter, counters, gauge, type MetricSample } from './metric-sample.ts';

export interface GreeterStats {
  readonly counters: GreetCounters;
  readonly timersArmed: number;
}

export function greetSamples(g: GreeterStats): MetricSample[] {
  const k = g.counters;
  return [
    ...GREET_PROTOCOLS.map((p) => counter('synbait_greeted_flows_total', 'Handshakes on --greet ports answered with a greeting', k.greeted[p], { protocol: p })),
    counter('synbait_dialogues_ended_total', 'Greeted flows whose dialogue reached its end (we closed)', k.dialoguesEnded),
    counter('synbait_data_segments_sent_total', 'Data segments (and FINs) sent by greetings', k.dataSegmentsSent),
    counter('synbait_data_bytes_sent_total', 'Bytes sent by greetings', k.dataBytesSent),
    counter('synbait_retransmissions_total', 'Greeting segments sent again after a timeout (window probes included)', k.retransmissions),
    counter('synbait_retransmissions_given_up_total', 'Greeted flows whose retransmissions were given up', k.retransmitGiveUps),
    ...counters('synbait_data_segments_deferred_total', 'Greeting segments held back, sent later by the timer', 'reason', {
      rate_limited: k.rateLimited, send_error: k.sendErrors,
    }),
    gauge('synbait_greeting_timers', 'Greeted flows waiting for an ACK or a window', g.timersArmed),
  ];
}
