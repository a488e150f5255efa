// `synbait label` arguments: capture files and a few of the sensor's own options, parsed once into frozen options.
// Bad input is a ConfigError naming the flag (exit status 2).

import { ConfigError } from '../errors.ts';
import { parseBytes, parseSeconds, splitFlag } from '../config/parse-values.ts';
import { DEFAULT_TOP, MAX_TOP } from '../report/args.ts';
import type { ReportFormat } from '../report/report-model.ts';
import { parseCidr, type Cidr } from '../wire/address.ts';

export interface LabelOptions {
  readonly files: readonly string[];
  /** Records: console or JSON lines. */
  readonly format: 'console' | 'json';
  readonly rulePaths: readonly string[];
  /** --rules-dir: the community ruleset installed by `synbait rules update` (its current set is loaded). */
  readonly rulesDir: string | undefined;
  /** The monitored side (-n): its addresses are the servers. Empty: from each connection's handshake. */
  readonly networks: readonly Cidr[];
  readonly flowTimeoutMs: number;
  readonly maxPayload: number;
  readonly sensorId: string;
  readonly maxFlows: number;
  /** --report FORMAT: a report of the records (the report's renderers) instead of the records themselves. */
  readonly report: ReportFormat | undefined;
  /** -o FILE: where the report goes (default: stdout). */
  readonly output: string | undefined;
  readonly top: number;
  readonly help: boolean;
}

export const LABEL_USAGE = `Usage: synbait label [OPTIONS] FILE...

Labels existing captures (pcap or pcapng, from tcpdump, Wireshark, lurker or synbait --pcap archives; .gz too):
reassembles the client side of each TCP connection and each UDP flow with the sensor's own code, labels it with
the same rules, and prints one record per connection attempt in the sensor's schema.

Options:
  --format console|json   console: lurker-style lines with a hex dump (default); json: one JSON record per line
  --rules PATH            extra rule files or directories after the built-in rules: JSON rules, or Suricata
                          .rules files (community signatures, ruleset "local"); repeatable
  --rules-dir DIR         also the community signatures installed there by synbait rules update (ET Open)
  -n, --network CIDR      the servers' addresses (repeatable); default: told from each handshake
  --flow-timeout SECONDS  silence that ends a flow, in capture time (default 5)
  --max-payload BYTES     client bytes kept per flow (default 65536)
  --max-flows N           connections held open at once (default 65536; the oldest are finished first)
  --sensor-id NAME        the records' sensor field (default: label)
  --report FORMAT         print a report of the records instead (text, markdown, json or html), as synbait report
  -o, --output FILE       write the report to FILE
  --top N                 rows in the report's top-N tables (default ${DEFAULT_TOP})
  -h, --help              this text

A damaged or truncated file is reported with its name and byte offset; every flow read before the damage is
still labelled, the other files are still read, and the exit status is 2.
`;

/** Long flag names and the short ones that stand for them. */
const VALUE_FLAGS = new Set(['format', 'rules', 'rules-dir', 'network', 'flow-timeout', 'max-payload', 'max-flows', 'sensor-id', 'report', 'output', 'top']);
const SHORT: Readonly<Record<string, string>> = { n: 'network', h: 'help', o: 'output' };
const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'markdown', 'json', 'html'];

export function parseLabelArgs(args: readonly string[]): LabelOptions {
  const files: string[] = [];
  const values = new Map<string, string[]>();
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      files.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      files.push(arg);
      continue;
    }
    const t = splitFlag(arg);
    const name = t.long ?? SHORT[t.short ?? ''];
    if (name === 'help') {
      help = true;
      continue;
    }
    if (name === undefined || !VALUE_FLAGS.has(name)) throw new ConfigError(`unknown flag ${t.shown} (see synbait label --help)`, t.shown);
    const value = t.inline ?? args[++i];
    if (value === undefined) throw new ConfigError(`${t.shown} needs a value`, t.shown);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  if (!help && files.length === 0) throw new ConfigError('name at least one capture file (see synbait label --help)', 'FILE');
  return Object.freeze({ files, help, ...readValues(values) });
}

function readValues(values: ReadonlyMap<string, readonly string[]>): Omit<LabelOptions, 'files' | 'help'> {
  const one = (name: string): string | undefined => {
    const v = values.get(name);
    if (v && v.length > 1) throw new ConfigError(`--${name} given more than once`, `--${name}`);
    return v?.[0];
  };
  const bad = (name: string, what: string, v: string): never => {
    throw new ConfigError(`--${name}: ${what} (got ${JSON.stringify(v)})`, `--${name}`);
  };
  const format = one('format') ?? 'console';
  if (format !== 'console' && format !== 'json') bad('format', 'expected console or json', format);
  const networks = (values.get('network') ?? []).flatMap((v) => v.split(',')).map((v) => parseCidr(v.trim()) ?? bad('network', 'expected an IPv4 or IPv6 CIDR', v));
  const timeout = one('flow-timeout') ?? '5';
  const seconds = parseSeconds(timeout);
  if (seconds === null || seconds < 0.1) bad('flow-timeout', 'expected a duration of at least 0.1 s, such as 5 or 30s', timeout);
  const payload = one('max-payload') ?? '65536';
  const maxPayload = parseBytes(payload);
  if (maxPayload === null || maxPayload > 16 * 1024 * 1024) bad('max-payload', 'expected a size up to 16MiB', payload);
  const flows = one('max-flows') ?? '65536';
  const maxFlows = /^\d{1,8}$/.test(flows) ? Number(flows) : NaN;
  if (!(maxFlows >= 1)) bad('max-flows', 'expected a whole number of at least 1', flows);
  const sensorId = one('sensor-id') ?? 'label';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(sensorId)) bad('sensor-id', 'use 1-63 letters, digits, dot, dash or underscore', sensorId);
  const report = one('report') as ReportFormat | undefined;
  if (report !== undefined && !REPORT_FORMATS.includes(report)) bad('report', `expected ${REPORT_FORMATS.join(', ')}`, report);
  const output = one('output');
  if (output !== undefined && report === undefined) throw new ConfigError('-o/--output goes with --report', '--output');
  const topText = one('top') ?? String(DEFAULT_TOP);
  const top = /^\d{1,5}$/.test(topText) ? Number(topText) : NaN;
  if (!(top >= 1 && top <= MAX_TOP)) bad('top', `expected a whole number from 1 to ${MAX_TOP}`, topText);
  return {
    report,
    output,
    top,
    format: format as 'console' | 'json',
    rulePaths: values.get('rules') ?? [],
    rulesDir: one('rules-dir'),
    networks,
    flowTimeoutMs: Math.round(seconds! * 1000),
    maxPayload: maxPayload!,
    maxFlows,
    sensorId,
  };
}
