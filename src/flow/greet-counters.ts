// Counters of greeted flows and the data segments we send, bumped by the greeter; metrics/greet-metrics.ts names
// them. Kept apart from ResponderCounters: the SYN path never touches them.

import { GREET_PROTOCOLS, type GreetProtocol } from '../record/dialogue.ts';

export class GreetCounters {
  /** Flows greeted, by protocol. */
  readonly greeted: Record<GreetProtocol, number> = Object.fromEntries(GREET_PROTOCOLS.map((p) => [p, 0])) as Record<GreetProtocol, number>;
  /** Dialogues that reached their end (we closed). */
  dialoguesEnded = 0;
  dataSegmentsSent = 0;
  dataBytesSent = 0;
  /** Segments sent again after a retransmission timeout (window probes included). */
  retransmissions = 0;
  /** Flows whose retransmissions were given up after the last try. */
  retransmitGiveUps = 0;
  /** Data segments held back by the per-destination or global rate limit (sent later by the timer). */
  rateLimited = 0;
  sendErrors = 0;
}
