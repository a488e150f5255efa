// pcap_stats(3PCAP) counts as totals that only grow. libpcap's counters are 32-bit (u_int) and wrap after 2^32
// frames (six hours at 200,000 frames a second), so totals add the difference of successive readings modulo 2^32;
// reading at least every few minutes (the sensor reads every 10 s) sees every wrap. On Linux ps_ifdrop is the
// device's own rx_missed_errors + rx_fifo_errors minus their values at open: when the device goes away those read
// as 0 and the difference turns "negative" (a huge unsigned delta), which is counted as nothing.

/** Counts of one handle since it was opened. */
export interface CaptureStats {
  /** Frames the filter passed (on Linux including those dropped). */
  readonly received: number;
  /** Frames the kernel dropped because the capture ring was full. */
  readonly kernelDropped: number;
  /** Frames the interface or its driver dropped. */
  readonly ifDropped: number;
}

export const NO_STATS: CaptureStats = Object.freeze({ received: 0, kernelDropped: 0, ifDropped: 0 });

/** A reading of libpcap's own (32-bit) counters. */
export interface RawStats {
  readonly received: number;
  readonly dropped: number;
  readonly ifDropped: number;
}

export const NO_RAW_STATS: RawStats = Object.freeze({ received: 0, dropped: 0, ifDropped: 0 });

const HALF = 2 ** 31;

/** Adds what changed from `last` to `now` (both raw readings of one handle) to `total`. */
export function accumulateStats(total: CaptureStats, last: RawStats, now: RawStats): CaptureStats {
  const ifDelta = (now.ifDropped - last.ifDropped) >>> 0;
  return {
    received: total.received + ((now.received - last.received) >>> 0),
    kernelDropped: total.kernelDropped + ((now.dropped - last.dropped) >>> 0),
    ifDropped: total.ifDropped + (ifDelta >= HALF ? 0 : ifDelta),
  };
}

export function addStats(a: CaptureStats, b: CaptureStats): CaptureStats {
  return { received: a.received + b.received, kernelDropped: a.kernelDropped + b.kernelDropped, ifDropped: a.ifDropped + b.ifDropped };
}
