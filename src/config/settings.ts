// Typed, frozen Settings built once from the raw flag/env values. Every check names the flag or variable at
// fault (ConfigError.culprit) so the CLI can print it and exit 2.

import { ConfigError } from '../errors.ts';
import { type Cidr, parseCidr } from '../wire/address.ts';
import { OPTIONS, type OptionSpec, LOG_LEVELS } from './options.ts';
import { signatureSettings, type SignatureSettings } from './signature-settings.ts';
import {
  type PortRange, mergePortRanges, parseBool, parseBytes, parseNonNegativeInt, parsePortList, parseSeconds,
} from './parse-values.ts';

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Settings {
  readonly device: string;
  /** Empty: every address of the device (resolved by main at start). */
  readonly networks: readonly Cidr[];
  readonly excludePorts: readonly PortRange[];
  /** SSH ports (--ssh-port): never answered, always let through by the container firewall. Empty: `none`. */
  readonly sshPorts: readonly PortRange[];
  readonly flowTimeoutMs: number;
  readonly maxPayload: number;
  readonly sensorId: string;
  readonly pcapBufferSize: number;
  readonly rulePaths: readonly string[];

  readonly format: 'console' | 'json';
  readonly logLevel: LogLevel;
  readonly statsIntervalMs: number;

  readonly synRatePerDest: number;
  readonly synBurstPerDest: number;
  readonly synRateGlobal: number;
  readonly synBurstGlobal: number;
  readonly maxPendingSyns: number;
  readonly maxFlows: number;
  readonly maxBufferedBytes: number;

  readonly archiveDir: string | undefined;
  readonly rotateIntervalMs: number;
  readonly rotateSize: number;
  readonly pcap: boolean;
  readonly spoolMaxBytes: number;

  readonly uploadSchedule: string;
  readonly s3Bucket: string | undefined;
  readonly s3Prefix: string;
  readonly s3Region: string | undefined;
  readonly s3Endpoint: string | undefined;
  readonly s3ForcePathStyle: boolean;

  readonly slackWebhookUrl: string | undefined;
  readonly webhookUrl: string | undefined;
  readonly alertWindowMs: number;
  readonly alertDigestIntervalMs: number;
  readonly alertMaxPerMinute: number;

  readonly arpSpoof: boolean;
  readonly arpClaimRequests: number;
  readonly arpClaimWindowMs: number;
  /** IPv4 CIDRs never claimed (--arp-exclude). */
  readonly arpExclude: readonly Cidr[];
  readonly arpRecheckMs: number;

  readonly metricsListen: { readonly host: string; readonly port: number } | undefined;
  readonly healthFile: string | undefined;

  readonly signatures: SignatureSettings;
}

/** Raw values per long flag: strings for scalars, string[] for lists, boolean for bools. */
export type RawValues = ReadonlyMap<string, string | readonly string[] | boolean>;

/** Where a raw value came from, so errors name it: `--network` or `SYNBAIT_NETWORK`. */
export type RawSources = ReadonlyMap<string, string>;

