// `synbait label FILE...`: the sensor's records for traffic someone else captured. Each file's packets go through
// the passive tracker (the sensor's decoder and reassembly), the record pipeline and classifier (the sensor's
// rules), and the stdout sinks (the sensor's console and JSON formats). A damaged file is named with its byte
// offset; what was read before the damage is still labelled, and the other files are still read.

import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Classifier } from '../classify/types.ts';
import { CaptureFileError, exitCodeOf, isSynbaitError } from '../errors.ts';
import { compileTargets } from '../flow/targets.ts';
import type { Logger } from '../logger.ts';
import { RecordPipeline } from '../pipeline/record-pipeline.ts';
import { createFlowIdGenerator } from '../record/flow-id.ts';
import { renderReport, reportModel, type Problem } from '../report/render-report.ts';
import { openFdOutput, type FdOutput } from '../sinks/stdout-output.ts';
import { ConsoleSink, JsonLinesSink } from '../sinks/stdout-sinks.ts';
import { LABEL_USAGE, parseLabelArgs, type LabelOptions } from './args.ts';
import { communitySummary, loadClassifier, NO_SIGNATURE_SETTINGS } from '../ruleset/load-classifier.ts';
import { trackCapture } from './track-capture.ts';
import { ReportSink } from './report-sink.ts';
import { Progress, type ProgressState } from '../report/progress.ts';

export interface LabelIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export async function runLabel(args: readonly string[], io: LabelIo): Promise<number> {
  const say = (text: string) => io.stderr.write(`synbait label: ${text}\n`);
  let opts: LabelOptions;
  try {
    opts = parseLabelArgs(args);
  } catch (err) {
    if (!isSynbaitError(err)) throw err;
    say(err.message);
    return exitCodeOf(err);
  }
  if (opts.help) {
    io.stdout.write(LABEL_USAGE);
    return 0;
  }
  let classifier;
  try {
    classifier = await labelClassifier(opts, say);
  } catch (err) {
    if (!isSynbaitError(err)) throw err;
    say(err.message);
    return exitCodeOf(err);
  }
  const started = performance.now();
  const out = openFdOutput(1);
  const report = opts.report ? new ReportSink() : undefined;
  const pipeline = new RecordPipeline({
    sensor: opts.sensorId,
    classifier,
    sinks: [report ?? (opts.format === 'json' ? new JsonLinesSink(out) : new ConsoleSink(out))],
    nextFlowId: createFlowIdGenerator(randomBytes(5)),
    log: stderrLogger(say),
  });
  const reading = await labelFiles(opts, pipeline, out, say);
  await pipeline.close();
  if (report) {
    const written = await writeReport(opts, report, reading, classifier.ruleCount, started, out);
    if (!written.ok) say(`cannot write the report: ${written.error}`);
  }
  await out.flush();
  const r = pipeline.recorded;
  const failures = reading.problems.length;
  say(`${opts.files.length - failures} of ${opts.files.length} files read, ${r.syn + r.acked + r.udp} records (${r.acked} acked, ${r.syn} syn, ${r.udp} udp)`);
  return failures > 0 ? 2 : 0;
}

/** Our rules and the community signatures (-n gives HOME_NET); what loaded and what was skipped, on stderr. */
async function labelClassifier(opts: LabelOptions, say: (t: string) => void): Promise<Classifier> {
  const loaded = await loadClassifier({
    rulePaths: opts.rulePaths,
    signatures: { ...NO_SIGNATURE_SETTINGS, rulesDir: opts.rulesDir },
    homeNets: opts.networks.map((n) => n.text),
  });
  if (loaded.community) say(communitySummary(loaded.community));
  return loaded.newClassifier();
}

/** Labels every file in turn (each capture's flows end with it); says which files could not be read whole. */
async function labelFiles(opts: LabelOptions, pipeline: RecordPipeline, out: FdOutput, say: (t: string) => void): Promise<FileReading> {
  const reading: FileReading = { problems: [], damaged: 0, bytes: 0 };
  const progress = new Progress(process.stderr, true, undefined, 'label');
  const state: ProgressState = { filesDone: 0, filesTotal: opts.files.length, bytes: 0, bytesTotal: undefined, records: 0 };
  const said = (t: string) => {
    progress.clear();
    say(t);
  };
  const track = {
    flowTimeoutMs: opts.flowTimeoutMs, maxPayload: opts.maxPayload, maxFlows: opts.maxFlows,
    ...(opts.networks.length > 0 ? { servers: compileTargets(opts.networks, []) } : {}),
  };
  for (const file of opts.files) {
    try {
      const s = await trackCapture(file, track, (f) => pipeline.enqueue(f), async (bytesRead) => {
        await drain(pipeline, out);
        state.bytes = reading.bytes + bytesRead;
        const r = pipeline.recorded;
        state.records = r.syn + r.acked + r.udp;
        progress.update(state);
      });
      reading.bytes += s.bytes;
      if (s.skipped > 0) said(`${file}: ${s.skipped} packets of link types synbait does not read were skipped`);
    } catch (err) {
      if (!(err instanceof CaptureFileError)) throw err;
      reading.problems.push({ file, line: undefined, message: err.message.slice(file.length + 2) });
      if (err.offset > 0) reading.damaged++;
      said(`${err.message}; the flows read before it are labelled`);
    }
    await drain(pipeline, out);
    state.filesDone++;
  }
  progress.clear();
  return reading;
}

interface FileReading {
  readonly problems: Problem[];
  /** Files read in part (the others in `problems` yielded nothing). */
  damaged: number;
  bytes: number;
}

/** The report's model of what was labelled, rendered in the format asked for, to -o FILE or stdout. */
async function writeReport(opts: LabelOptions, sink: ReportSink, reading: FileReading, ruleCount: number, started: number, out: FdOutput): Promise<{ ok: true } | { ok: false; error: string }> {
  const model = reportModel(sink.aggregator, {
    now: new Date(), startedMs: started, inputs: opts.files, sinceMs: undefined, untilMs: undefined,
    labels: { relabel: true, ruleCount }, top: opts.top,
    files: {
      ok: opts.files.length - reading.problems.length, damaged: reading.damaged, failed: reading.problems.length - reading.damaged,
      skippedByRange: 0, bytes: reading.bytes,
    },
    skippedLines: 0, outOfRange: 0, problems: reading.problems, moreProblems: 0,
  });
  const text = renderReport(opts.report!, model);
  try {
    if (opts.output !== undefined) await writeFile(opts.output, text);
    else out.write(text);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

/** Writes every queued record, waiting for stdout whenever the reader is slower than we are. */
async function drain(pipeline: RecordPipeline, out: FdOutput): Promise<void> {
  while (pipeline.backlog > 0) {
    if (pipeline.blocked) await out.flush();
    pipeline.drain(10_000);
  }
}

function stderrLogger(say: (t: string) => void): Logger {
  const line = (obj: Record<string, unknown>, msg: string) => say(`${msg}${obj.err instanceof Error ? `: ${obj.err.message}` : ''}`);
  return { debug: () => {}, info: () => {}, warn: line, error: line };
}
