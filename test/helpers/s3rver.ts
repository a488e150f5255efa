// A real S3 protocol server for tests: s3rver on 127.0.0.1 (an ephemeral port) with its own temporary folder.
// Always pair startS3rver() with stop() in a finally / t.after(): it closes the server and removes the folder.
//
//   const s3 = await startS3rver({ buckets: ['bucket'] });
//   try { ... new S3Client(s3.clientConfig) ... } finally { await s3.stop(); }
//
// Clients need forcePathStyle (no virtual-host buckets on 127.0.0.1) and requestChecksumCalculation
// 'WHEN_REQUIRED': otherwise the SDK sends aws-chunked bodies with trailing checksums, which s3rver stores
// verbatim (the object then holds the chunk framing, not your bytes).
//
// For outage and slow-store tests: pause()/resume() stop listening (dropping open connections) and listen again on
// the same port with the same objects; setDelay() holds every request before s3rver sees it; `requests` records
// when each request started and ended. With `netns`, the server runs as a child process on the loopback of that
// network namespace (for a sensor running there); listObjects/getObject/download then read the same folder through
// a second, in-process server.

import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nsSpawn } from './netns.ts';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  configureBuckets(): Promise<void>;
  callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
  readonly httpServer?: { closeAllConnections?: () => void };
  readonly logger?: { close?: () => void };
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Credentials s3rver accepts (it checks signatures against these). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3rverRequest {
  readonly method: string;
  readonly url: string;
  readonly startMs: number;
  endMs: number | undefined;
  status: number | undefined;
}

export interface RunningS3rver {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly port: number;
  /** Where s3rver keeps buckets and objects. */
  readonly directory: string;
  /** Ready-made S3Client configuration for this server. */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly forcePathStyle: true;
    readonly credentials: typeof S3RVER_CREDENTIALS;
    readonly requestChecksumCalculation: 'WHEN_REQUIRED';
    readonly responseChecksumValidation: 'WHEN_REQUIRED';
  };
  /** Environment for code that takes credentials from AWS_* variables. */
  readonly env: Readonly<Record<string, string>>;
  /** Requests served so far (in-process servers only). */
  readonly requests: readonly S3rverRequest[];
  /** Holds each request `ms` before s3rver handles it: a slow store (in-process servers only). */
  setDelay(ms: number): void;
  /** An outage: stops listening and drops open connections; the objects stay. */
  pause(): Promise<void>;
  /** Listens again on the same port, with the same objects. */
  resume(): Promise<void>;
  /** Every object under `prefix`, by key. */
  listObjects(bucket: string, prefix?: string): Promise<{ key: string; size: number }[]>;
  getObject(bucket: string, key: string): Promise<Buffer>;
  /** A local copy of the bucket: each object at `<dir>/<key>`. Returns the keys. */
  download(bucket: string, dir: string): Promise<string[]>;
  /** Stops the server and deletes its folder (unless the folder was given). Idempotent. */
  stop(): Promise<void>;
}

export interface S3rverOptions {
  readonly buckets: readonly string[];
  /** Keep the objects here (stop() leaves it); default: a new temporary folder that stop() deletes. */
  readonly directory?: string;
  /** Default: an ephemeral port. */
  readonly port?: number;
  /** Run on the loopback of this network namespace (a child process). */
  readonly netns?: string;
}

/** The listening part, in-process or in a namespace. */
interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

async function listenInProcess(directory: string, buckets: readonly string[], port: number, hook: (req: S3rverRequest) => Promise<void>, log: S3rverRequest[]): Promise<Listener> {
  const app = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  await app.configureBuckets();
  const handle = app.callback();
  const server: Server = createServer((req, res) => {
    const entry: S3rverRequest = { method: req.method ?? '?', url: req.url ?? '', startMs: Date.now(), endMs: undefined, status: undefined };
    log.push(entry);
    res.on('finish', () => {
      entry.endMs = Date.now();
      entry.status = res.statusCode;
    });
    res.on('close', () => {
      entry.endMs ??= Date.now();
    });
    hook(entry).then(() => handle(req, res), () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as { port: number }).port;
  return {
    port: actual,
    close: async () => {
      const closing = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closing;
      app.logger?.close?.();
    },
  };
}

async function listenInNamespace(ns: string, directory: string, buckets: readonly string[], port: number): Promise<Listener> {
  const script = `
    const S3rver = require('s3rver');
    const s = new S3rver({ address: '127.0.0.1', port: ${port}, silent: true, directory: ${JSON.stringify(directory)},
      configureBuckets: ${JSON.stringify(buckets.map((name) => ({ name })))} });
    s.run().then((a) => console.log(JSON.stringify({ port: a.port })), (e) => { console.error(e); process.exit(1); });
  `;
  const child: ChildProcess = nsSpawn(ns, process.execPath, ['-e', script], { cwd: REPO });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const actual = await new Promise<number>((resolve, reject) => {
    let out = '', err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`s3rver in ${ns} exited (${code}): ${err}`)));
  });
  return {
    port: actual,
    close: async () => {
      child.kill('SIGKILL'); // an outage is abrupt
      await exited;
    },
  };
}

export async function startS3rver(options: S3rverOptions): Promise<RunningS3rver> {
  const ownDir = options.directory === undefined;
  const directory = options.directory ?? await mkdtemp(join(tmpdir(), 'synbait-s3rver-'));
  const requests: S3rverRequest[] = [];
  let delayMs = 0;
  const hook = async () => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  };
  const listen = (port: number): Promise<Listener> => options.netns
    ? listenInNamespace(options.netns, directory, options.buckets, port)
    : listenInProcess(directory, options.buckets, port, hook, requests);
  let listener: Listener | undefined;
  try {
    listener = await listen(options.port ?? 0);
  } catch (e) {
    if (ownDir) await rm(directory, { recursive: true, force: true });
    throw e;
  }
  const port = listener.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig = {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  } as const;

  // reads: straight to this server, or (namespace mode) through a helper server on the same folder here
  const withClient = async <T>(fn: (c: S3Client) => Promise<T>): Promise<T> => {
    if (!options.netns) {
      const c = new S3Client(clientConfig);
      try { return await fn(c); } finally { c.destroy(); }
    }
    const side = await listenInProcess(directory, [], 0, async () => {}, []);
    const c = new S3Client({ ...clientConfig, endpoint: `http://127.0.0.1:${side.port}` });
    try { return await fn(c); } finally { c.destroy(); await side.close(); }
  };
  const listObjects = (bucket: string, prefix = '') => withClient(async (c) => {
    const out: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const r = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 });
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  });
  const getFrom = async (c: S3Client, bucket: string, key: string) => {
    const r = await c.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  };

  let stopped = false;
  return {
    endpoint,
    port,
    directory,
    clientConfig,
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    requests,
    setDelay: (ms) => {
      if (options.netns) throw new Error('setDelay: in-process servers only');
      delayMs = ms;
    },
    pause: async () => {
      const l = listener;
      listener = undefined;
      await l?.close();
    },
    resume: async () => {
      if (listener) return;
      listener = await listen(port);
    },
    listObjects,
    getObject: (bucket, key) => withClient((c) => getFrom(c, bucket, key)),
    download: (bucket, dir) => withClient(async (c) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const r = await c.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const o of r.Contents ?? []) keys.push(o.Key!);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      for (const key of keys) {
        const dest = join(dir, key);
        await mkdir(dirname(dest), { recursive: true });
        await writeFile(dest, await getFrom(c, bucket, key));
      }
      return keys;
    }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        await listener?.close();
        listener = undefined;
      } finally {
        if (ownDir) await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
