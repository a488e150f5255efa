// `synbait report`: arguments -> list inputs -> read every archive in order into the aggregator -> render.
// Problems with inputs go to stderr as they are found and never stop the run; see renderReportHelp() for the
// exit status.

import { stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createClassifier as defaultCreateClassifier } from '../classify/index.ts';
import type { Classifier } from '../classify/types.ts';
import { loadRuleFiles } from '../config/rule-files.ts';
import { ConfigError, RulesError, isSynbaitError } from '../errors.ts';
import { Aggregator, type AggregateLimits } from './aggregate.ts';
import { compareArchivePaths } from '../record/archive-name.ts';
import { parseReportArgs, renderReportHelp, type ReportOptions } from './args.ts';
import { type LineContext, type LineCounters, RecordLineHandler } from './line-handler.ts';
import { Progress } from './progress.ts';
import { readArchive } from './read-archive.ts';
import { LabelCache } from './record-scan.ts';
import { Relabeler } from './relabel.ts';
import { printable } from './render/format.ts';
import { renderHtml } from './render/html.ts';
import { renderJson } from './render/json.ts';
import { renderMarkdown } from './render/markdown.ts';
import { renderText } from './render/text.ts';
import type { Problem, ReportFormat, ReportModel } from './report-model.ts';
import type { ArchiveRef, Listing } from './sources/archive-ref.ts';
import { errorText, listLocal } from './sources/local.ts';
import { createS3Client } from '../s3/client.ts';
import { isS3Url, listS3, parseS3Url } from './sources/s3.ts';
import type { TimeRange } from './time-range.ts';

export interface ReportIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** Seams for tests and the benchmark. */
export interface ReportDeps {
  readonly createClassifier?: (extraDocs: readonly unknown[]) => Classifier;
  readonly now?: () => Date;
  readonly limits?: Partial<AggregateLimits>;
  /** Milliseconds clock for the progress line. */
  readonly clock?: () => number;
}

/** Problems kept for the report itself (all of them are printed on stderr). */
const MAX_MODEL_PROBLEMS = 100;
/** Bad-line messages printed per file; the rest are counted in one line. */
const MAX_LINE_MESSAGES_PER_FILE = 10;

const RENDERERS: Record<ReportFormat, (m: ReportModel) => string> = {
  text: renderText, markdown: renderMarkdown, json: renderJson, html: renderHtml,
};

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

