// `synbait report` arguments. Bad arguments are ConfigErrors naming the flag (the CLI exits 2).

import { ConfigError } from '../errors.ts';
import { parseBool, parseNonNegativeInt, splitFlag } from '../config/parse-values.ts';
import type { ReportFormat } from './report-model.ts';
import { parseRangeBound } from './time-range.ts';

export interface ReportOptions {
  readonly inputs: readonly string[];
  readonly sinceMs: number | undefined;
  readonly untilMs: number | undefined;
  readonly format: ReportFormat;
  readonly output: string | undefined;
  readonly relabel: boolean;
  readonly rulePaths: readonly string[];
  /** With --relabel: the community ruleset installed by `synbait rules update` (--rules-dir). */
  readonly rulesDir: string | undefined;
  readonly top: number;
  readonly s3Region: string | undefined;
  readonly s3Endpoint: string | undefined;
  readonly s3ForcePathStyle: boolean;
  readonly progress: boolean;
  /** Reader threads (--threads); undefined: as many as pay off (see cli.ts). */
  readonly threads: number | undefined;
}

export type ParsedArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly options: ReportOptions };

const FORMATS: Readonly<Record<string, ReportFormat>> = { text: 'text', markdown: 'markdown', md: 'markdown', json: 'json', html: 'html' };

export const DEFAULT_TOP = 20;
export const MAX_TOP = 10_000;
export const MAX_THREADS = 64;

interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly takesValue: boolean;
}

const FLAGS: readonly FlagSpec[] = [
  { name: 'since', takesValue: true },
  { name: 'until', takesValue: true },
  { name: 'format', short: 'f', takesValue: true },
  { name: 'output', short: 'o', takesValue: true },
  { name: 'relabel', takesValue: false },
  { name: 'rules', takesValue: true },
  { name: 'rules-dir', takesValue: true },
  { name: 'top', takesValue: true },
  { name: 's3-region', takesValue: true },
  { name: 's3-endpoint', takesValue: true },
  { name: 's3-force-path-style', takesValue: false },
  { name: 'threads', takesValue: true },
  { name: 'no-progress', takesValue: false },
  { name: 'help', short: 'h', takesValue: false },
];

function formatFromOutput(path: string | undefined): ReportFormat {
  const p = path?.toLowerCase() ?? '';
  if (p.endsWith('.html') || p.endsWith('.htm')) return 'html';
  if (p.endsWith('.md') || p.endsWith('.markdown')) return 'markdown';
  if (p.endsWith('.json')) return 'json';
  return 'text';
}

/** Flag values by flag name (repeatable flags keep every value), and the inputs; or --help. */
type Tokens = { readonly help: true } | { readonly help: false; readonly values: Map<string, string[]>; readonly inputs: string[] };

function tokenize(args: readonly string[]): Tokens {
  const values = new Map<string, string[]>();
  const inputs: string[] = [];
  let flagsDone = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (flagsDone || arg === '-' || !arg.startsWith('-')) {
      inputs.push(arg);
      continue;
    }
    if (arg === '--') {
      flagsDone = true;
      continue;
    }
    const { long, short, inline, shown } = splitFlag(arg);
    const spec: FlagSpec | undefined = long !== undefined ? FLAGS.find((f) => f.name === long) : FLAGS.find((f) => f.short === short);
    if (!spec) throw new ConfigError(`unknown flag ${shown} (see synbait report --help)`, shown);
    if (spec.name === 'help') return { help: true };
    let value: string;
    if (spec.takesValue) {
      const v = inline ?? args[++i];
      if (v === undefined) throw new ConfigError(`${shown} needs a value`, shown);
      value = v;
    } else {
      if (inline !== undefined) throw new ConfigError(`${shown} takes no value`, shown);
      value = 'true';
    }
    const list = values.get(spec.name) ?? [];
    if (list.length > 0 && spec.name !== 'rules') throw new ConfigError(`${shown} given twice`, shown);
    values.set(spec.name, [...list, value]);
  }
  return { help: false, values, inputs };
}

