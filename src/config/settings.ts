// Typed, frozen Settings built once from the raw flag/env values. Every check names the flag or variable at
// fault (ConfigError.culprit) so the CLI can print it and exit 2.

import { ConfigError } from '../errors.ts';
import { type Cidr, parseCidr } from '../wire/address.ts';
import type { GreetPortRange } from '../flow/greet-ports.ts';
import { defaultGreetPorts, parseGreetPorts } from './greet-ports.ts';
import { LOG_LEVELS, optionByFlag } from './options.ts';
import { mergePortRanges, portRangeText, type PortRange } from '../wire/port-range.ts';
import { parsePortList } from './parse-values.ts';
import { RawReader, type RawSources, type RawValues } from './raw-values.ts';
import { signatureSettings, type SignatureSettings } from './signature-settings.ts';
import { MAX_ATTEMPTS_LIMIT } from '../dialogue/dialogue.ts';

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
  /** Capture snapshot length; undefined: the device MTU + 18. */
  readonly snaplen: number | undefined;
  readonly rulePaths: readonly string[];

  /** Ports that speak first (--greet), and their texts (--greet-file, read at start). */
  readonly greet: readonly GreetPortRange[];
  readonly greetFile: string | undefined;
  readonly greetMaxAttempts: number;

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

export type { RawSources, RawValues } from './raw-values.ts';

export function buildSettings(raw: RawValues, sources: RawSources, env: { hostname: string }): Settings {
  const r = new RawReader(raw, sources);
  const scope = readScope(r, env);
  const settings: Settings = {
    ...scope,
    flowTimeoutMs: r.seconds('flow-timeout', { min: 0.1 }),
    maxPayload: r.bytes('max-payload', { min: 0, max: 16 * 1024 * 1024 }),
    pcapBufferSize: r.bytes('pcap-buffer-size', { min: 1024 * 1024, max: 1024 * 1024 * 1024 }),
    snaplen: r.optional('snaplen') === undefined ? undefined : r.bytes('snaplen', { min: 128, max: 262144 }),
    rulePaths: r.list('rules'),
    ...readGreet(r, scope.sshPorts),
    format: r.oneOf('format'),
    logLevel: r.oneOf('log-level'),
    statsIntervalMs: r.seconds('stats-interval'),
    ...readLimits(r),
    ...readArchive(r),
    ...readAlerts(r),
    ...readArp(r),
    metricsListen: readListen(r, 'metrics-listen'),
    healthFile: r.optional('health-file'),
    signatures: signatureSettings(r),
  };
  if (settings.archiveDir !== undefined && settings.spoolMaxBytes < 2 * settings.rotateSize) {
    r.fail('spool-max-bytes', `must be at least twice ${r.culprit('rotate-size')} (${settings.rotateSize} bytes): the files being written count against it`, r.text('spool-max-bytes'));
  }
  return Object.freeze(settings);
}

/** What the sensor answers for and what it calls itself. */
function readScope(r: RawReader, env: { hostname: string }) {
  const device = r.text('device');
  if (device === undefined || device === '') {
    throw new ConfigError('-i/--device is required (or SYNBAIT_DEVICE), e.g. synbait -i eth0', '--device');
  }
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(device)) r.fail('device', 'not a valid interface name', device);
  const networks = r.list('network').map((item) => parseCidr(item) ?? r.fail('network', 'expected an IPv4 or IPv6 CIDR such as 192.0.2.0/24 or 2001:db8::/64', item));
  const ports = r.list('exclude-ports').flatMap((item) => parsePortList(item) ?? r.fail('exclude-ports', 'expected ports 1-65535 as 22, 80,443 or 8000-8100', item));
  const sshText = r.text('ssh-port')!.trim();
  const sshPorts = sshText.toLowerCase() === 'none'
    ? []
    : mergePortRanges(parsePortList(sshText) ?? r.fail('ssh-port', 'expected ports such as 22 or 22,2222, or none to monitor port 22 too', sshText));
  const sensorId = r.text('sensor-id') ?? env.hostname;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(sensorId)) {
    r.fail('sensor-id', 'use 1-63 letters, digits, dot, dash or underscore (it names files and S3 keys)', sensorId);
  }
  return { device, networks, excludePorts: mergePortRanges(ports), sshPorts, sensorId };
}

/** Server-first ports; without --greet the documented default applies ("none" greets nowhere). */
function readGreet(r: RawReader, sshPorts: readonly PortRange[]) {
  const given = r.list('greet');
  return {
    greet: given.length > 0 ? parseGreetPorts(given, sshPorts, r.culprit('greet')) : defaultGreetPorts(optionByFlag('greet')!.default!.split(','), sshPorts),
    greetFile: r.optional('greet-file'),
    greetMaxAttempts: r.int('greet-max-attempts', { min: 1, max: MAX_ATTEMPTS_LIMIT }),
  };
}