export async function runReport(args: readonly string[], io: ReportIo, deps: ReportDeps = {}): Promise<number> {
  const started = performance.now();
  const say = (text: string) => io.stderr.write(`synbait report: ${text}\n`);

  let o: ReportOptions;
  try {
    const parsed = parseReportArgs(args, io.env);
    if (parsed.kind === 'help') {
      await write(io.stdout, renderReportHelp());
      return 0;
    }
    o = parsed.options;
    await checkInputs(o.inputs);
  } catch (e) {
    if (e instanceof ConfigError) {
      say(e.message);
      return 2;
    }
    throw e;
  }

  let relabeler: Relabeler | undefined;
  if (o.relabel) {
    try {
      const docs = await loadRuleFiles(o.rulePaths);
      const create = deps.createClassifier ?? defaultCreateClassifier;
      relabeler = new Relabeler(() => create(docs));
    } catch (e) {
      if (e instanceof RulesError || e instanceof ConfigError) {
        say(e.message);
        return 2;
      }
      throw e;
    }
  }

  const range: TimeRange = { sinceMs: o.sinceMs, untilMs: o.untilMs };
  const progress = new Progress(io.stderr, o.progress, deps.clock);
  const problems: Problem[] = [];
  let moreProblems = 0;
  const report = (file: string, line: number | undefined, message: string) => {
    progress.message(`synbait report: ${printable(file)}${line !== undefined ? `:${line}` : ''}: ${printable(message)}`);
    if (problems.length < MAX_MODEL_PROBLEMS) problems.push({ file, line, message });
    else moreProblems++;
  };

  // List every input first: the reading order (per sensor, by file start) needs the whole list.
  let s3: S3Client | undefined;
  const archives: ArchiveRef[] = [];
  let skippedByRange = 0;
  let listFailures = 0;
  try {
    for (const input of o.inputs) {
      let listing: Listing;
      if (isS3Url(input)) {
        s3 ??= createS3Client({ region: o.s3Region, endpoint: o.s3Endpoint, forcePathStyle: o.s3ForcePathStyle }, { env: io.env });
        listing = await listS3(s3, parseS3Url(input)!, range);
      } else {
        try {
          listing = await listLocal(input, range);
        } catch (e) {
          listing = { archives: [], problems: [{ name: input, message: errorText(e) }], skippedByRange: 0 };
        }
      }
      for (const p of listing.problems) report(p.name, undefined, `cannot list: ${p.message}`);
      listFailures += listing.problems.length;
      archives.push(...listing.archives);
      skippedByRange += listing.skippedByRange;
    }
    // The same file named twice (a folder and a file in it, ./x and x) is read once.
    const key = (a: ArchiveRef) => (isS3Url(a.name) ? a.name : resolve(a.name));
    const unique = [...new Map(archives.map((a) => [key(a), a])).values()].sort((a, b) => compareArchivePaths(a.name, b.name));
    if (unique.length === 0 && listFailures === 0) say('no archive files (*.jsonl.gz, *.jsonl) found');

    const aggregator = new Aggregator(deps.limits);
    const counters: LineCounters = { skippedLines: 0, outOfRange: 0 };
    const linesShown = new Map<string, number>();
    const ctx: LineContext = {
      aggregator, range, relabeler, counters,
      labelCache: new LabelCache(),
      problem: (file, line, message) => {
        const shown = linesShown.get(file) ?? 0;
        linesShown.set(file, shown + 1);
        if (shown < MAX_LINE_MESSAGES_PER_FILE) report(file, line, message);
        else moreProblems++;
      },
    };
    const files = { ok: 0, damaged: 0, failed: 0, skippedByRange, bytes: 0 };
    const bytesTotal = unique.every((a) => a.size !== undefined) ? unique.reduce((n, a) => n + a.size!, 0) : undefined;
    const state = { filesDone: 0, filesTotal: unique.length, bytes: 0, bytesTotal, records: 0 };
    const tick = () => {
      state.records = aggregator.records + counters.outOfRange + counters.skippedLines;
      progress.update(state);
    };

    for (const ref of unique) {
      const outcome = await readArchive(ref, {
        onBytes: (n) => {
          files.bytes += n;
          state.bytes += n;
          tick();
        },
        handler: new RecordLineHandler(ctx, ref.name, ref.live),
      });
      const hidden = (linesShown.get(ref.name) ?? 0) - MAX_LINE_MESSAGES_PER_FILE;
      if (hidden > 0) progress.message(`synbait report: ${printable(ref.name)}: ${hidden} more bad lines not shown`);
      if (outcome.status === 'ok') files.ok++;
      else {
        files[outcome.status]++;
        report(ref.name, undefined, outcome.status === 'failed' ? `unreadable, skipped: ${outcome.message}` : `damaged, read in part: ${outcome.message}`);
      }
      state.filesDone++;
      tick();
    }
    progress.clear();

    const model: ReportModel = {
      generatedAt: (deps.now?.() ?? new Date()).toISOString(),
      inputs: o.inputs,
      sinceMs: o.sinceMs,
      untilMs: o.untilMs,
      labels: relabeler ? { relabel: true, ruleCount: relabeler.ruleCount } : { relabel: false },
      top: o.top,
      summary: aggregator.summary(o.top),
      files: { ...files, failed: files.failed + listFailures },
      skippedLines: counters.skippedLines,
      outOfRange: counters.outOfRange,
      problems,
      moreProblems,
      elapsedMs: performance.now() - started,
    };
    const text = RENDERERS[o.format](model);
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
  } catch (e) {
    progress.clear();
    if (isSynbaitError(e)) {
      say(e.message);
      return 1;
    }
    throw e;
  } finally {
    s3?.destroy();
  }
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
