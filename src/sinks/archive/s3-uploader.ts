// Uploads ready spool files to s3://BUCKET/PREFIX/sensor=<id>/dt=YYYY-MM-DD/<file> (pcap files under
// PREFIX/pcap/sensor=<id>/dt=.../, so a table over the JSON layout never reads a pcap) and deletes each local file
// only after S3 confirmed it whole:
//
// - PutObject carries Content-MD5; AWS S3 refuses a body that does not match it (400 BadDigest);
// - the answer must then prove it too, because some S3-compatible stores ignore Content-MD5: a plain-MD5 ETag
//   (single-part upload without SSE-KMS/SSE-C) must equal our MD5; with SSE-KMS or SSE-C, where the ETag is not
//   an MD5, HeadObject's ContentLength must equal the file size.
//
// Flexible checksums are requested only when required (requestChecksumCalculation WHEN_REQUIRED): the SDK would
// otherwise send aws-chunked bodies with CRC32 trailers, which some S3-compatible stores keep as object bytes
// (the ETag check above catches that). Credentials come from the SDK's default provider chain; none is logged.
// One run uploads oldest first and stops at the first file S3 keeps refusing (the next run starts over).

import { HeadBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../s3/client.ts';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UploadError } from '../../errors.ts';
import { counter, type MetricSample } from '../../metrics/metric-sample.ts';
import { type ArchiveName, utcDay } from '../../record/archive-name.ts';
import { errCode, errText } from './file-io.ts';
import type { Logger } from '../../logger.ts';
import type { Spool, SpoolFile } from './spool.ts';

export interface S3Target {
  readonly bucket: string;
  /** Without leading or trailing slashes; "" for none. */
  readonly prefix: string;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly forcePathStyle: boolean;
}

export interface S3UploaderOptions extends S3Target {
  readonly spool: Spool;
  readonly log: Logger;
  /** Tests inject a client to exercise the verification; normally built from the target. */
  readonly client?: S3Client;
  /** Attempts per file within one run (default 4). */
  readonly attempts?: number;
  /** First backoff delay; doubles per attempt, with jitter (default 1 s, at most 30 s). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Socket inactivity limit of one request (default 60 s). */
  readonly requestTimeoutMs?: number;
}

export interface RunSummary {
  readonly uploaded: number;
  readonly bytes: number;
  /** Files given up on in this run (they stay in the spool). */
  readonly failed: number;
  /** Ready files left in the spool after the run. */
  readonly left: number;
  /** Why the run stopped early, if it did. */
  readonly stopped?: string;
}

/** The object key of a spool file. */
export function objectKey(prefix: string, name: ArchiveName, file: string): string {
  const parts = [prefix, name.kind === 'pcap' ? 'pcap' : '', `sensor=${name.sensor}`, `dt=${utcDay(name.startMs)}`, file];
  return parts.filter((p) => p !== '').join('/');
}

/** The endpoint without any user:password part, for messages. */
export function endpointText(endpoint: string | undefined): string {
  if (!endpoint) return 'AWS S3';
  try {
    const u = new URL(endpoint);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid endpoint)';
  }
}

interface ErrorFacts {
  readonly message: string;
  readonly code: string | undefined;
  readonly status: number | undefined;
  /** Retrying within the run may help (network, 5xx, throttling, a bad checksum). */
  readonly retryable: boolean;
}

/** What went wrong, in words an operator can act on. Never includes credentials. */
export function describeS3Error(err: unknown, t: S3Target): ErrorFacts {
  const e = err as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? e?.Code;
  const status = e?.$metadata?.httpStatusCode;
  const sys = errCode(err) ?? (e?.code as string | undefined);
  const where = endpointText(t.endpoint);
  if (name === 'AbortError' || sys === 'ABORT_ERR') return { message: 'aborted (shutdown budget)', code: 'Aborted', status, retryable: false };
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(e?.message ?? '')) {
    return { message: 'no AWS credentials found (environment, shared config/profile, ECS task role or EC2 instance role)', code: 'NoCredentials', status, retryable: false };
  }
  if (/Region is missing/i.test(e?.message ?? '')) {
    return { message: 'no AWS region configured: set --s3-region or AWS_REGION', code: 'NoRegion', status, retryable: false };
  }
  if (name === 'NoSuchBucket' || (name === 'NotFound' && status === 404)) {
    return { message: `bucket "${t.bucket}" does not exist at ${where}`, code: 'NoSuchBucket', status, retryable: false };
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return {
      message: `access denied to bucket "${t.bucket}" at ${where} (${name ?? status}): check the credentials and that the policy allows s3:PutObject on the prefix (and s3:ListBucket for the start-up check)`,
      code: name ?? 'AccessDenied', status, retryable: false,
    };
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
    return { message: `bucket "${t.bucket}" is in another region: set --s3-region`, code: name ?? 'WrongRegion', status, retryable: false };
  }
  if (sys && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|ECONNABORTED)$/.test(sys)) {
    return { message: `cannot reach ${where}: ${sys}`, code: sys, status, retryable: true };
  }
  if (name === 'TimeoutError' || name === 'RequestTimeout') {
    return { message: `${where} did not answer in time`, code: 'Timeout', status, retryable: true };
  }
  const msg = e?.message && e.message !== 'UnknownError' ? e.message : `HTTP ${status ?? '?'}`;
  return { message: `${where}: ${name ? `${name}: ` : ''}${msg}`, code: name ?? sys, status, retryable: status === undefined || status >= 500 || status === 429 || status === 400 };
}

