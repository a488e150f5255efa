// The responder's counters. Plain numeric fields because they are bumped per packet; metrics/responder-metrics.ts
// names them for the Prometheus endpoint, metrics/stats.ts for the periodic summary line.

import { DECODE_REASONS } from '../wire/decode-result.ts';

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
}
