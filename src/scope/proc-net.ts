// Listening sockets from the kernel's socket tables /proc/net/{tcp,tcp6,udp,udp6} (proc(5)). Pure: the text in,
// the listeners out; host-listeners.ts reads the files.
//
//   sl  local_address rem_address   st tx_queue ...
//    0: 0100007F:0277 00000000:0000 0A 00000000:00000000 ...
//
// Addresses are the kernel's 32-bit words printed with %08X in host byte order (IPv6: four such words), the port
// is %04X of the host-order port. A TCP socket listens in state 0A (TCP_LISTEN); a UDP socket receives from anyone
// while it is unconnected: state 07 (TCP_CLOSE) with a zero remote address.

import { formatIp } from '../wire/address.ts';

export interface Listener {
  readonly proto: 'tcp' | 'udp';
  readonly version: 4 | 6;
  /** Local address bytes (4 or 16); all zero for a wildcard bind. */
  readonly address: Uint8Array;
  readonly port: number;
  /** The socket's inode (column 10), to find the process that owns it in /proc/PID/fd; absent if unreadable. */
  readonly inode?: number;
}

const TCP_LISTEN = '0A';
const TCP_CLOSE = '07';

function hexAddress(text: string, littleEndian: boolean): Uint8Array | null {
  if (text.length !== 8 && text.length !== 32) return null;
  if (!/^[0-9A-Fa-f]+$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let word = 0; word < text.length / 8; word++) {
    for (let i = 0; i < 4; i++) {
      const byte = parseInt(text.slice(word * 8 + i * 2, word * 8 + i * 2 + 2), 16);
      out[word * 4 + (littleEndian ? 3 - i : i)] = byte;
    }
  }
  return out;
}

/** Parses one /proc/net/{tcp,tcp6,udp,udp6} file; lines it cannot read are skipped. */
export function parseProcNet(text: string, proto: 'tcp' | 'udp', littleEndian = true): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || !/^\d+:$/.test(cols[0]!)) continue;
    const [local, remote, state] = [cols[1]!, cols[2]!, cols[3]!];
    const [laddr, lport] = local.split(':');
    const [raddr] = remote.split(':');
    if (laddr === undefined || lport === undefined || raddr === undefined) continue;
    if (proto === 'tcp' ? state !== TCP_LISTEN : state !== TCP_CLOSE || /[^0]/.test(raddr)) continue;
    const address = hexAddress(laddr, littleEndian);
    const port = parseInt(lport, 16);
    if (!address || !(port >= 1 && port <= 65535)) continue;
    const inode = Number(cols[9]);
    const l = { proto, version: address.length === 4 ? 4 : 6, address, port } as const;
    out.push(Number.isSafeInteger(inode) && inode > 0 ? { ...l, inode } : l);
  }
  return out;
}

/** `tcp 0.0.0.0:22`, `udp [::]:53`: how a listener is named in logs and rule comments. */
export function describeListener(l: Listener): string {
  const a = formatIp(l.address);
  return `${l.proto} ${l.version === 6 ? `[${a}]` : a}:${l.port}`;
}
