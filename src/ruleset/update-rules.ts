// `synbait rules update`: fetch a ruleset archive (ET Open's emerging.rules.tar.gz by default, or any URL or
// file), verify it (the published .md5 when there is one, and always: a complete gzip, a valid tar, .rules files
// of which at least one rule loads), then install it as the current set. Anything that fails leaves the
// current set as it was and raises a RulesUpdateError with the reason.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { compileSignaturesAsync, ruleVars, type RuleSource } from '../classify/suricata/index.ts';
import { ET_OPEN_URL } from '../config/options.ts';
import { RulesUpdateError } from '../errors.ts';
import { installSet, type SetFile } from './rule-store.ts';
import { readTar } from './tar.ts';

/** Largest archive accepted, compressed and uncompressed (ET Open: about 5 MB and 45 MB). */
export const MAX_ARCHIVE_BYTES = 64 * 1024 * 1024;
export const MAX_RULESET_BYTES = 512 * 1024 * 1024;
const MAX_FILES = 4096;
const gunzipAsync = promisify(gunzip);

export interface UpdateOptions {
  readonly rulesDir: string;
  /** http(s) URL or a file path. */
  readonly source: string;
  /** Expected MD5 (hex), or a URL/file holding it; default: `<source>.md5` when published. */
  readonly md5?: string;
  readonly now?: () => Date;
  readonly progress?: (received: number, total: number | undefined) => void;
  /** Milliseconds before a download is abandoned. */
  readonly timeoutMs?: number;
}

export interface UpdateResult {
  readonly set: string;
  readonly md5: string;
  readonly verified: 'md5' | 'structure';
  readonly files: number;
  readonly rules: number;
  readonly bytes: number;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

async function download(url: string, o: UpdateOptions, what: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 120_000), redirect: 'follow' });
  } catch (e) {
    throw new RulesUpdateError('download', `${what} ${url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, { cause: e });
  }
  if (!res.ok || !res.body) throw new RulesUpdateError('download', `${what} ${url}: HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(declared) ? declared : undefined;
  if (total !== undefined && total > MAX_ARCHIVE_BYTES) throw new RulesUpdateError('download', `${what} ${url}: ${total} bytes, more than ${MAX_ARCHIVE_BYTES}`);
  const parts: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received > MAX_ARCHIVE_BYTES) throw new RulesUpdateError('download', `${what} ${url}: more than ${MAX_ARCHIVE_BYTES} bytes`);
      parts.push(Buffer.from(chunk));
      o.progress?.(received, total);
    }
  } catch (e) {
    if (e instanceof RulesUpdateError) throw e;
    throw new RulesUpdateError('truncated', `${what} ${url}: the transfer broke off after ${received} bytes`, { cause: e });
  }
  if (total !== undefined && received !== total) throw new RulesUpdateError('truncated', `${what} ${url}: ${received} of ${total} bytes`);
  return Buffer.concat(parts);
}

async function fetchBytes(source: string, o: UpdateOptions, what: string): Promise<Buffer> {
  if (isUrl(source)) return download(source, o, what);
  try {
    return await readFile(source.replace(/^file:\/\//, ''));
  } catch (e) {
    throw new RulesUpdateError('download', `${what} ${source}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: e });
  }
}

/** The expected MD5: given as hex, from a given URL/file, or from `<source>.md5` (mandatory for ET Open). */
async function expectedMd5(o: UpdateOptions): Promise<string | undefined> {
  if (o.md5 !== undefined && /^[0-9a-f]{32}$/i.test(o.md5)) return o.md5.toLowerCase();
  const from = o.md5 ?? `${o.source}.md5`;
  let text: string;
  try {
    text = (await fetchBytes(from, o, 'checksum')).toString('latin1');
  } catch (e) {
    // a published checksum is optional for sources of the user's own, not for ET Open or a named one
    if (o.md5 === undefined && o.source !== ET_OPEN_URL && e instanceof RulesUpdateError && e.reason === 'download') return undefined;
    throw e;
  }
  const m = /\b([0-9a-f]{32})\b/i.exec(text);
  if (!m) throw new RulesUpdateError('checksum', `checksum ${from}: no MD5 in it`);
  return m[1]!.toLowerCase();
}

/**
 * gunzip + untar + keep the rule files (flattened by base name); errors are archive or truncation reasons. The
 * gunzip runs on libuv's thread pool: a running sensor's scheduled update must not hold its event loop.
 */
export async function unpackRuleset(archive: Buffer): Promise<SetFile[]> {
  let tar: Buffer;
  try {
    tar = await gunzipAsync(archive, { maxOutputLength: MAX_RULESET_BYTES });
  } catch (e) {
    const msg = (e as Error).message;
    throw new RulesUpdateError(/unexpected end/i.test(msg) ? 'truncated' : 'archive', `not a complete gzip file (${msg})`, { cause: e });
  }
  const r = readTar(tar, { maxEntries: MAX_FILES, maxBytes: MAX_RULESET_BYTES });
  if (!r.ok) throw new RulesUpdateError(/truncated/.test(r.reason) ? 'truncated' : 'archive', `not a valid tar archive: ${r.reason}`);
  const files = r.entries
    .map((e) => ({ name: basename(e.path), data: e.data }))
    .filter((f) => f.name.endsWith('.rules') || f.name === 'classification.config' || f.name === 'reference.config' || /^(LICENSE|BSD-License\.txt|gpl-2\.0\.txt)$/.test(f.name));
  if (!files.some((f) => f.name.endsWith('.rules'))) throw new RulesUpdateError('archive', 'the archive holds no .rules file');
  return files;
}

function* ruleSources(files: readonly SetFile[]): Iterable<RuleSource> {
  for (const f of files) if (f.name.endsWith('.rules')) yield { file: f.name, text: f.data.toString('latin1'), ruleset: 'check' };
}

export async function updateRules(o: UpdateOptions): Promise<UpdateResult> {
  const md5 = await expectedMd5(o);
  const archive = await fetchBytes(o.source, o, 'ruleset');
  const actual = createHash('md5').update(archive).digest('hex');
  if (md5 !== undefined && md5 !== actual) throw new RulesUpdateError('checksum', `ruleset ${o.source}: MD5 ${actual}, expected ${md5}`);
  const files = await unpackRuleset(archive);
  // sliced, and each file's text made when the compile reaches it: the sensor's event loop keeps turning
  const loaded = (await compileSignaturesAsync(ruleSources(files), { vars: ruleVars([]) })).stats.loaded;
  if (loaded === 0) throw new RulesUpdateError('archive', 'no rule of the archive loads');
  const set = await installSet(o.rulesDir, files, { md5: actual, source: o.source, now: (o.now ?? (() => new Date()))() });
  return { set, md5: actual, verified: md5 !== undefined ? 'md5' : 'structure', files: files.length, rules: loaded, bytes: archive.length };
}