const isLocalFileError = (err: unknown) => err instanceof UploadError && err.code === 'SYNBAIT_ERR_UPLOAD_LOCAL_FILE';

export class S3Uploader {
  readonly #o: S3UploaderOptions;
  readonly client: S3Client;
  readonly counters = {
    filesUploaded: { jsonl: 0, pcap: 0 },
    bytesUploaded: 0,
    recordsUploaded: 0,
    attemptsFailed: 0,
    filesFailed: 0,
  };

  constructor(o: S3UploaderOptions) {
    this.#o = o;
    this.client = o.client ?? createS3Client(o, {
      // one attempt per call: our own retry loop re-opens the file for every attempt (a stream body cannot be replayed)
      maxAttempts: 1,
      requestTimeoutMs: o.requestTimeoutMs ?? 60_000,
      debug: (level, message) => o.log.debug({ event: 'S3Sdk', sdk_level: level }, message),
    });
  }

  get target(): S3Target {
    return this.#o;
  }

  keyOf(f: SpoolFile): string {
    return objectKey(this.#o.prefix, f.name, f.file);
  }

  /** HeadBucket: is the bucket there and may we talk to it? Logs the outcome; never throws. */
  async preflight(signal?: AbortSignal): Promise<{ ok: true } | { ok: false; message: string; code: string | undefined }> {
    const where = endpointText(this.#o.endpoint);
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.#o.bucket }), { abortSignal: signal ?? AbortSignal.timeout(20_000) });
      this.#o.log.info({ event: 'UploadPreflightPassed', bucket: this.#o.bucket, prefix: this.#o.prefix, endpoint: where },
        `bucket ${this.#o.bucket} is reachable`);
      return { ok: true };
    } catch (err) {
      const d = describeS3Error(err, this.#o);
      this.#o.log.error({
        event: 'UploadFailed', stage: 'preflight', bucket: this.#o.bucket, endpoint: where, code: d.code, status: d.status, error: d.message,
        spool_files: this.#o.spool.readyFiles,
      }, `S3 start-up check failed: ${d.message}. Capture and archiving go on; uploads are retried on schedule.`);
      return { ok: false, message: d.message, code: d.code };
    }
  }

  /** Uploads every ready file (oldest first, including files that become ready during the run). */
  async run(signal: AbortSignal): Promise<RunSummary> {
    const tried = new Set<string>();
    let uploaded = 0, bytes = 0, failed = 0;
    let stopped: string | undefined;
    for (;;) {
      if (signal.aborted) {
        stopped = 'aborted';
        break;
      }
      const next = this.#o.spool.list().find((f) => !f.busy && !tried.has(f.file));
      if (!next) break;
      tried.add(next.file);
      const f = this.#o.spool.take(next.file);
      if (!f) continue;
      try {
        bytes += await this.#uploadWithRetries(f, signal);
        uploaded++;
      } catch (err) {
        failed++;
        this.counters.filesFailed++;
        if (isLocalFileError(err)) continue;
        stopped = err instanceof Error ? err.message : String(err);
        break;
      } finally {
        this.#o.spool.release(f.file);
      }
    }
    return { uploaded, bytes, failed, left: this.#o.spool.readyFiles, ...(stopped ? { stopped } : {}) };
  }

  /** Returns the bytes uploaded; throws UploadError: SYNBAIT_ERR_UPLOAD_LOCAL_FILE (skip the file) or another code (stop the run). */
  async #uploadWithRetries(f: SpoolFile, signal: AbortSignal): Promise<number> {
    const key = this.keyOf(f);
    const attempts = this.#o.attempts ?? 4;
    const base = this.#o.backoffMs ?? 1000;
    const maxDelay = this.#o.maxBackoffMs ?? 30_000;
    const started = Date.now();
    let last: ErrorFacts | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const size = await this.#putVerified(f, key, signal);
        await this.#o.spool.remove(f.file);
        this.counters.filesUploaded[f.name.kind]++;
        this.counters.bytesUploaded += size;
        if (f.name.kind === 'jsonl' && f.count !== undefined) this.counters.recordsUploaded += f.count;
        this.#o.log.info({
          event: 'ArchiveUploaded', file: f.file, key, bucket: this.#o.bucket, bytes: size,
          ...(f.count === undefined ? {} : { [f.name.kind === 'pcap' ? 'frames' : 'records']: f.count }),
          attempts: attempt, ms: Date.now() - started,
        }, 'archive uploaded');
        return size;
      } catch (err) {
        if (isLocalFileError(err)) {
          this.#o.log.error({ event: 'UploadFailed', file: f.file, key, error: (err as Error).message, stage: 'read' }, 'cannot read a spool file; skipped');
          throw err;
        }
        this.counters.attemptsFailed++;
        last = err instanceof UploadError && err.code === 'SYNBAIT_ERR_UPLOAD_VERIFY'
          ? { message: err.message, code: 'VerifyFailed', status: undefined, retryable: true }
          : describeS3Error(err, this.#o);
        const aborted = signal.aborted;
        if (!last.retryable || aborted || attempt === attempts) break;
        const delay = Math.min(maxDelay, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        this.#o.log.warn({
          event: 'UploadRetry', file: f.file, key, attempt, of: attempts, retry_in_ms: Math.round(delay), code: last.code, status: last.status, error: last.message,
        }, 'upload attempt failed; retrying');
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          break; // aborted
        }
      }
    }
    const facts = signal.aborted ? { ...last!, message: 'aborted (shutdown budget)', code: 'Aborted' } : last!;
    this.#o.log.error({
      event: 'UploadFailed', file: f.file, key, bucket: this.#o.bucket, code: facts.code, status: facts.status, error: facts.message,
      spool_files: this.#o.spool.readyFiles, spool_bytes: this.#o.spool.readyBytes,
    }, `upload failed: ${facts.message}; the file stays in the spool for the next run`);
    throw new UploadError(facts.message);
  }

  /** One attempt: PutObject with Content-MD5, then proof the stored object is our bytes. Returns the size. */
  async #putVerified(f: SpoolFile, key: string, signal: AbortSignal): Promise<number> {
    let size: number, md5: Buffer;
    try {
      size = (await stat(f.path)).size;
      md5 = await md5Of(f.path);
    } catch (err) {
      throw new UploadError(errText(err), { cause: err, code: 'SYNBAIT_ERR_UPLOAD_LOCAL_FILE' });
    }
    const body = createReadStream(f.path);
    const put = await this.client.send(new PutObjectCommand({
      Bucket: this.#o.bucket,
      Key: key,
      Body: body,
      ContentLength: size,
      ContentMD5: md5.toString('base64'),
      // no Content-Encoding: the object is the .gz file itself, served byte for byte
      ContentType: f.name.kind === 'pcap' ? 'application/vnd.tcpdump.pcap' : 'application/gzip',
      Metadata: {
        sensor: f.name.sensor,
        ...(f.count === undefined ? {} : { [f.name.kind === 'pcap' ? 'frames' : 'records']: String(f.count) }),
      },
    }), { abortSignal: signal }).finally(() => body.destroy()); // an aborted request must not leak the descriptor
    const etag = (put.ETag ?? '').replace(/^"|"$/g, '').toLowerCase();
    const md5Etag = !put.SSECustomerAlgorithm && !String(put.ServerSideEncryption ?? '').startsWith('aws:kms');
    if (md5Etag && /^[0-9a-f]{32}$/.test(etag)) {
      if (etag !== md5.toString('hex')) {
        throw new UploadError(`the stored object's ETag ${etag} is not the file's MD5 ${md5.toString('hex')} (the store changed the bytes)`, { code: 'SYNBAIT_ERR_UPLOAD_VERIFY' });
      }
      return size;
    }
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.#o.bucket, Key: key }), { abortSignal: signal });
    if (head.ContentLength !== size) {
      throw new UploadError(`the stored object has ${head.ContentLength} bytes, the file ${size}`, { code: 'SYNBAIT_ERR_UPLOAD_VERIFY' });
    }
    return size;
  }

  samples(): MetricSample[] {
    const c = this.counters;
    return [
      counter('synbait_archive_files_uploaded_total', 'Archive files uploaded to S3 and verified', c.filesUploaded.jsonl, { kind: 'jsonl' }),
      counter('synbait_archive_files_uploaded_total', 'Archive files uploaded to S3 and verified', c.filesUploaded.pcap, { kind: 'pcap' }),
      counter('synbait_archive_uploaded_bytes_total', 'Bytes uploaded to S3', c.bytesUploaded),
      counter('synbait_archive_uploaded_records_total', 'Records in archive files uploaded to S3', c.recordsUploaded),
      counter('synbait_archive_upload_failures_total', 'Files an upload run gave up on (they stay in the spool)', c.filesFailed),
      counter('synbait_archive_upload_attempts_failed_total', 'Failed upload attempts (retried with backoff)', c.attemptsFailed),
    ];
  }
}

function md5Of(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const h = createHash('md5');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest()));
  });
}
