/** A frame of a recorded flow, kept for pcap archives: the client's packets and the sensor's replies. */
export interface CapturedFrame {
  /** Capture time, ms since the epoch (the fraction is sub-millisecond). */
  readonly tsMs: number;
  /** The whole link-layer frame (a private copy, never the capture buffer). */
  readonly data: Uint8Array;
}