/** Rate limits and table caps (flood safety). */
function readLimits(r: RawReader) {
  return {
    synRatePerDest: r.int('syn-rate-per-dest'),
    synBurstPerDest: r.int('syn-burst-per-dest', { min: 1 }),
    synRateGlobal: r.int('syn-rate-global'),
    synBurstGlobal: r.int('syn-burst-global', { min: 1 }),
    maxPendingSyns: r.int('max-pending-syns', { min: 16, max: 1 << 24 }),
    maxFlows: r.int('max-flows', { min: 1, max: 1 << 22 }),
    maxBufferedBytes: r.bytes('max-buffered-bytes', { min: 64 * 1024 }),
  };
}

/** The spool and its uploads. */
function readArchive(r: RawReader) {
  const s3Bucket = r.optional('s3-bucket');
  if (s3Bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3Bucket)) {
    r.fail('s3-bucket', 'not a valid S3 bucket name (3-63 lower-case letters, digits, dots, dashes)', s3Bucket);
  }
  const archiveDir = r.optional('archive-dir');
  if (s3Bucket !== undefined && archiveDir === undefined) {
    throw new ConfigError(`${r.culprit('s3-bucket')} needs --archive-dir (SYNBAIT_ARCHIVE_DIR): uploads are made from the spool`, r.culprit('s3-bucket'));
  }
  const s3Endpoint = r.url('s3-endpoint');
  if (s3Endpoint !== undefined) {
    const u = new URL(s3Endpoint);
    if (u.username !== '' || u.password !== '') {
      throw new ConfigError(`${r.culprit('s3-endpoint')}: credentials do not belong in the URL; use the AWS credential chain (AWS_ACCESS_KEY_ID...)`, r.culprit('s3-endpoint'));
    }
  }
  return {
    archiveDir,
    rotateIntervalMs: r.seconds('rotate-interval', { min: 1 }),
    // one PutObject takes at most 5 GiB
    rotateSize: r.bytes('rotate-size', { min: 1024, max: 4 * 1024 ** 3 }),
    pcap: r.bool('pcap'),
    spoolMaxBytes: r.bytes('spool-max-bytes', { min: 1024 * 1024 }),
    uploadSchedule: r.text('upload-schedule')!,
    s3Bucket,
    s3Prefix: (r.text('s3-prefix') ?? '').replace(/^\/+|\/+$/g, ''),
    s3Region: r.optional('s3-region'),
    s3Endpoint,
    s3ForcePathStyle: r.bool('s3-force-path-style'),
  };
}

function readAlerts(r: RawReader) {
  return {
    slackWebhookUrl: r.url('slack-webhook-url'),
    webhookUrl: r.url('webhook-url'),
    alertWindowMs: r.seconds('alert-window', { min: 1 }),
    alertDigestIntervalMs: r.seconds('alert-digest-interval', { min: 1 }),
    alertMaxPerMinute: r.int('alert-max-per-minute', { min: 1 }),
  };
}

function readArp(r: RawReader) {
  const arpExclude = r.list('arp-exclude').map((item) => {
    const c = parseCidr(item);
    return c && c.version === 4 ? c : r.fail('arp-exclude', 'expected an IPv4 address or CIDR such as 192.0.2.10 or 192.0.2.128/25', item);
  });
  return {
    arpSpoof: r.bool('arp-spoof'),
    arpClaimRequests: r.int('arp-claim-requests', { min: 1, max: 1000 }),
    arpClaimWindowMs: r.seconds('arp-claim-window'),
    arpExclude,
    arpRecheckMs: r.seconds('arp-recheck-interval', { min: 1 }),
  };
}

/** ADDR:PORT, [V6]:PORT or a bare PORT (127.0.0.1:PORT). */
function readListen(r: RawReader, flag: string): Settings['metricsListen'] {
  const t = r.text(flag);
  if (t === undefined || t === '') return undefined;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(t) ?? /^(\d{1,5})$/.exec(t);
  const port = m ? Number(m[m.length - 1]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) return r.fail(flag, 'expected ADDR:PORT such as 127.0.0.1:9108', t);
  return { host: m.length === 2 ? '127.0.0.1' : (m[1] ?? m[2]!), port };
}

/** Settings with the secrets replaced, for the start-up log line. */
export function redactSettings(s: Settings): Record<string, unknown> {
  return {
    ...s,
    networks: s.networks.map((n) => n.text),
    excludePorts: s.excludePorts.map(portRangeText),
    sshPorts: s.sshPorts.map(portRangeText),
    greet: s.greet.map((r) => `${portRangeText(r)}=${r.protocol}`),
    arpExclude: s.arpExclude.map((n) => n.text),
    slackWebhookUrl: s.slackWebhookUrl ? '[redacted]' : undefined,
    webhookUrl: s.webhookUrl ? '[redacted]' : undefined,
    signatures: { ...s.signatures, vars: Object.fromEntries(s.signatures.vars) },
  };
}
