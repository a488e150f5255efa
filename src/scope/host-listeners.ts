// Reads the listening TCP and UDP sockets of this network namespace (the host's, in a host-network container), and
// which processes own them (for the log line that says why a port was excluded).

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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

/**
 * readHostListeners off the event loop (the files are read by libuv's threads): a running sensor re-reads them every
 * few seconds, and on a busy host /proc/net/tcp is large enough to read for milliseconds.
 */
export async function readHostListenersAsync(procRoot = ''): Promise<Listener[]> {
  const texts = await Promise.all(FILES.map(([file]) => readFile(procRoot + file, 'utf8').catch(() => undefined)));
  const out: Listener[] = [];
  texts.forEach((text, i) => {
    if (text !== undefined) out.push(...parseProcNet(text, FILES[i]![1], endianness() === 'LE'));
  });
  return out;
}

export interface SocketOwner {
  readonly pid: number;
  /** /proc/PID/comm, e.g. `nginx`. */
  readonly command: string;
}

/**
 * inode -> the processes holding that socket, from the `socket:[INODE]` links in /proc/PID/fd. Processes we may not
 * look into (another user's without CAP_SYS_PTRACE, or another PID namespace) are simply not listed.
 */
export function findSocketOwners(inodes: ReadonlySet<number>, procRoot = ''): Map<number, SocketOwner[]> {
  const out = new Map<number, SocketOwner[]>();
  if (inodes.size === 0) return out;
  let pids: string[];
  try {
    pids = readdirSync(`${procRoot}/proc`).filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/proc/${pid}/fd`);
    } catch {
      continue;
    }
    let command: string | undefined;
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${procRoot}/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      const inode = m ? Number(m[1]) : 0;
      if (!inodes.has(inode)) continue;
      command ??= readComm(procRoot, pid);
      const owners = out.get(inode) ?? [];
      if (!owners.some((o) => o.pid === Number(pid))) owners.push({ pid: Number(pid), command });
      out.set(inode, owners);
    }
  }
  return out;
}

function readComm(procRoot: string, pid: string): string {
  try {
    return readFileSync(`${procRoot}/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}
