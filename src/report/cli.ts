// `synbait report`: arguments -> list inputs -> read every archive in order into the aggregator -> render.
// Problems with inputs go to stderr as they are found and never stop the run; see renderReportHelp() for the
// exit status. Local files are read by worker threads when that pays off (read-pool.ts); the counts are the same.
// What only some runs need (the classifier, the AWS SDK) is loaded when needed: start-up is part of the run.

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { stat, writeFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError, RulesError, isSynbaitError } from '../errors.ts';
import { compareArchivePaths } from '../record/archive-name.ts';
import { Aggregator, type AggregateLimits } from './aggregate.ts';
import { AUTO_THREADS_MIN_BYTES, parseReportArgs, renderReportHelp, type ReportOptions } from './args.ts';
import { type FileTotals, type JobEvents, readFileJob } from './file-job.ts';
import { loadModule } from '../load-module.ts';
import { Progress } from './progress.ts';
import { type FileRun, ReadPool } from './read-pool.ts';
import { RecordScanner } from './record-scan.ts';
import { type RecordClassifier, Relabeler } from './relabel.ts';
import { printable } from './render/format.ts';
import { renderReport, reportModel } from './render-report.ts';
import type { Problem } from './report-model.ts';
import type { ArchiveRef, Listing } from './sources/archive-ref.ts';
import { errorText, listLocal } from './sources/local.ts';
import { isS3Url, parseS3Url } from './sources/s3-url.ts';
import type { TimeRange } from './time-range.ts';

export interface ReportIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** Seams for tests and the benchmark. */
export interface ReportDeps {
  readonly createClassifier?: (extraDocs: readonly unknown[]) => RecordClassifier;
  readonly now?: () => Date;
  readonly limits?: Partial<AggregateLimits>;
  /** Milliseconds clock for the progress line. */
  readonly clock?: () => number;
  /** Told how many reader threads the run uses (1: the main thread). */
  readonly onThreads?: (n: number) => void;
  /** Code each reader thread runs before anything else (tests make threads fail with it). */
  readonly workerPrelude?: string;
}

/** Problems kept for the report itself (all of them are printed on stderr). */
const MAX_MODEL_PROBLEMS = 100;
/** Reader threads when --threads does not say: one per CPU, but no more than this. */
const MAX_AUTO_THREADS = 8;

/** Resolves once the text is handed to the OS (main exits right after); rejects on a write error such as EPIPE. */
function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // The stream also emits the error as an event, after the callback: without a listener that would crash the
    // process, so on failure the listener stays.
    const onError = (err: Error) => reject(err);
    out.once('error', onError);
    out.write(text, (err) => {
      if (err) {
        reject(err);
      } else {
        out.removeListener('error', onError);
        resolve();
      }
    });
  });
}

/** What reading the inputs found, besides the counts. */
interface Reading {
  readonly problems: Problem[];
  moreProblems: number;
  readonly files: { ok: number; damaged: number; failed: number; skippedByRange: number; bytes: number };
  skippedLines: number;
  outOfRange: number;
}

export async function runReport(args: readonly string[], io: ReportIo, deps: ReportDeps = {}): Promise<number> {
  const started = performance.now();
  const say = (text: string) => io.stderr.write(`synbait report: ${text}\n`);
  let o: ReportOptions;
  let relabeler: Relabeler | undefined;
  try {
    const parsed = parseReportArgs(args, io.env);
    if (parsed.kind === 'help') {
      await write(io.stdout, renderReportHelp());
      return 0;
    }
    o = parsed.options;
    await checkInputs(o.inputs);
    relabeler = o.relabel ? await makeRelabeler(o, deps, say) : undefined;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RulesError) {
      say(e.message);
      return 2;
    }
    throw e;
  }

  const range: TimeRange = { sinceMs: o.sinceMs, untilMs: o.untilMs };
  const progress = new Progress(io.stderr, o.progress, deps.clock);
  const reading: Reading = { problems: [], moreProblems: 0, files: { ok: 0, damaged: 0, failed: 0, skippedByRange: 0, bytes: 0 }, skippedLines: 0, outOfRange: 0 };
  const report = (file: string, line: number | undefined, message: string) => {
    progress.message(`synbait report: ${printable(file)}${line !== undefined ? `:${line}` : ''}: ${printable(message)}`);
    if (reading.problems.length < MAX_MODEL_PROBLEMS) reading.problems.push({ file, line, message });
    else reading.moreProblems++;
  };
  const aggregator = new Aggregator(deps.limits);
  const clients: { s3?: S3Client } = {};
  try {
    const listed = await listInputs(o, io, range, report, clients);
    reading.files.skippedByRange = listed.skippedByRange;
    reading.files.failed += listed.failures;
    if (listed.archives.length === 0 && listed.failures === 0) say('no archive files (*.jsonl.gz, *.jsonl) found');
    await readInputs(listed.archives, { o, deps, range, relabeler, aggregator, progress, reading, report });
    progress.clear();
    return await finish(o, io, say, aggregator, reading, relabeler, deps, started);
  } catch (e) {
    progress.clear();
    if (isSynbaitError(e)) {
      say(e.message);
      return 1;
    }
    throw e;
  } finally {
    clients.s3?.destroy();
  }
}

