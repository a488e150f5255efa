// The capture's own counts (pcap_stats, cumulative over every re-open) as metric samples and stats-line fields:
// the frames the kernel dropped before synbait saw them, which the responder's counters cannot know about.
// Structural input: metrics/ does not import capture/.

import { counter, type MetricSample } from './metric-sample.ts';

export interface CaptureCounts {
  /** Frames the kernel dropped because the capture ring was full. */
  readonly kernelDropped: number;
  /** Frames the interface or its driver dropped. */
  readonly ifDropped: number;
}

export interface CaptureSource {
  stats(): CaptureCounts;
  /** Times the capture was re-opened after the device went away. */
  readonly restoredCount: number;
}

export function captureSamples(c: CaptureSource): MetricSample[] {
  const s = c.stats();
  return [
    counter('synbait_capture_kernel_drops_total', 'Frames the kernel dropped because the capture ring was full (pcap_stats ps_drop)', s.kernelDropped),
    counter('synbait_capture_interface_drops_total', 'Frames the interface or its driver dropped (pcap_stats ps_ifdrop)', s.ifDropped),
    counter('synbait_capture_reopened_total', 'Times the capture was re-opened after its device went away', c.restoredCount),
  ];
}

/** The stats line's fields: cumulative since the start. */
export function captureFields(c: CaptureSource): Record<string, number> {
  const s = c.stats();
  return { kernel_dropped: s.kernelDropped, if_dropped: s.ifDropped, ...(c.restoredCount > 0 ? { capture_reopened: c.restoredCount } : {}) };
}
