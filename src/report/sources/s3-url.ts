// s3://BUCKET/PREFIX inputs, told apart and parsed without loading the AWS SDK (only s3.ts does, when needed).

import { isJsonlArchiveName } from '../../record/archive-name.ts';

export interface S3Location {
  readonly bucket: string;
  /** "" (whole bucket), a folder prefix ending in "/", or one object's key. */
  readonly prefix: string;
  /** The URL names one archive object rather than a prefix. */
  readonly single: boolean;
}

export function isS3Url(text: string): boolean {
  return text.startsWith('s3://');
}

/** Parses s3://BUCKET[/PREFIX]; undefined when the bucket name is missing. */
export function parseS3Url(url: string): S3Location | undefined {
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (!/^[a-zA-Z0-9.\-_]{1,255}$/.test(bucket)) return undefined;
  let prefix = slash === -1 ? '' : rest.slice(slash + 1);
  if (isJsonlArchiveName(prefix)) return { bucket, prefix, single: true };
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  return { bucket, prefix, single: false };
}