function checkedInputs(inputs: readonly string[]): readonly string[] {
  if (inputs.length === 0) {
    throw new ConfigError('name at least one archive file, folder or s3://BUCKET/PREFIX (see synbait report --help)', 'PATH');
  }
  for (const input of inputs) {
    if (input === '' || input === '-') throw new ConfigError(`bad input ${JSON.stringify(input)}: name a file, folder or s3:// URL`, 'PATH');
  }
  return inputs;
}

function rangeOf(one: (name: string) => string | undefined): { sinceMs: number | undefined; untilMs: number | undefined } {
  const bound = (flag: 'since' | 'until'): number | undefined => {
    const text = one(flag);
    if (text === undefined) return undefined;
    const ms = parseRangeBound(text, flag === 'until');
    if (Number.isNaN(ms)) {
      throw new ConfigError(`--${flag} ${JSON.stringify(text)} is not a date: use YYYY-MM-DD or ISO 8601 like 2026-11-25T10:00:00Z`, `--${flag}`);
    }
    return ms;
  };
  const sinceMs = bound('since');
  const untilMs = bound('until');
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
    throw new ConfigError('--since must be before --until', '--since');
  }
  return { sinceMs, untilMs };
}

function formatOf(one: (name: string) => string | undefined): { format: ReportFormat; output: string | undefined } {
  const output = one('output');
  if (output === '') throw new ConfigError('--output needs a file name', '--output');
  const fmtText = one('format');
  if (fmtText === undefined) return { format: formatFromOutput(output), output };
  const f = FORMATS[fmtText.toLowerCase()];
  if (!f) throw new ConfigError(`--format ${JSON.stringify(fmtText)}: use text, markdown, json or html`, '--format');
  return { format: f, output };
}

/** --NAME as a whole number from 1 to max; undefined when not given. */
function wholeNumber(one: (name: string) => string | undefined, name: string, max: number): number | undefined {
  const text = one(name);
  if (text === undefined) return undefined;
  const n = parseNonNegativeInt(text);
  if (n === null || n < 1 || n > max) throw new ConfigError(`--${name} ${JSON.stringify(text)}: use a whole number from 1 to ${max}`, `--${name}`);
  return n;
}

/** The S3 flags default to the sensor's SYNBAIT_S3_* variables, so a sensor host reads back what it uploaded. */
function s3Of(one: (name: string) => string | undefined, given: (name: string) => boolean, env: Readonly<Record<string, string | undefined>>) {
  const s3Region = one('s3-region') ?? (env.SYNBAIT_S3_REGION || undefined);
  const s3Endpoint = one('s3-endpoint') ?? (env.SYNBAIT_S3_ENDPOINT || undefined);
  const endpointFrom = given('s3-endpoint') ? '--s3-endpoint' : 'SYNBAIT_S3_ENDPOINT';
  if (s3Endpoint !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(s3Endpoint);
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      throw new ConfigError(`${endpointFrom} ${JSON.stringify(s3Endpoint)} is not an http(s) URL`, endpointFrom);
    }
  }
  let s3ForcePathStyle = given('s3-force-path-style');
  if (!s3ForcePathStyle && env.SYNBAIT_S3_FORCE_PATH_STYLE !== undefined) {
    const b = parseBool(env.SYNBAIT_S3_FORCE_PATH_STYLE);
    if (b === null) throw new ConfigError('SYNBAIT_S3_FORCE_PATH_STYLE is not true or false', 'SYNBAIT_S3_FORCE_PATH_STYLE');
    s3ForcePathStyle = b;
  }
  return { s3Region, s3Endpoint, s3ForcePathStyle };
}

export function parseReportArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedArgs {
  const t = tokenize(args);
  if (t.help) return { kind: 'help' };
  const one = (name: string): string | undefined => t.values.get(name)?.[0];
  const given = (name: string): boolean => t.values.has(name);
  const inputs = checkedInputs(t.inputs);
  const range = rangeOf(one);
  const format = formatOf(one);
  const relabel = given('relabel');
  const rulePaths = t.values.get('rules') ?? [];
  if (rulePaths.length > 0 && !relabel) {
    throw new ConfigError('--rules only applies with --relabel (stored labels are reported as they are)', '--rules');
  }
  const rulesDir = one('rules-dir');
  if (rulesDir !== undefined && !relabel) {
    throw new ConfigError('--rules-dir only applies with --relabel (stored labels are reported as they are)', '--rules-dir');
  }
  const top = wholeNumber(one, 'top', MAX_TOP) ?? DEFAULT_TOP;
  const threads = wholeNumber(one, 'threads', MAX_THREADS);
  if (threads !== undefined && relabel) {
    throw new ConfigError('--threads does not apply with --relabel (relabelling reads in one thread, in order)', '--threads');
  }
  return {
    kind: 'run',
    options: {
      inputs, ...range, ...format, relabel, rulePaths, rulesDir, top, ...s3Of(one, given, env), progress: !given('no-progress'), threads,
    },
  };
}

