// What the sensor answers for: the effective monitored networks and excluded ports, from the settings and facts
// about the host. The sensor (sensor/host.ts) and `synbait firewall up` (entrypoint.sh) both call this, so the firewall
// drops exactly what the sensor answers.

import type { Settings } from '../config/settings.ts';
import { ConfigError } from '../errors.ts';
import type { Cidr } from '../wire/address.ts';
import { type Exclusions, resolveExclusions } from './exclusions.ts';
import type { Listener } from './proc-net.ts';

export interface SensorScope {
  readonly networks: readonly Cidr[];
  readonly exclusions: Exclusions;
}

export function resolveScope(
  settings: Pick<Settings, 'device' | 'networks' | 'excludePorts' | 'sshPorts' | 'metricsListen'>,
  deviceAddresses: readonly Cidr[],
  listeners: readonly Listener[],
): SensorScope {
  const networks = settings.networks.length > 0 ? settings.networks : deviceAddresses;
  if (networks.length === 0) {
    throw new ConfigError(`device ${settings.device} has no IP addresses; name the addresses to answer for with -n CIDR`, '--network');
  }
  const exclusions = resolveExclusions({
    excludePorts: settings.excludePorts,
    sshPorts: settings.sshPorts,
    listeners,
    networks,
    metricsListen: settings.metricsListen,
  });
  return { networks, exclusions };
}