/**
 * Loads the rules (only for --relabel): ours and the community signatures, compiled once and shared by the
 * per-sensor classifiers. Without the sensors' networks, every record's destination counts as home.
 */
async function makeRelabeler(o: ReportOptions, deps: ReportDeps, say: (t: string) => void): Promise<Relabeler> {
  if (deps.createClassifier) {
    const { loadRuleFiles } = await loadModule<typeof import('../config/rule-files.ts')>('../config/rule-files.ts', import.meta.url);
    const docs = await loadRuleFiles(o.rulePaths);
    return new Relabeler(() => deps.createClassifier!(docs));
  }
  const rules = await loadModule<typeof import('../ruleset/load-classifier.ts')>('../ruleset/load-classifier.ts', import.meta.url);
  const loaded = await rules.loadClassifier({
    rulePaths: o.rulePaths, signatures: { ...rules.NO_SIGNATURE_SETTINGS, rulesDir: o.rulesDir }, homeNets: [],
  });
  if (loaded.community) say(rules.communitySummary(loaded.community));
  return new Relabeler(() => loaded.newClassifier());
}

interface Listed {
  readonly archives: ArchiveRef[];
  readonly skippedByRange: number;
  readonly failures: number;
}

/**
 * Lists every input first: the reading order (per sensor, by file start) needs the whole list. The S3 client,
 * made on the first s3:// input, goes into `clients` (the caller destroys it).
 */
async function listInputs(o: ReportOptions, io: ReportIo, range: TimeRange,
  report: (file: string, line: undefined, m: string) => void, clients: { s3?: S3Client }): Promise<Listed> {
  const archives: ArchiveRef[] = [];
  let skippedByRange = 0, failures = 0;
  for (const input of o.inputs) {
    let listing: Listing;
    if (isS3Url(input)) {
      // the AWS SDK takes a while to load: only when an input is on S3
      const [{ createS3Client }, { listS3 }] = await Promise.all([
        loadModule<typeof import('../s3/client.ts')>('../s3/client.ts', import.meta.url),
        loadModule<typeof import('./sources/s3.ts')>('./sources/s3.ts', import.meta.url),
      ]);
      clients.s3 ??= createS3Client({ region: o.s3Region, endpoint: o.s3Endpoint, forcePathStyle: o.s3ForcePathStyle }, { env: io.env });
      listing = await listS3(clients.s3, parseS3Url(input)!, range);
    } else {
      try {
        listing = await listLocal(input, range);
      } catch (e) {
        listing = { archives: [], problems: [{ name: input, message: errorText(e) }], skippedByRange: 0 };
      }
    }
    for (const p of listing.problems) report(p.name, undefined, `cannot list: ${p.message}`);
    failures += listing.problems.length;
    archives.push(...listing.archives);
    skippedByRange += listing.skippedByRange;
  }
  // The same file named twice (a folder and a file in it, ./x and x) is read once.
  const key = (a: ArchiveRef) => (isS3Url(a.name) ? a.name : resolve(a.name));
  const unique = [...new Map(archives.map((a) => [key(a), a])).values()].sort((a, b) => compareArchivePaths(a.name, b.name));
  return { archives: unique, skippedByRange, failures };
}

interface ReadContext {
  readonly o: ReportOptions;
  readonly deps: ReportDeps;
  readonly range: TimeRange;
  readonly relabeler: Relabeler | undefined;
  readonly aggregator: Aggregator;
  readonly progress: Progress;
  readonly reading: Reading;
  readonly report: (file: string, line: number | undefined, message: string) => void;
}

/**
 * Reader threads for this run, the main thread included: 1 (the main thread alone) unless the local inputs are
 * large enough to pay for starting workers.
 */
export function readerThreads(o: ReportOptions, archives: readonly ArchiveRef[]): number {
  const local = archives.filter((a) => a.localPath !== undefined);
  if (o.relabel || local.length < 2) return 1;
  if (o.threads !== undefined) return Math.min(o.threads, local.length);
  const bytes = local.reduce((n, a) => n + (a.size ?? 0), 0);
  return bytes < AUTO_THREADS_MIN_BYTES ? 1 : Math.min(availableParallelism(), local.length, MAX_AUTO_THREADS);
}

/**
 * Reads every archive, in order, into the aggregator. With n readers the main thread reads every n-th local file
 * itself (while the workers start and read ahead) and n - 1 workers the others.
 */
