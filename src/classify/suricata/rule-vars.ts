// Rule variables ($HOME_NET, $HTTP_PORTS ...): the address-groups and port-groups of suricata.yaml, with
// HOME_NET set to the networks the sensor monitors (every address synbait answers for is "home") and
// EXTERNAL_NET to everything else, as suricata.yaml's default "!$HOME_NET" says. Each default can be replaced
// (--rules-var NAME=VALUE). Values are rule-syntax text, resolved when a rule uses them.

export interface RuleVars {
  readonly addresses: ReadonlyMap<string, string>;
  readonly ports: ReadonlyMap<string, string>;
}

/** suricata.yaml's address-groups, HOME_NET aside. */
const ADDRESS_DEFAULTS: readonly (readonly [string, string])[] = [
  ['EXTERNAL_NET', '!$HOME_NET'],
  ['HTTP_SERVERS', '$HOME_NET'],
  ['SMTP_SERVERS', '$HOME_NET'],
  ['SQL_SERVERS', '$HOME_NET'],
  ['DNS_SERVERS', '$HOME_NET'],
  ['TELNET_SERVERS', '$HOME_NET'],
  ['AIM_SERVERS', '$EXTERNAL_NET'],
  ['DC_SERVERS', '$HOME_NET'],
  ['DNP3_SERVER', '$HOME_NET'],
  ['DNP3_CLIENT', '$HOME_NET'],
  ['MODBUS_CLIENT', '$HOME_NET'],
  ['MODBUS_SERVER', '$HOME_NET'],
  ['ENIP_CLIENT', '$HOME_NET'],
  ['ENIP_SERVER', '$HOME_NET'],
];

/** suricata.yaml's port-groups. */
const PORT_DEFAULTS: readonly (readonly [string, string])[] = [
  ['HTTP_PORTS', '80'],
  ['SHELLCODE_PORTS', '!80'],
  ['ORACLE_PORTS', '1521'],
  ['SSH_PORTS', '22'],
  ['DNP3_PORTS', '20000'],
  ['MODBUS_PORTS', '502'],
  ['FILE_DATA_PORTS', '[$HTTP_PORTS,110,143]'],
  ['FTP_PORTS', '21'],
  ['GENEVE_PORTS', '6081'],
  ['VXLAN_PORTS', '4789'],
  ['TEREDO_PORTS', '3544'],
];

export const PORT_VAR_NAMES: readonly string[] = PORT_DEFAULTS.map(([n]) => n);

/**
 * The variables for a sensor monitoring homeNets (CIDR texts; empty: every address counts as home, which is
 * what a sensor answering for all its device's addresses means). overrides: NAME → value text; a name that is a
 * default port group, or ends in _PORTS, is a port variable, anything else an address variable.
 */
export function ruleVars(homeNets: readonly string[], overrides: ReadonlyMap<string, string> = new Map()): RuleVars {
  const addresses = new Map<string, string>([['HOME_NET', homeNets.length === 0 ? 'any' : `[${homeNets.join(',')}]`], ...ADDRESS_DEFAULTS]);
  // with every address home (no networks known: synbait label, report --relabel), "!$HOME_NET" would name no
  // address at all; a honeypot's clients are all external, so EXTERNAL_NET is then any address, as T-Pot sets it
  if (homeNets.length === 0) addresses.set('EXTERNAL_NET', 'any');
  const ports = new Map<string, string>(PORT_DEFAULTS);
  for (const [name, value] of overrides) {
    if (ports.has(name) || name.endsWith('_PORTS')) ports.set(name, value);
    else addresses.set(name, value);
  }
  return { addresses, ports };
}

/** NAME=VALUE (from --rules-var) → [name, value], or null when malformed. */
export function parseVarAssignment(text: string): readonly [string, string] | null {
  const m = /^\$?([A-Z][A-Z0-9_]{0,63})=(.+)$/.exec(text.trim());
  return m ? [m[1]!, m[2]!.trim()] : null;
}
