// The /metrics and /healthz endpoint (--metrics-listen). An adapter like capture/: the only importer of node:http's
// server side. Small on purpose: GET or HEAD of two paths, tight timeouts, a connection cap, so an endpoint bound
// beyond loopback cannot be used to hold the sensor's memory.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthStatus } from './liveness.ts';
import type { MetricSource } from './metric-source.ts';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus-text.ts';

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: MetricSource;
  readonly health: () => HealthStatus;
  readonly onError?: (err: unknown) => void;
}

export interface MetricsServer {
  readonly address: { readonly host: string; readonly port: number };
  close(): Promise<void>;
}

const MAX_CONNECTIONS = 32;

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      let text: string;
      try {
        text = renderPrometheus(o.metrics.samples());
      } catch (err) {
        o.onError?.(err);
        return reply(res, 500, 'metrics unavailable\n');
      }
      return reply(res, 200, text, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
    }
    if (path === '/healthz') {
      const h = o.health();
      return h.healthy ? reply(res, 200, 'ok\n') : reply(res, 503, `unhealthy: ${h.problems.join(', ')}\n`);
    }
    if (path === '/') return reply(res, 200, 'synbait: /metrics /healthz\n');
    return reply(res, 404, 'not found\n');
  };
  const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000, maxHeaderSize: 8192 }, (req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      o.onError?.(err);
      if (!res.headersSent) reply(res, 500, 'internal error\n');
      else res.destroy();
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.maxHeadersCount = 32;
  server.on('clientError', (_err, socket) => socket.destroy());

  return new Promise((resolve, reject) => {
    const onListenError = (err: Error) => reject(err);
    server.once('error', onListenError);
    server.listen({ host: o.host, port: o.port, exclusive: true }, () => {
      server.off('error', onListenError);
      server.on('error', (err) => o.onError?.(err));
      const a = server.address() as AddressInfo;
      resolve({
        address: { host: a.address, port: a.port },
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
