// What reports health and counters to the outside: liveness (the capture is open, the device exists and the
// ticker keeps beating: not merely "the process runs"), the /metrics registry, and the observers that serve
// them (--metrics-listen, --health-file).

import pkg from '../../package.json' with { type: 'json' };
import type { Settings } from '../config/settings.ts';
import { ObserverError } from '../errors.ts';
import { arpSamples } from '../metrics/arp-metrics.ts';
import { captureSamples } from '../metrics/capture-metrics.ts';
import { Liveness } from '../metrics/liveness.ts';
import { MetricRegistry } from '../metrics/metric-source.ts';
import { devicePresent, startObservers, type Observers } from '../metrics/observers.ts';
import { greetSamples } from '../metrics/greet-metrics.ts';
import { sensorMetrics } from '../metrics/sensor-metrics.ts';
import type { Logger } from '../logger.ts';
import type { ArpClaimer } from '../arp/arp-claimer.ts';
import { LIVENESS_STALE_MS } from './budget.ts';
import type { SensorCapture } from './capture.ts';
import type { SensorCore } from './core.ts';
import type { SensorOutput } from './output.ts';
import type { SensorSinks } from './sinks.ts';

export interface SensorObservers {
  readonly liveness: Liveness;
  readonly observers: Observers;
}

export interface ObservedParts {
  readonly core: SensorCore;
  readonly capture: SensorCapture;
  readonly outputs: SensorSinks;
  readonly arp: ArpClaimer | undefined;
  readonly output: SensorOutput;
}

/** Throws (with the flags at fault in the message) when an observer cannot start. */
export async function observe(settings: Settings, parts: ObservedParts, log: Logger): Promise<SensorObservers> {
  const { core, capture, outputs, arp, output } = parts;
  const liveness = new Liveness({ staleAfterMs: LIVENESS_STALE_MS });
  liveness.addCheck({ problem: 'capture_closed', ok: () => capture.pcap.isOpen });
  liveness.addCheck({ problem: 'device_missing', ok: devicePresent(settings.device) });
  liveness.beat(Date.now());
  const metrics = new MetricRegistry();
  metrics.register(sensorMetrics({
    version: pkg.version, responder: core.responder, pipeline: core.pipeline, stdoutDropped: () => output.out.dropped,
    internalErrors: capture.internalErrors, health: () => liveness.status(Date.now()),
  }));
  for (const source of [outputs.archive, outputs.uploadJob, outputs.alerts]) if (source) metrics.register(source);
  metrics.register(() => captureSamples(capture.pcap));
  if (arp) metrics.register(() => arpSamples(arp));
  const greeter = core.responder.greeter;
  if (greeter) metrics.register(() => greetSamples(greeter));
  try {
    const observers = await startObservers({
      metricsListen: settings.metricsListen, healthFile: settings.healthFile, metrics, liveness,
      onError: (what, err) => log.error({ event: 'ObserverFailed', component: what, err }, `${what} failed`),
    });
    return { liveness, observers };
  } catch (err) {
    const what = [
      settings.metricsListen && `--metrics-listen ${settings.metricsListen.host}:${settings.metricsListen.port}`,
      settings.healthFile && `--health-file ${settings.healthFile}`,
    ].filter(Boolean).join(', ');
    throw new ObserverError(`cannot start ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
