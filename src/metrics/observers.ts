// Starts what reports the sensor's health and counters to the outside, as configured: the HTTP endpoint
// (--metrics-listen) and the heartbeat file (--health-file). A failure to start either is a startup failure.

import { existsSync } from 'node:fs';
import { HeartbeatFile } from './heartbeat-file.ts';
import type { MetricsServer } from './http-server.ts';
import { loadModule } from '../load-module.ts';
import type { Liveness } from './liveness.ts';
import type { MetricSource } from './metric-source.ts';

export const HEARTBEAT_INTERVAL_MS = 2000;

export interface Observers {
  /** Where the endpoint listens, when it does. */
  readonly metricsAddress: { readonly host: string; readonly port: number } | undefined;
  close(): Promise<void>;
}

export interface ObserverOptions {
  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  readonly healthFile: string | undefined;
  readonly metrics: MetricSource;
  readonly liveness: Liveness;
  readonly onError: (what: string, err: unknown) => void;
}

/** A liveness check: the capture device still exists (a removed device leaves a dead handle behind). */
export function devicePresent(device: string): () => boolean {
  return () => existsSync(`/sys/class/net/${device}`);
}

export async function startObservers(o: ObserverOptions): Promise<Observers> {
  const health = () => o.liveness.status(Date.now());
  let server: MetricsServer | undefined;
  if (o.metricsListen) {
    // node:http only with --metrics-listen (some 3 MB of RSS otherwise)
    const { startMetricsServer } = await loadModule<typeof import('./http-server.ts')>('./http-server.ts', import.meta.url);
    server = await startMetricsServer({
      host: o.metricsListen.host,
      port: o.metricsListen.port,
      metrics: o.metrics,
      health,
      onError: (err) => o.onError('metrics', err),
    });
  }
  let heartbeat: HeartbeatFile | undefined;
  try {
    if (o.healthFile) heartbeat = new HeartbeatFile(o.healthFile, health, HEARTBEAT_INTERVAL_MS, (err) => o.onError('health-file', err));
  } catch (err) {
    await server?.close();
    throw err;
  }
  return {
    metricsAddress: server?.address,
    async close() {
      heartbeat?.close();
      await server?.close();
    },
  };
}
