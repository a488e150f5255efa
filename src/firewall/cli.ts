// `synbait firewall-rules --family 4|6 [-- SENSOR-FLAGS...]`: prints the iptables-restore input for iptables/rules.v4
// or rules.v6, filled with the effective settings of the sensor that the same flags and SYNBAIT_* variables would
// start. entrypoint.sh calls it with the container's command line, so flags and environment have one parser.
// Exit status: 0 (rules printed; nothing when the family has no monitored address), 2 on bad configuration.

import { readFileSync } from 'node:fs';
import { readDeviceInfo } from '../capture/device-info.ts';
import { parseCommandLine } from '../cli.ts';
import { CaptureError, ConfigError } from '../errors.ts';
import { describeExclusions } from './exclusions.ts';
import { readHostListeners } from './host-listeners.ts';
import { resolveScope } from './plan.ts';
import type { Listener } from './proc-net.ts';
import { renderRules, TemplateError } from './render-rules.ts';

export interface FirewallIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostname: string;
  readonly version: string;
}

/** Seams for tests. */
export interface FirewallDeps {
  readonly listeners?: () => Listener[];
  readonly deviceAddresses?: (device: string) => ReturnType<typeof readDeviceInfo>['addresses'];
  readonly template?: (family: 4 | 6) => string;
}

export function templatePath(family: 4 | 6): string {
  return new URL(`../../iptables/rules.v${family}`, import.meta.url).pathname;
}

export function renderFirewallHelp(): string {
  return [
    'Usage: synbait firewall-rules --family 4|6 [-- SENSOR-FLAGS...]',
    '',
    'Prints the iptables-restore input of iptables/rules.v4 or rules.v6 for the sensor that SENSOR-FLAGS and the',
    'SYNBAIT_* environment configure: its device, monitored networks and excluded ports (--ssh-port, -e, and',
    'every port a service on this host listens on). Prints nothing when no address of that family is monitored.',
    'entrypoint.sh loads the output with iptables-restore --noflush; see docs/appliance.md.',
    '',
  ].join('\n');
}

export function runFirewallRules(args: readonly string[], io: FirewallIo, deps: FirewallDeps = {}): number {
  const fail = (msg: string, code: number) => {
    io.stderr.write(`synbait firewall-rules: ${msg}\n`);
    return code;
  };
  let family: 4 | 6 | undefined;
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
    const cmd = parseCommandLine(sensorArgs, io.env, { hostname: io.hostname });
    if (cmd.kind !== 'run') return fail('the sensor flags after -- must start the sensor (no subcommand, --help or --version)', 2);
    const s = cmd.settings;
    const addresses = deps.deviceAddresses ? deps.deviceAddresses(s.device) : readDeviceInfo(s.device).addresses;
    const scope = resolveScope(s, addresses, deps.listeners ? deps.listeners() : readHostListeners());
    const template = deps.template ? deps.template(family) : readFileSync(templatePath(family), 'utf8');
    const text = renderRules(template, {
      family,
      device: s.device,
      networks: scope.networks,
      ports: scope.exclusions.ports,
      notes: [
        `rendered by synbait ${io.version} firewall-rules --family ${family} for device ${s.device}`,
        `monitored: ${scope.networks.filter((n) => n.version === family).map((n) => n.text).join(', ')}`,
        `excluded ports: ${describeExclusions(scope.exclusions)}`,
      ],
    });
    io.stdout.write(text);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, 2);
    if (err instanceof CaptureError && err.code === 'SYNBAIT_ERR_NO_DEVICE') return fail(err.message, 2);
    if (err instanceof TemplateError) return fail(`iptables/rules.v${family}: ${err.message}`, 1);
    throw err;
  }
}
