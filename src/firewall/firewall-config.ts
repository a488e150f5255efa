// The two settings `synbait firewall` reads from the environment (they are in the one options table, so --help,
// the README and .env.example list them): whether to touch the firewall at all, and which iptables backend.

import { optionByFlag } from '../config/options.ts';
import { ConfigError } from '../errors.ts';
import type { Backend } from './iptables-tools.ts';

export type BackendSetting = Backend | 'auto';

export interface FirewallConfig {
  /** SYNBAIT_FIREWALL=off: `firewall up` and `firewall down` touch nothing (the owner manages the firewall). */
  readonly enabled: boolean;
  readonly backend: BackendSetting;
}

function enumValue(flag: string, env: Readonly<Record<string, string | undefined>>): string {
  const spec = optionByFlag(flag)!;
  const raw = env[spec.env];
  const value = raw === undefined || raw === '' ? spec.default! : raw;
  const values = spec.values ?? [];
  if (!values.includes(value)) {
    throw new ConfigError(`${spec.env}: expected ${values.join(', ').replace(/, ([^,]*)$/, ' or $1')} (got ${JSON.stringify(value)})`, spec.env);
  }
  return value;
}

/** Throws ConfigError naming the variable for anything but the documented values; unset or empty is the default. */
export function readFirewallConfig(env: Readonly<Record<string, string | undefined>>): FirewallConfig {
  return {
    enabled: enumValue('firewall', env) === 'on',
    backend: enumValue('iptables-backend', env) as BackendSetting,
  };
}
