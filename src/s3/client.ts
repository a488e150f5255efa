// The one S3 client factory, for the uploader (sinks/archive) and the report (report/sources): region and
// endpoint resolution, S3-compatible stores, checksums, credentials, and SDK logging that never reaches stdout.

import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export interface S3Endpoint {
  readonly region?: string | undefined;
  /** An S3-compatible store (MinIO, Ceph, s3rver...); AWS when absent. */
  readonly endpoint?: string | undefined;
  readonly forcePathStyle: boolean;
}

export interface S3ClientOptions {
  /** Where AWS_* variables are read from (the SDK itself only reads process.env). Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Attempts per call (the SDK's own retries); the uploader retries itself and passes 1. */
  readonly maxAttempts?: number;
  readonly requestTimeoutMs?: number;
  /** Receives the SDK's log lines (it would otherwise print them on the console, where stdout carries JSON). */
  readonly debug?: (level: string, message: string) => void;
}

export function createS3Client(t: S3Endpoint, o: S3ClientOptions = {}): S3Client {
  const env = o.env ?? process.env;
  const sdkLog = (level: string) => (...args: unknown[]) =>
    o.debug?.(level, args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  const config: S3ClientConfig = {
    logger: { debug: sdkLog('debug'), info: sdkLog('info'), warn: sdkLog('warn'), error: sdkLog('error') },
    forcePathStyle: t.forcePathStyle,
    // The SDK otherwise sends aws-chunked bodies with CRC32 trailers, which S3-compatible stores (s3rver among them)
    // store verbatim as object bytes; uploads are verified with Content-MD5 instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
    ...(o.requestTimeoutMs !== undefined ? { requestHandler: { connectionTimeout: 10_000, requestTimeout: o.requestTimeoutMs } } : {}),
  };
  const region = t.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region) config.region = region;
  else if (t.endpoint) config.region = 'us-east-1'; // S3-compatible stores mostly ignore it, the signer needs one
  // (else the SDK resolves it from its configuration: profile, instance metadata...)
  if (t.endpoint) config.endpoint = t.endpoint;
  else config.followRegionRedirects = true; // a bucket in another region than configured still works
  // Honour credentials in the environment we were given; otherwise the SDK's default chain (environment, profiles,
  // SSO, container and instance roles).
  if (o.env && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  return new S3Client(config);
}
