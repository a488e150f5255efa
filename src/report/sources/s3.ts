// S3 inputs: s3://BUCKET/PREFIX lists the prefix (recursively) for *.jsonl.gz and *.jsonl; s3://BUCKET/KEY.jsonl.gz
// reads one object. With --since/--until the listing jumps over dt=YYYY-MM-DD partitions outside the range
// instead of listing them. Credentials and region come from the AWS SDK's default chain.

import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { isJsonlArchiveName, parseArchiveName, partitionDayMs } from '../../record/archive-name.ts';
import { DAY_MS, PARTITION_MARGIN_MS, type TimeRange, fileMayOverlap, isUnbounded, partitionMayOverlap } from '../time-range.ts';
import type { ArchiveRef, Listing, ListProblem } from './archive-ref.ts';
import type { S3Location } from './s3-url.ts';
import { errorText } from './local.ts';


function s3Archive(client: S3Client, bucket: string, key: string, size: number | undefined): ArchiveRef {
  return {
    name: `s3://${bucket}/${key}`,
    size,
    gzip: key.endsWith('.gz'),
    open: async () => {
      let r;
      try {
        r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      } catch (e) {
        throw new Error(s3ErrorText(e), { cause: e });
      }
      const body = r.Body;
      if (body instanceof Readable) return body;
      if (body && typeof (body as { transformToWebStream?: unknown }).transformToWebStream === 'function') {
        return Readable.fromWeb((body as { transformToWebStream(): import('node:stream/web').ReadableStream }).transformToWebStream());
      }
      throw new Error('the S3 response has no body');
    },
  };
}

/** Lists the archives under an S3 location. Listing errors become problems (the run goes on with the rest). */
export async function listS3(client: S3Client, loc: S3Location, range: TimeRange): Promise<Listing> {
  const archives: ArchiveRef[] = [];
  const problems: ListProblem[] = [];
  let skippedByRange = 0;
  const url = (prefix: string) => `s3://${loc.bucket}/${prefix}`;

  if (loc.single) {
    return { archives: [s3Archive(client, loc.bucket, loc.prefix, undefined)], problems, skippedByRange };
  }

  const take = (key: string, size: number | undefined): void => {
    if (!isJsonlArchiveName(key)) return;
    const n = parseArchiveName(key);
    if (n && !fileMayOverlap(range, n.startMs)) {
      skippedByRange++;
      return;
    }
    archives.push(s3Archive(client, loc.bucket, key, size));
  };

  // One flat listing in key order. Keys of a dt= partition are contiguous, so on meeting a partition outside
  // the range the listing restarts after it (StartAfter) instead of paging through it: before the range, at the
  // first partition that may overlap it; after the range, past everything under the same parent folder.
  // (Walking folders with Delimiter would work on S3 too, but costs a request per partition.)
  const skipped = new Set<string>();
  let startAfter: string | undefined;
  let token: string | undefined;
  try {
    for (;;) {
      const r = await client.send(new ListObjectsV2Command({
        Bucket: loc.bucket, Prefix: loc.prefix,
        ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
      }));
      let jump: string | undefined;
      for (const o of r.Contents ?? []) {
        if (!o.Key) continue;
        const part = isUnbounded(range) ? undefined : partitionOf(o.Key);
        if (part && !partitionMayOverlap(range, part.dayMs)) {
          skipped.add(part.prefix);
          jump = part.dayMs < (range.sinceMs ?? 0) ? `${part.parent}dt=${firstPartitionDay(range)}` : `${part.parent}${AFTER_ALL}`;
          if (jump > o.Key) break;
          jump = undefined; // (a key sorting after the jump target: just go on)
          continue;
        }
        take(o.Key, o.Size);
      }
      if (jump !== undefined) {
        startAfter = jump;
        token = undefined;
      } else if (r.IsTruncated && r.NextContinuationToken) {
        token = r.NextContinuationToken;
      } else {
        break;
      }
    }
  } catch (e) {
    problems.push({ name: url(loc.prefix), message: s3ErrorText(e) });
  }
  skippedByRange += skipped.size;
  return { archives, problems, skippedByRange };
}

/** Sorts after any key that starts with the same text (the largest code point; S3 orders keys by UTF-8 bytes). */
const AFTER_ALL = '\u{10ffff}';

/** The (first) dt=YYYY-MM-DD folder of a key: its date, its own prefix and the prefix of its parent folder. */
export function partitionOf(key: string): { dayMs: number; prefix: string; parent: string } | undefined {
  const m = /^(.*?(?:^|\/))dt=(\d{4}-\d{2}-\d{2})\//.exec(key);
  if (!m) return undefined;
  const dayMs = partitionDayMs(`dt=${m[2]}`);
  if (dayMs === undefined) return undefined;
  return { dayMs, prefix: `${m[1]}dt=${m[2]}/`, parent: m[1]! };
}

/** "YYYY-MM-DD" of the first partition day that may hold records of the range (which has a --since). */
function firstPartitionDay(range: TimeRange): string {
  let day = Math.floor(((range.sinceMs ?? 0) - PARTITION_MARGIN_MS - DAY_MS) / DAY_MS) * DAY_MS;
  while (!partitionMayOverlap(range, day)) day += DAY_MS;
  return new Date(day).toISOString().slice(0, 10);
}

export function s3ErrorText(e: unknown): string {
  const text = errorText(e);
  const name = e instanceof Error ? e.name : '';
  if (/region is missing/i.test(text)) return `${text} (set --s3-region or AWS_REGION)`;
  return name && name !== 'Error' && !text.includes(name) ? `${name}: ${text}` : text;
}
