// What `-a` needs to know about the host before it may answer ARP: the device's MAC (source of our replies),
// every IPv4 address the host owns (never claimed), the routers in the routing table (never claimed), and whether
// the kernel forwards IPv4 (then it would also route traffic for claimed addresses; see docs/arp.md).

import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parseMac } from '../wire/ethernet.ts';
import type { DeviceInfo } from './device-info.ts';

export interface LinkInfo {
  readonly mac: Uint8Array;
  /** IPv4 addresses of every interface of the host (4 bytes each). */
  readonly hostAddresses: readonly Uint8Array[];
  /** Next hops of IPv4 routes (the default gateway first when there is one), as dotted quads. */
  readonly gateways: readonly string[];
  /** net.ipv4.ip_forward is on (unknown counts as off). */
  readonly ipForward: boolean;
}

/** `dev` is what readDeviceInfo found (it refuses a device without an Ethernet MAC). */
export function readLinkInfo(dev: Pick<DeviceInfo, 'mac'>): LinkInfo {
  const mac = parseMac(dev.mac)!;
  const hostAddresses: Uint8Array[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4') continue;
      const parts = a.address.split('.').map(Number);
      if (parts.length === 4) hostAddresses.push(Uint8Array.from(parts));
    }
  }
  let routes = '';
  try {
    routes = readFileSync('/proc/net/route', 'utf8');
  } catch {
    // not Linux: no gateways known
  }
  let ipForward = false;
  try {
    ipForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1';
  } catch {
    // unknown
  }
  return { mac, hostAddresses, gateways: parseRouteGateways(routes), ipForward };
}

/**
 * Gateways from /proc/net/route: columns Iface Destination Gateway Flags ..., addresses as host-order hex (little
 * endian on every Linux we run on). RTF_GATEWAY = 0x0002. The default route (destination 0) comes first.
 */
export function parseRouteGateways(text: string): string[] {
  const defaults: string[] = [];
  const others: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const flags = parseInt(f[3]!, 16);
    if (!(flags & 0x2) || !/^[0-9A-Fa-f]{8}$/.test(f[2]!)) continue;
    const g = parseInt(f[2]!, 16);
    if (g === 0) continue;
    const text4 = `${g & 0xff}.${(g >>> 8) & 0xff}.${(g >>> 16) & 0xff}.${g >>> 24}`;
    const list = f[1] === '00000000' ? defaults : others;
    if (!defaults.includes(text4) && !others.includes(text4)) list.push(text4);
  }
  return [...defaults, ...others];
}
