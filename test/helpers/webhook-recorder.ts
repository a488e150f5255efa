// A real HTTP server on 127.0.0.1 (port 0) that records every request and answers as the test says: a status
// (with headers), or never (a hanging endpoint). Closing it destroys every open connection.

import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

/** What to do with the n-th request (0-based): a status and headers, or 'hang'. */
export type Responder = (n: number, req: { path: string; body: string }) => { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface WebhookRecorder {
  readonly url: string;
  readonly requests: RecordedRequest[];
  respond: Responder;
  waitFor(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookRecorder(respond: Responder = () => ({ status: 200, body: 'ok' }), path = '/hook/T000/B000/s3cr3t-token'): Promise<WebhookRecorder> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const rec: WebhookRecorder = {
    url: '',
    requests,
    respond,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${requests.length}: ${requests.map((r) => r.body.slice(0, 200)).join('\n')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return requests;
    },
    close: () => new Promise<void>((resolve) => {
      for (const r of hanging) r.destroy();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const n = requests.length;
      requests.push({
        atMs: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body,
        json: <T>() => JSON.parse(body) as T,
      });
      const a = rec.respond(n, { path: req.url ?? '', body });
      if (a === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (rec as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return rec;
}
