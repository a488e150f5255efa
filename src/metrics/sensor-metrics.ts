// The sensor's own metric sources: the responder's counters, the record pipeline, the capture's health and the
// process. Structural inputs (no import of sinks/ or capture/), so sensor/ wires them with what it has.

import type { ResponderCounters } from '../flow/counters.ts';
import type { HealthStatus } from './liveness.ts';
import { counter as c, gauge as g } from './metric-sample.ts';
import type { MetricSource } from './metric-source.ts';
import { responderSamples } from './responder-metrics.ts';

export interface ResponderStats {
  readonly counters: ResponderCounters;
  readonly pendingSyns: number;
  readonly openFlows: number;
  readonly bufferedBytes: number;
}

export interface PipelineStats {
  readonly recorded: { readonly syn: number; readonly acked: number; readonly udp: number };
  readonly droppedBacklog: number;
  readonly sinkErrors: number;
  readonly classifyErrors: number;
  readonly backlog: number;
}

export interface SensorMetricInputs {
  readonly version: string;
  readonly responder: ResponderStats;
  readonly pipeline: PipelineStats;
  /** Records dropped because stdout was blocked. */
  readonly stdoutDropped: () => number;
  /** Frames whose handling threw (a bug, counted, never fatal). */
  readonly internalErrors: () => number;
  readonly health: () => HealthStatus;
  readonly nowMs?: () => number;
}

export function sensorMetrics(i: SensorMetricInputs): MetricSource {
  const startSeconds = Math.floor((Date.now() - performance.now()) / 1000);
  return {
    samples() {
      const r = i.responder;
      const p = i.pipeline;
      const mem = process.memoryUsage();
      const cpu = process.cpuUsage();
      return [
        ...responderSamples(r.counters, r),
        c('synbait_records_total', 'Records written to the sinks, by flow state', p.recorded.syn, { state: 'syn' }),
        c('synbait_records_total', 'Records written to the sinks, by flow state', p.recorded.acked, { state: 'acked' }),
        c('synbait_records_total', 'Records written to the sinks, by flow state', p.recorded.udp, { state: 'udp' }),
        c('synbait_records_dropped_total', 'Connection attempts not recorded', p.droppedBacklog, { reason: 'record_backlog_full' }),
        c('synbait_records_dropped_total', 'Connection attempts not recorded', i.stdoutDropped(), { reason: 'stdout_blocked' }),
        c('synbait_sink_errors_total', 'Sink writes or flushes that failed', p.sinkErrors),
        c('synbait_classify_errors_total', 'Records kept without labels because the classifier threw', p.classifyErrors),
        g('synbait_record_backlog', 'Finished flows waiting to be labelled and written', p.backlog),
        c('synbait_internal_errors_total', 'Frames whose handling threw (a bug; the frame is skipped)', i.internalErrors()),
        g('synbait_healthy', '1 while the capture is open and its loop alive (what /healthz reports)', i.health().healthy ? 1 : 0),
        g('synbait_build_info', 'Version of synbait and Node.js', 1, { version: i.version, node: process.version }),
        g('process_resident_memory_bytes', 'Resident set size', mem.rss),
        g('nodejs_heap_used_bytes', 'V8 heap in use', mem.heapUsed),
        g('nodejs_external_memory_bytes', 'Memory of Buffers and other objects outside the V8 heap', mem.external),
        c('process_cpu_seconds_total', 'CPU time used, user and system', (cpu.user + cpu.system) / 1e6),
        g('process_start_time_seconds', 'Start of the process, Unix time', startSeconds),
      ];
    },
  };
}
