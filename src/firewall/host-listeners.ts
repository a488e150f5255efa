// Reads the listening TCP and UDP sockets of this network namespace (the host's, in a host-network container).

import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { type Listener, parseProcNet } from './proc-net.ts';

const FILES = [
  ['/proc/net/tcp', 'tcp'],
  ['/proc/net/tcp6', 'tcp'],
  ['/proc/net/udp', 'udp'],
  ['/proc/net/udp6', 'udp'],
] as const;

/** Every listening socket; a missing file (IPv6 disabled, not Linux) contributes none. */
export function readHostListeners(procRoot = ''): Listener[] {
  const out: Listener[] = [];
  for (const [file, proto] of FILES) {
    let text: string;
    try {
      text = readFileSync(procRoot + file, 'utf8');
    } catch {
      continue;
    }
    out.push(...parseProcNet(text, proto, endianness() === 'LE'));
  }
  return out;
}
