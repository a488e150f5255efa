// Fills an iptables/ template (iptables-restore input) with the sensor's effective settings. Pure.
//
// Placeholders:
//   {{DEVICE}}   the capture device (-i)
//   {{NETWORK}}  a line holding it is repeated once per monitored network of the template's family
//   {{PORT}}     a line holding it is repeated once per excluded port range, in iptables syntax (22, 8000:8100)
// A list placeholder with an empty list drops its line. Template comments (lines starting with `#`) are kept: they
// explain each rule in the entrypoint's log. Anything else in braces is a FirewallError, so a typo cannot ship.

import type { PortRange } from '../wire/port-range.ts';
import { FirewallError } from '../errors.ts';
import type { Cidr } from '../wire/address.ts';

export interface RuleValues {
  readonly family: 4 | 6;
  readonly device: string;
  /** Monitored networks; those of the other family are ignored. */
  readonly networks: readonly Cidr[];
  readonly ports: readonly PortRange[];
  /** Comment lines put after the template's header (what was excluded and why). */
  readonly notes?: readonly string[];
}

const PLACEHOLDER = /\{\{([A-Z_]+)\}\}/g;
const SAFE_DEVICE = /^[A-Za-z0-9_.:@-]{1,15}$/;

/**
 * Returns the iptables-restore input, or '' when the family has no monitored network (nothing to drop, so no chain
 * is installed for it).
 */
export function renderRules(template: string, v: RuleValues): string {
  // the values become iptables arguments: refuse anything that could end a line or add an argument
  if (!SAFE_DEVICE.test(v.device)) throw new FirewallError(`unsafe device name ${JSON.stringify(v.device)}`);
  const networks = v.networks.filter((n) => n.version === v.family).map((n) => n.text);
  if (networks.length === 0) return '';
  const ports = v.ports.map((r) => {
    if (!(Number.isInteger(r.from) && Number.isInteger(r.to) && r.from >= 1 && r.to <= 65535 && r.from <= r.to)) {
      throw new FirewallError(`bad port range ${r.from}-${r.to}`);
    }
    return r.from === r.to ? `${r.from}` : `${r.from}:${r.to}`;
  });
  const lists: Record<string, readonly string[]> = { NETWORK: networks, PORT: ports };

  const out: string[] = [];
  const lines = template.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let notesDone = false;
  for (const line of lines) {
    if (!notesDone && !line.startsWith('#')) {
      // after the header comment block
      for (const n of v.notes ?? []) out.push(`# ${n.replace(/[\r\n]/g, ' ')}`);
      notesDone = true;
    }
    const names = new Set([...line.matchAll(PLACEHOLDER)].map((m) => m[1]!));
    const stray = line.replace(PLACEHOLDER, '');
    if (!line.startsWith('#') && (stray.includes('{{') || stray.includes('}}'))) {
      throw new FirewallError(`malformed placeholder in ${JSON.stringify(line)}`);
    }
    if (line.startsWith('#') || names.size === 0) {
      out.push(line);
      continue;
    }
    // every combination of the list placeholders on this line (in practice at most one per line)
    let variants: Record<string, string>[] = [{ DEVICE: v.device }];
    for (const name of names) {
      if (name === 'DEVICE') continue;
      const values = lists[name];
      if (values === undefined) throw new FirewallError(`unknown placeholder {{${name}}} in ${JSON.stringify(line)}`);
      variants = variants.flatMap((vars) => values.map((value) => ({ ...vars, [name]: value })));
    }
    for (const vars of variants) out.push(line.replace(PLACEHOLDER, (_, name: string) => vars[name]!));
  }
  return out.join('\n') + '\n';
}
