// The rules for the sensor that a command line and the SYNBAIT_* environment would start: the sensor's own parser
// (cli.ts) and scope (plan.ts), the device's addresses and the host's listeners, filled into iptables/rules.v4 or
// rules.v6. `synbait firewall render` prints them, `synbait firewall up` installs them, so the firewall drops
// exactly what the sensor answers. Throws ConfigError (or CaptureError for a missing device) on bad configuration,
// FirewallError on a bad template.

import { readFileSync } from 'node:fs';
import { readDeviceInfo } from '../capture/device-info.ts';
import { parseCommandLine } from '../cli.ts';
import { ConfigError } from '../errors.ts';
import { describeExclusions } from '../scope/exclusions.ts';
import { readHostListeners } from '../scope/host-listeners.ts';
import type { Family } from './iptables-tools.ts';
import { resolveScope } from '../scope/scope.ts';
import type { Listener } from '../scope/proc-net.ts';
import { renderRules } from './render-rules.ts';

export interface SensorRulesIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostname: string;
  readonly version: string;
}

/** Seams for tests. */
export interface SensorRulesDeps {
  readonly listeners?: () => Listener[];
  readonly deviceAddresses?: (device: string) => ReturnType<typeof readDeviceInfo>['addresses'];
  readonly template?: (family: Family) => string;
}

export function templatePath(family: Family): string {
  return new URL(`../../iptables/rules.v${family}`, import.meta.url).pathname;
}

/** One text per family ('' when the family has no monitored address); the sensor flags are parsed once. */
export function renderSensorRules(
  families: readonly Family[],
  sensorArgs: readonly string[],
  io: SensorRulesIo,
  deps: SensorRulesDeps = {},
): Map<Family, string> {
  const cmd = parseCommandLine(sensorArgs, io.env, { hostname: io.hostname });
  if (cmd.kind !== 'run') throw new ConfigError('the sensor flags must start the sensor (no subcommand, --help or --version)');
  const s = cmd.settings;
  const addresses = deps.deviceAddresses ? deps.deviceAddresses(s.device) : readDeviceInfo(s.device).addresses;
  const scope = resolveScope(s, addresses, deps.listeners ? deps.listeners() : readHostListeners());
  const out = new Map<Family, string>();
  for (const family of families) {
    const template = deps.template ? deps.template(family) : readFileSync(templatePath(family), 'utf8');
    out.set(family, renderRules(template, {
      family,
      device: s.device,
      networks: scope.networks,
      ports: scope.exclusions.ports,
      notes: [
        `rendered by synbait ${io.version} firewall-rules --family ${family} for device ${s.device}`,
        `monitored: ${scope.networks.filter((n) => n.version === family).map((n) => n.text).join(', ')}`,
        `excluded ports: ${describeExclusions(scope.exclusions)}`,
      ],
    }));
  }
  return out;
}