async function readInputs(archives: readonly ArchiveRef[], ctx: ReadContext): Promise<void> {
  const { reading, progress, aggregator } = ctx;
  const threads = readerThreads(ctx.o, archives);
  const pool = threads > 1 ? ReadPool.start(threads - 1, ctx.range, ctx.deps.workerPrelude) : undefined;
  const bytesTotal = archives.every((a) => a.size !== undefined) ? archives.reduce((n, a) => n + a.size!, 0) : undefined;
  const state = { filesDone: 0, filesTotal: archives.length, bytes: 0, bytesTotal, records: 0 };
  const scanner = new RecordScanner();
  let local = 0;
  const runs = archives.map((a) => (pool && a.localPath !== undefined && local++ % threads !== 0 ? pool.schedule(a.localPath, a.size) : undefined));
  try {
    for (const [i, ref] of archives.entries()) {
      const events: JobEvents = {
        batch: (b) => {
          aggregator.addBatch(b);
          state.records = aggregator.records + reading.outOfRange + reading.skippedLines;
          progress.update(state);
        },
        problem: (line, message) => ctx.report(ref.name, line, message),
        bytes: (n) => {
          reading.files.bytes += n;
          state.bytes += n;
          progress.update(state);
        },
      };
      const run = runs[i];
      const totals = (run && (await drain(run, events))) ?? (await readFileJob(ref, { range: ctx.range, relabeler: ctx.relabeler }, events, scanner));
      if (run) pool!.release(run);
      account(ref, totals, ctx);
      state.filesDone++;
      progress.update(state);
    }
    ctx.deps.onThreads?.(1 + (pool?.threads ?? 0));
  } finally {
    await pool?.close();
  }
}

/** A worker's events for one file, in order; undefined when no thread could take it. */
async function drain(run: FileRun, events: JobEvents): Promise<FileTotals | undefined> {
  for await (const e of run) {
    if (e.kind === 'batch') events.batch(e.batch);
    else if (e.kind === 'problem') events.problem(e.line, e.message);
    else if (e.kind === 'bytes') events.bytes(e.n);
    else if (e.kind === 'end') return e.totals;
    else return undefined;
  }
  return undefined;
}

function account(ref: ArchiveRef, t: FileTotals, ctx: ReadContext): void {
  const { reading } = ctx;
  reading.skippedLines += t.skippedLines;
  reading.outOfRange += t.outOfRange;
  if (t.hiddenProblems > 0) {
    ctx.progress.message(`synbait report: ${printable(ref.name)}: ${t.hiddenProblems} more bad lines not shown`);
    reading.moreProblems += t.hiddenProblems;
  }
  if (t.outcome.status === 'ok') {
    reading.files.ok++;
    return;
  }
  reading.files[t.outcome.status]++;
  ctx.report(ref.name, undefined, t.outcome.status === 'failed' ? `unreadable, skipped: ${t.outcome.message}` : `damaged, read in part: ${t.outcome.message}`);
}

/** Renders and writes the report; the exit status. */
async function finish(o: ReportOptions, io: ReportIo, say: (t: string) => void, aggregator: Aggregator, r: Reading,
  relabeler: Relabeler | undefined, deps: ReportDeps, started: number): Promise<number> {
  const model = reportModel(aggregator, {
    now: deps.now?.() ?? new Date(),
    startedMs: started,
    inputs: o.inputs,
    sinceMs: o.sinceMs,
    untilMs: o.untilMs,
    labels: relabeler ? { relabel: true, ruleCount: relabeler.ruleCount } : { relabel: false },
    top: o.top,
    files: { ...r.files },
    skippedLines: r.skippedLines,
    outOfRange: r.outOfRange,
    problems: r.problems,
    moreProblems: r.moreProblems,
  });
  const text = renderReport(o.format, model);
  try {
    if (o.output !== undefined) await writeFile(o.output, text);
    else await write(io.stdout, text);
  } catch (e) {
    // A reader that went away (`| head`) is not worth a message.
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') {
      say(`cannot write the report${o.output !== undefined ? ` to ${printable(o.output)}` : ''}: ${errorText(e)}`);
    }
    return 1;
  }
  const skipped = model.files.failed + model.files.damaged;
  if (skipped > 0 || model.skippedLines > 0) {
    say(`${model.files.failed} input(s) unreadable, ${model.files.damaged} damaged, ${model.skippedLines} bad line(s) skipped`);
  }
  return skipped > 0 ? 1 : 0;
}

/** Local inputs must exist (a typo is a bad argument, exit 2); S3 URLs must name a bucket. */
async function checkInputs(inputs: readonly string[]): Promise<void> {
  for (const input of inputs) {
    if (isS3Url(input)) {
      if (!parseS3Url(input)) throw new ConfigError(`${input}: not an s3://BUCKET/PREFIX URL`, input);
      continue;
    }
    try {
      await stat(input);
    } catch (e) {
      throw new ConfigError(`${input}: ${errorText(e)}`, input);
    }
  }
}