/** Local inputs at least this large (stored bytes) are read by worker threads unless --threads says otherwise. */
export const AUTO_THREADS_MIN_BYTES = 16 * 1024 * 1024;
const AUTO_THREADS_HELP = '16 MiB';

export function renderReportHelp(): string {
  return `synbait report: threat report from synbait archives

Usage:
  synbait report PATH|s3://BUCKET/PREFIX ... [options]

Inputs (one or more):
  PATH                  an archive file (.jsonl.gz or .jsonl; read whatever its name) or a folder, searched
                        recursively for *.jsonl.gz and *.jsonl (other files such as .pcap are ignored)
  s3://BUCKET/PREFIX    every archive under the prefix (sensor=ID/dt=YYYY-MM-DD/ partitions or any layout);
  s3://BUCKET/KEY.jsonl.gz  one object. Credentials and region come from the AWS SDK's default chain
                        (AWS_ACCESS_KEY_ID..., AWS_PROFILE, SSO, instance or container role).

Options:
  --since DATE          only records whose ts is at or after DATE
  --until DATE          only records whose ts is before DATE; a date-only value includes that whole day
                        DATE: YYYY-MM-DD or ISO 8601 (2026-11-25T10:00:00Z, +02:00 offsets); UTC unless it says
                        otherwise. dt= partitions and archive files more than a day outside the range are not read.
  -f, --format FORMAT   text (aligned columns), markdown (tables), json (one object) or html (one self-contained
                        page with charts). Default: from the --output extension (.html .md .json), else text.
  -o, --output FILE     write the report to FILE instead of stdout
  --relabel             label the records with the current rules instead of the labels stored in them (decodes
                        every payload: slower). One classifier per sensor, files in start order, records in file
                        order, so the repeated-attempt detectors see the flows in the order the sensor did.
  --rules PATH          with --relabel: extra rule files or folders (JSON rules, or Suricata .rules files), as
                        the sensor's --rules; repeatable
  --rules-dir DIR       with --relabel: also the community signatures installed there by synbait rules update
  --top N               rows in the ports, sources, user-agent and path tables [default: ${DEFAULT_TOP}]
  --s3-region REGION    bucket region (env SYNBAIT_S3_REGION; default: AWS_REGION / the SDK configuration)
  --s3-endpoint URL     S3-compatible store (MinIO, Ceph...) (env SYNBAIT_S3_ENDPOINT)
  --s3-force-path-style path-style addressing, for most S3-compatible stores (env SYNBAIT_S3_FORCE_PATH_STYLE)
  --threads N           readers of local files, the main thread included (gunzip and parsing; 1: the main thread
                        only). Default: one per CPU, at most one per file, for inputs of ${AUTO_THREADS_HELP} or more
  --no-progress         no progress line on stderr (it is only ever shown when stderr is a terminal)
  -h, --help            this help

The report: threats (label name, rule id, count and total, most frequent first) and records without a label;
flow states (SYN only, ACKed, UDP); top destination ports; top sources (exact up to 100,000 distinct sources,
then approximate and marked so); records per UTC day; top HTTP user agents and paths; time span, sensors.

Damaged input: unreadable files, bad or truncated gzip, lines that are not JSON or not FlowRecords are named on
stderr (with the line number) and skipped; everything else is still counted, and the report says how many
files and lines were skipped. A truncated file keeps every line before the cut; bad gzip data is salvaged
member by member.

Exit status:
  0  the report was written and every input was read completely (bad lines are counted, not failures)
  1  the report was written, but some input could not be read completely (unreadable, damaged or not gzip
     file, failed S3 listing or download), or the report could not be written
  2  bad arguments (the message names the flag), a PATH that does not exist, or bad --rules
`;
}
