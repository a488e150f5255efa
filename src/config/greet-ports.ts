// --greet PORT[,PORT...]=PROTOCOL: which ports speak first. The list arrives split at commas (flag values and
// SYNBAIT_GREET alike), so ports accumulate until an item names its protocol: "23,2323=telnet,2222=ssh" is
// telnet on 23 and 2323 and ssh on 2222. An SSH port (--ssh-port) is the host's and never greeted: naming one is
// an error, and the default list leaves it out (--ssh-port 2222 keeps the host's sshd on 2222).

import { ConfigError } from '../errors.ts';
import type { GreetPortRange } from '../flow/greet-ports.ts';
import { GREET_PROTOCOLS, isGreetProtocol } from '../record/dialogue.ts';
import type { PortRange } from '../wire/port-range.ts';
import { parsePortList } from './parse-values.ts';

/** The default list without the SSH ports. */
export function defaultGreetPorts(items: readonly string[], sshPorts: readonly PortRange[]): GreetPortRange[] {
  const out: GreetPortRange[] = [];
  for (const r of parseGreetPorts(items, [], 'default')) {
    let from = r.from;
    for (const s of [...sshPorts].sort((a, b) => a.from - b.from)) {
      if (s.to < from || s.from > r.to) continue;
      if (s.from > from) out.push({ from, to: s.from - 1, protocol: r.protocol });
      from = s.to + 1;
    }
    if (from <= r.to) out.push({ from, to: r.to, protocol: r.protocol });
  }
  return out;
}

/** The greeted ports of `items` (`culprit` names the flag or variable in errors). */
export function parseGreetPorts(items: readonly string[], sshPorts: readonly PortRange[], culprit: string): GreetPortRange[] {
  if (items.length === 1 && items[0]!.toLowerCase() === 'none') return [];
  const out: GreetPortRange[] = [];
  let pending: PortRange[] = [];
  const fail: (what: string, item: string) => never = (what, item) => {
    throw new ConfigError(`${culprit}: ${what} (got ${JSON.stringify(item)})`, culprit);
  };
  for (const item of items) {
    const eq = item.indexOf('=');
    const portText = eq < 0 ? item : item.slice(0, eq);
    const ports = parsePortList(portText) ?? fail('expected PORT[,PORT...]=PROTOCOL such as 23,2323=telnet (ports 1-65535, ranges as 2323-2330)', item);
    pending.push(...ports);
    if (eq < 0) continue;
    const protocol = item.slice(eq + 1).trim().toLowerCase();
    if (!isGreetProtocol(protocol)) fail(`unknown protocol; one of ${GREET_PROTOCOLS.join(', ')}`, item);
    for (const p of pending) out.push({ ...p, protocol });
    pending = [];
  }
  if (pending.length > 0) fail('ports without =PROTOCOL at the end', items.join(','));
  checkOverlaps(out, sshPorts, fail);
  return out;
}

function checkOverlaps(out: readonly GreetPortRange[], sshPorts: readonly PortRange[], fail: (what: string, item: string) => never): void {
  const text = (r: PortRange) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`);
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    for (const s of sshPorts) {
      if (a.from <= s.to && s.from <= a.to) fail(`port ${text(s)} is an SSH port (--ssh-port) and is never answered; use --ssh-port none to monitor it`, `${text(a)}=${a.protocol}`);
    }
    for (let j = i + 1; j < out.length; j++) {
      const b = out[j]!;
      if (a.from <= b.to && b.from <= a.to && a.protocol !== b.protocol) fail(`ports ${text(a)} and ${text(b)} overlap with different protocols`, `${text(b)}=${b.protocol}`);
    }
  }
}
