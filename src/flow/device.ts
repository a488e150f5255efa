// The seam between the sans-IO responder and libpcap: capture/ implements it, tests fake it.
export interface Device {
  /** Sends the first `length` bytes of `frame` as one link-layer frame. Returns false when the send failed. */
  send(frame: Uint8Array, length: number): boolean;
}
