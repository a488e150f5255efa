// `synbait firewall up|down|render|device` (and `synbait firewall-rules`, the old name of `render`). Decisions live
// in the modules this one calls; here: arguments, the logger (pino JSON lines on stderr, as entrypoint.sh logged),
// and exit status: 0 done, 1 the firewall could not be changed (what was installed is removed), 2 bad configuration
// (nothing changed).

import { readFileSync } from 'node:fs';
import pino from 'pino';
import { LOG_LEVELS } from '../config/options.ts';
import { CaptureError, ConfigError, FirewallError, isSynbaitError } from '../errors.ts';
import { childProcessRunner } from './child-process-runner.ts';
import type { CommandRunner } from './command-runner.ts';
import { defaultRouteDevice } from './default-route.ts';
import { readFirewallConfig } from './firewall-config.ts';
import { firewallDown } from './firewall-down.ts';
import { FirewallExecutor, type FirewallLogger } from './firewall-executor.ts';
import { firewallUp } from './firewall-up.ts';
import { FAMILIES, type Family } from './iptables-tools.ts';
import { renderSensorRules, type SensorRulesDeps, type SensorRulesIo } from './sensor-rules.ts';

export { templatePath } from './sensor-rules.ts';

export interface FirewallIo extends SensorRulesIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Seams for tests: a fake runner instead of the iptables binaries, the routing tables as text. */
export interface FirewallDeps extends SensorRulesDeps {
  readonly runner?: CommandRunner;
  readonly readText?: (path: string) => string;
}

export function renderFirewallHelp(): string {
  return [
    'Usage:',
    '  synbait firewall up [--] [SENSOR-FLAGS...]   remove leftovers, install the rules for that sensor, print the undo plan',
    '  synbait firewall down                        remove every synbait rule (both iptables backends, IPv4 and IPv6)',
    '  synbait firewall render --family 4|6 [-- SENSOR-FLAGS...]   print the rules (also: synbait firewall-rules)',
    '  synbait firewall device                      print the device of the default route',
    '',
    'The rules are iptables/rules.v4 and rules.v6 filled for the sensor that SENSOR-FLAGS and the SYNBAIT_*',
    'environment configure: its device, monitored networks and excluded ports (--ssh-port, -e, and every port a',
    'service on this host listens on). SYNBAIT_IPTABLES_BACKEND=auto|nft|legacy picks the backend (auto: the one',
    'holding the host\'s rules, else nft); SYNBAIT_FIREWALL=off makes up and down touch nothing. Logs are JSON lines',
    'on stderr. Exit status: 0 done, 1 the firewall could not be changed, 2 bad configuration. See docs/appliance.md.',
    '',
  ].join('\n');
}

/** `synbait firewall-rules --family 4|6 [-- SENSOR-FLAGS...]` (= `synbait firewall render`): plain errors on stderr. */
export function runFirewallRules(args: readonly string[], io: FirewallIo, deps: FirewallDeps = {}, name = 'firewall-rules'): number {
  const fail = (msg: string, code: number) => {
    io.stderr.write(`synbait ${name}: ${msg}\n`);
    return code;
  };
  let family: Family | undefined;
  let sensorArgs: readonly string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      sensorArgs = args.slice(i + 1);
      break;
    }
    if (a === '-h' || a === '--help') {
      io.stdout.write(renderFirewallHelp());
      return 0;
    }
    const value = a === '--family' ? args[++i] : a.startsWith('--family=') ? a.slice('--family='.length) : undefined;
    if (value === undefined) return fail(`unexpected argument ${JSON.stringify(a)} (sensor flags go after --)`, 2);
    if (value !== '4' && value !== '6') return fail(`--family: expected 4 or 6 (got ${JSON.stringify(value)})`, 2);
    family = value === '4' ? 4 : 6;
  }
  if (family === undefined) return fail('--family 4|6 is required', 2);
  try {
    io.stdout.write(renderSensorRules([family], sensorArgs, io, deps).get(family)!);
    return 0;
  } catch (err) {
    const status = statusOf(err);
    if (status === undefined) throw err;
    return fail(err instanceof FirewallError ? `iptables/rules.v${family}: ${(err as Error).message}` : (err as Error).message, status);
  }
}

