// The periodic `Stats` log line and the final `SensorStopped` line: the counters an operator reads first (with the
// frames the kernel dropped before the responder saw them), the process's memory, and how long the event loop was held up since the last line (a long stall lets the capture
// ring overflow).

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ResponderCounters } from '../flow/counters.ts';
import type { GreetCounters } from '../flow/greet-counters.ts';
import { captureFields, type CaptureSource } from './capture-metrics.ts';

export interface StatsInputs {
  readonly responder: {
    readonly counters: ResponderCounters;
    readonly pendingSyns: number;
    readonly openFlows: number;
    readonly bufferedBytes: number;
    readonly greeter?: { readonly counters: GreetCounters } | undefined;
  };
  readonly pipeline: { readonly recorded: Readonly<Record<'syn' | 'acked' | 'udp', number>>; readonly backlog: number };
  readonly internalErrors: () => number;
  /** The kernel's drop counts (pcap_stats), cumulative over re-opens. */
  readonly capture?: CaptureSource;
  readonly arp?: { readonly claimedCount: number };
  readonly archive?: {
    readonly bufferedBytes: number;
    readonly openBytes: number;
    readonly spool: { readonly readyFiles: number; readonly readyBytes: number };
  };
}

export class StatsLine {
  readonly #i: StatsInputs;
  readonly #loopDelay: IntervalHistogram;

  constructor(i: StatsInputs) {
    this.#i = i;
    this.#loopDelay = monitorEventLoopDelay({ resolution: 5 });
    this.#loopDelay.enable();
  }

  /** The fields of one line; the event-loop delay covers the time since the previous call. */
  fields(): Record<string, unknown> {
    const d = this.#loopDelay;
    const delay = {
      event_loop_delay_max_ms: Math.round(d.max / 1e5) / 10,
      event_loop_delay_p99_ms: Math.round(d.percentile(99) / 1e5) / 10,
    };
    d.reset();
    return { ...this.#counters(), ...memory(), ...delay };
  }

  #counters(): Record<string, unknown> {
    const { responder: r, pipeline: p, arp, archive, capture } = this.#i;
    const k = r.counters;
    return {
      frames: k.framesReceived,
      syns: k.synsReceived,
      syn_acks: k.synAcksSent,
      ...(capture ? captureFields(capture) : {}),
      flows_recorded: p.recorded,
      decode_failures: k.decodeFailureTotal(),
      rate_limited: k.rateLimitedDest + k.rateLimitedGlobal,
      pending_syns: r.pendingSyns,
      open_flows: r.openFlows,
      buffered_bytes: r.bufferedBytes,
      send_errors: k.sendErrors,
      internal_errors: this.#i.internalErrors(),
      record_backlog: p.backlog,
      ...(r.greeter ? greeterFields(r.greeter.counters) : {}),
      ...(arp ? { arp_claimed: arp.claimedCount } : {}),
      ...(archive ? {
        archive_buffered_bytes: archive.bufferedBytes,
        spool_files: archive.spool.readyFiles,
        spool_bytes: archive.spool.readyBytes + archive.openBytes,
      } : {}),
    };
  }

  close(): void {
    this.#loopDelay.disable();
  }
}

function greeterFields(g: GreetCounters): Record<string, number> {
  let greeted = 0;
  for (const n of Object.values(g.greeted)) greeted += n;
  return { greeted, greeting_retransmissions: g.retransmissions };
}

function memory(): Record<string, number> {
  const m = process.memoryUsage();
  return { rss_bytes: m.rss, heap_used_bytes: m.heapUsed, array_buffers_bytes: m.arrayBuffers };
}