export function buildSettings(raw: RawValues, sources: RawSources, env: { hostname: string }): Settings {
  const spec = (flag: string): OptionSpec => {
    const s = OPTIONS.find((o) => o.flag === flag);
    if (!s) throw new Error(`no option ${flag}`);
    return s;
  };
  const culprit = (flag: string) => sources.get(flag) ?? `--${flag}`;
  const fail = (flag: string, what: string, value: unknown): never => {
    throw new ConfigError(`${culprit(flag)}: ${what} (got ${JSON.stringify(value)})`, culprit(flag));
  };
  const text = (flag: string): string | undefined => {
    const v = raw.get(flag);
    if (v === undefined) return spec(flag).default;
    if (typeof v !== 'string') return fail(flag, 'expected one value', v);
    return v;
  };
  const list = (flag: string): string[] => {
    const v = raw.get(flag);
    if (v === undefined) return [];
    const items = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
    // env lists are comma separated; flag values may be too (-e 80,443). An empty value is an empty list, but an
    // empty item inside a list ("22,,80", "22,") is a typo worth reporting.
    const out: string[] = [];
    for (const item of items) {
      const text = String(item).trim();
      if (text === '') continue;
      for (const part of text.split(',')) {
        if (part.trim() === '') fail(flag, 'empty item in a comma-separated list', text);
        out.push(part.trim());
      }
    }
    return out;
  };
  const seconds = (flag: string, opts: { min?: number } = {}): number => {
    const t = text(flag)!;
    const v = parseSeconds(t);
    if (v === null) return fail(flag, 'expected a duration such as 5, 30s, 15m or 1h', t);
    if (opts.min !== undefined && v < opts.min) return fail(flag, `must be at least ${opts.min} seconds`, t);
    return Math.round(v * 1000);
  };
  const bytes = (flag: string, opts: { min?: number; max?: number } = {}): number => {
    const t = text(flag)!;
    const v = parseBytes(t);
    if (v === null) return fail(flag, 'expected a size such as 65536, 64KiB or 64MB', t);
    if (opts.min !== undefined && v < opts.min) return fail(flag, `must be at least ${opts.min} bytes`, t);
    if (opts.max !== undefined && v > opts.max) return fail(flag, `must be at most ${opts.max} bytes`, t);
    return v;
  };
  const int = (flag: string, opts: { min?: number; max?: number } = {}): number => {
    const t = text(flag)!;
    const v = parseNonNegativeInt(t);
    if (v === null) return fail(flag, 'expected a whole number', t);
    if (opts.min !== undefined && v < opts.min) return fail(flag, `must be at least ${opts.min}`, t);
    if (opts.max !== undefined && v > opts.max) return fail(flag, `must be at most ${opts.max}`, t);
    return v;
  };
  const bool = (flag: string): boolean => {
    const v = raw.get(flag);
    if (typeof v === 'boolean') return v;
    const t = v === undefined ? spec(flag).default ?? 'false' : String(v);
    const b = parseBool(t);
    if (b === null) return fail(flag, 'expected true or false', t);
    return b;
  };
  const oneOf = <T extends string>(flag: string): T => {
    const t = text(flag)!;
    if (!spec(flag).values!.includes(t)) return fail(flag, `expected one of ${spec(flag).values!.join(', ')}`, t);
    return t as T;
  };
  const url = (flag: string): string | undefined => {
    const t = text(flag);
    if (t === undefined || t === '') return undefined;
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      // never echo a secret URL back
      throw new ConfigError(`${culprit(flag)}: not a valid URL`, culprit(flag));
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      throw new ConfigError(`${culprit(flag)}: must be an http(s) URL`, culprit(flag));
    }
    return t;
  };

  const device = text('device');
  if (device === undefined || device === '') {
    throw new ConfigError('-i/--device is required (or SYNBAIT_DEVICE), e.g. synbait -i eth0', '--device');
  }
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(device)) fail('device', 'not a valid interface name', device);

  const networks: Cidr[] = [];
  for (const item of list('network')) {
    const c = parseCidr(item);
    if (!c) fail('network', 'expected an IPv4 or IPv6 CIDR such as 192.0.2.0/24 or 2001:db8::/64', item);
    else networks.push(c);
  }

  const ports: PortRange[] = [];
  for (const item of list('exclude-ports')) {
    const r = parsePortList(item);
    if (!r) fail('exclude-ports', 'expected ports 1-65535 as 22, 80,443 or 8000-8100', item);
    else ports.push(...r);
  }

  const sshText = text('ssh-port')!.trim();
  let sshPorts: PortRange[] = [];
  if (sshText.toLowerCase() !== 'none') {
    const r = parsePortList(sshText);
    if (!r) fail('ssh-port', 'expected ports such as 22 or 22,2222, or none to monitor port 22 too', sshText);
    else sshPorts = mergePortRanges(r);
  }

  const arpExclude: Cidr[] = [];
  for (const item of list('arp-exclude')) {
    const c = parseCidr(item);
    if (!c || c.version !== 4) fail('arp-exclude', 'expected an IPv4 address or CIDR such as 192.0.2.10 or 192.0.2.128/25', item);
    else arpExclude.push(c);
  }

  const sensorId = text('sensor-id') ?? env.hostname;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(sensorId)) {
    fail('sensor-id', 'use 1-63 letters, digits, dot, dash or underscore (it names files and S3 keys)', sensorId);
  }

  const metricsText = text('metrics-listen');
  let metricsListen: Settings['metricsListen'];
  if (metricsText !== undefined && metricsText !== '') {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(metricsText) ?? /^(\d{1,5})$/.exec(metricsText);
    const port = m ? Number(m[m.length - 1]) : NaN;
    if (!m || !(port >= 1 && port <= 65535)) fail('metrics-listen', 'expected ADDR:PORT such as 127.0.0.1:9108', metricsText);
    metricsListen = { host: m!.length === 2 ? '127.0.0.1' : (m![1] ?? m![2]!), port };
  }

  const s3Bucket = text('s3-bucket') || undefined;
  if (s3Bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3Bucket)) {
    fail('s3-bucket', 'not a valid S3 bucket name (3-63 lower-case letters, digits, dots, dashes)', s3Bucket);
  }
  const archiveDir = text('archive-dir') || undefined;
  if (s3Bucket !== undefined && archiveDir === undefined) {
    throw new ConfigError(
      `${culprit('s3-bucket')} needs --archive-dir (SYNBAIT_ARCHIVE_DIR): uploads are made from the spool`,
      culprit('s3-bucket'),
    );
  }
  const s3Endpoint = url('s3-endpoint');
  if (s3Endpoint !== undefined) {
    const u = new URL(s3Endpoint);
    if (u.username !== '' || u.password !== '') {
      throw new ConfigError(`${culprit('s3-endpoint')}: credentials do not belong in the URL; use the AWS credential chain (AWS_ACCESS_KEY_ID...)`, culprit('s3-endpoint'));
    }
  }
  let s3Prefix = text('s3-prefix') ?? '';
  s3Prefix = s3Prefix.replace(/^\/+|\/+$/g, '');

  const settings: Settings = {
    device,
    networks,
    excludePorts: mergePortRanges(ports),
    sshPorts,
    flowTimeoutMs: seconds('flow-timeout', { min: 0.1 }),
    maxPayload: bytes('max-payload', { min: 0, max: 16 * 1024 * 1024 }),
    sensorId,
    pcapBufferSize: bytes('pcap-buffer-size', { min: 1024 * 1024, max: 1024 * 1024 * 1024 }),
    rulePaths: list('rules'),

    format: oneOf('format'),
    logLevel: oneOf('log-level'),
    statsIntervalMs: seconds('stats-interval'),

    synRatePerDest: int('syn-rate-per-dest'),
    synBurstPerDest: int('syn-burst-per-dest', { min: 1 }),
    synRateGlobal: int('syn-rate-global'),
    synBurstGlobal: int('syn-burst-global', { min: 1 }),
    maxPendingSyns: int('max-pending-syns', { min: 16, max: 1 << 24 }),
    maxFlows: int('max-flows', { min: 1, max: 1 << 22 }),
    maxBufferedBytes: bytes('max-buffered-bytes', { min: 64 * 1024 }),

    archiveDir,
    rotateIntervalMs: seconds('rotate-interval', { min: 1 }),
    // one PutObject takes at most 5 GiB
    rotateSize: bytes('rotate-size', { min: 1024, max: 4 * 1024 ** 3 }),
    pcap: bool('pcap'),
    spoolMaxBytes: bytes('spool-max-bytes', { min: 1024 * 1024 }),

    uploadSchedule: text('upload-schedule')!,
    s3Bucket,
    s3Prefix,
    s3Region: text('s3-region') || undefined,
    s3Endpoint,
    s3ForcePathStyle: bool('s3-force-path-style'),

    slackWebhookUrl: url('slack-webhook-url'),
    webhookUrl: url('webhook-url'),
    alertWindowMs: seconds('alert-window', { min: 1 }),
    alertDigestIntervalMs: seconds('alert-digest-interval', { min: 1 }),
    alertMaxPerMinute: int('alert-max-per-minute', { min: 1 }),

    arpSpoof: bool('arp-spoof'),
    arpClaimRequests: int('arp-claim-requests', { min: 1, max: 1000 }),
    arpClaimWindowMs: seconds('arp-claim-window'),
    arpExclude,
    arpRecheckMs: seconds('arp-recheck-interval', { min: 1 }),

    metricsListen,
    healthFile: text('health-file') || undefined,

    signatures: signatureSettings({ text, list, fail }),
  };
  if (settings.archiveDir !== undefined && settings.spoolMaxBytes < 2 * settings.rotateSize) {
    fail('spool-max-bytes', `must be at least twice ${culprit('rotate-size')} (${settings.rotateSize} bytes): the files being written count against it`, text('spool-max-bytes'));
  }
  return Object.freeze(settings);
}

/** Settings with the secrets replaced, for the start-up log line. */
export function redactSettings(s: Settings): Record<string, unknown> {
  return {
    ...s,
    networks: s.networks.map((n) => n.text),
    excludePorts: s.excludePorts.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)),
    sshPorts: s.sshPorts.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)),
    arpExclude: s.arpExclude.map((n) => n.text),
    slackWebhookUrl: s.slackWebhookUrl ? '[redacted]' : undefined,
    webhookUrl: s.webhookUrl ? '[redacted]' : undefined,
    signatures: { ...s.signatures, vars: Object.fromEntries(s.signatures.vars) },
  };
}