/** 2 for bad configuration (a missing device included), 1 for a bad template; undefined: not ours, rethrow. */
function statusOf(err: unknown): 1 | 2 | undefined {
  if (err instanceof ConfigError) return 2;
  if (err instanceof CaptureError && err.code === 'SYNBAIT_ERR_NO_DEVICE') return 2;
  if (err instanceof FirewallError) return 1;
  return undefined;
}

function createLogger(io: FirewallIo): FirewallLogger {
  const wanted = io.env.SYNBAIT_LOG_LEVEL;
  const level = (LOG_LEVELS as readonly string[]).includes(wanted ?? '') ? wanted! : 'info';
  return pino(
    { level, base: { component: 'firewall' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    io.stderr,
  );
}

export async function runFirewall(args: readonly string[], io: FirewallIo, deps: FirewallDeps = {}): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'render':
      return runFirewallRules(rest, io, deps, 'firewall render');
    case 'up':
    case 'down':
    case 'device':
      return runWithLogger(sub, rest, io, deps);
    case undefined:
    case '-h':
    case '--help':
      io.stdout.write(renderFirewallHelp());
      return sub === undefined ? 2 : 0;
    default:
      io.stderr.write(`synbait firewall: unknown command ${JSON.stringify(sub)} (up, down, render or device)\n`);
      return 2;
  }
}

async function runWithLogger(sub: 'up' | 'down' | 'device', rest: readonly string[], io: FirewallIo, deps: FirewallDeps): Promise<number> {
  const log = createLogger(io);
  try {
    if (sub === 'device') return printDefaultDevice(io, log, deps);
    if (sub === 'down' && rest.length > 0) throw new ConfigError(`firewall down takes no arguments (got ${JSON.stringify(rest[0])})`);
    const config = readFirewallConfig(io.env);
    const x = new FirewallExecutor(deps.runner ?? childProcessRunner({ ...process.env, ...io.env }), log);
    if (sub === 'down') return await firewallDown(x, config);
    const sensorArgs = rest[0] === '--' ? rest.slice(1) : rest;
    // the rules are rendered before anything changes: a configuration error stops here
    const rules = config.enabled ? renderSensorRules(FAMILIES, sensorArgs, io, deps) : new Map<Family, string>();
    const outcome = await firewallUp(x, config, { 4: rules.get(4) ?? '', 6: rules.get(6) ?? '' });
    if (outcome.status === 0 && outcome.undo.length > 0) {
      io.stdout.write(`# installed (${outcome.backend}); to undo: synbait firewall down, or\n${outcome.undo.join('\n')}\n`);
    }
    return outcome.status;
  } catch (err) {
    const status = statusOf(err);
    if (status === undefined) throw err;
    const e = err as Error;
    const culprit = err instanceof ConfigError ? err.culprit : undefined;
    log.fatal({ event: status === 2 ? 'ConfigInvalid' : 'FirewallFailed', code: isSynbaitError(err) ? err.code : undefined, culprit }, e.message);
    return status;
  }
}

function printDefaultDevice(io: FirewallIo, log: FirewallLogger, deps: FirewallDeps): number {
  const read = deps.readText ?? ((p: string) => readFileSync(p, 'utf8'));
  const text = (p: string) => {
    try {
      return read(p);
    } catch {
      return '';
    }
  };
  const device = defaultRouteDevice(text('/proc/net/route'), text('/proc/net/ipv6_route'));
  if (device === undefined) {
    log.warn({ event: 'DeviceChosen' }, 'SYNBAIT_DEVICE is not set and there is no default route; the sensor needs -i DEVICE');
    return 0;
  }
  log.info({ event: 'DeviceChosen', device }, `SYNBAIT_DEVICE is not set: using ${device}, the device of the default route (a -i flag wins)`);
  io.stdout.write(`${device}\n`);
  return 0;
}
