// The kernel BPF filter (pcap-filter(7) syntax): only frames the responder acts on reach user space. Everything
// else (the host's own traffic, other hosts' frames in promiscuous mode, excluded ports, broadcast and multicast,
// fragments) is dropped in the kernel, which is what keeps the user-space hot path cheap.

import type { Cidr } from '../wire/address.ts';

export interface FilterSpec {
  /** The capture device's MAC, "aa:bb:cc:dd:ee:ff": direction is told by it (see below). */
  readonly mac: string;
  readonly networks: readonly Cidr[];
  readonly excludedPorts: readonly { readonly from: number; readonly to: number }[];
  /** Also pass UDP the host sends from monitored addresses, so replies to it are not recorded as attacks. */
  readonly outboundUdp: boolean;
  /**
   * -a/--arp-spoof: also pass ARP received from other hosts (requests are broadcast, so not under the unicast
   * clause). Our own ARP frames do not come back: Linux never loops a packet socket's sends to that socket, and
   * "not ether src" drops the host kernel's own ARP.
   */
  readonly arp?: boolean;
}

function portClause(excluded: FilterSpec['excludedPorts']): string {
  if (excluded.length === 0) return '';
  const parts = excluded.map((r) => (r.from === r.to ? `dst port ${r.from}` : `dst portrange ${r.from}-${r.to}`));
  return ` and not (${parts.join(' or ')})`;
}

function familyClause(family: 'ip' | 'ip6', nets: readonly Cidr[], dir: 'dst' | 'src', ports: string): string {
  const n = nets.map((c) => `${dir} net ${c.text}`).join(' or ');
  return `(${family} and (${n}) and (tcp or udp)${ports})`;
}

export function buildCaptureFilter(spec: FilterSpec): string {
  const v4 = spec.networks.filter((n) => n.version === 4);
  const v6 = spec.networks.filter((n) => n.version === 6);
  if (v4.length + v6.length === 0) throw new RangeError('no networks to capture for');
  const ports = portClause(spec.excludedPorts);
  const inbound: string[] = [];
  if (v4.length) inbound.push(familyClause('ip', v4, 'dst', ports));
  if (v6.length) inbound.push(familyClause('ip6', v6, 'dst', ports));
  // Frames addressed to our MAC only: that is unicast to this host (never a broadcast or multicast frame, never
  // another host's traffic seen in promiscuous mode, which answering would impersonate), and it is inbound.
  // libpcap's own "inbound"/"outbound" are not used: they read the packet type from the kernel's ancillary data,
  // which libpcap cannot evaluate when it filters the frames already in the ring in user space, so the first
  // frame after the filter is installed was lost.
  const mac = spec.mac.toLowerCase();
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) throw new RangeError(`bad MAC ${spec.mac}`);
  let plain = `(ether dst ${mac} and (${inbound.join(' or ')}))`;
  if (spec.outboundUdp) {
    const out: string[] = [];
    if (v4.length) out.push(`(ip and udp and (${v4.map((c) => `src net ${c.text}`).join(' or ')}))`);
    if (v6.length) out.push(`(ip6 and udp and (${v6.map((c) => `src net ${c.text}`).join(' or ')}))`);
    plain += ` or (ether src ${mac} and (${out.join(' or ')}))`;
  }
  if (spec.arp) plain += ` or (arp and not ether src ${mac})`;
  // "vlan" shifts the offsets of everything after it (pcap-filter(7)), so the tagged variant must come last
  const expr = `${plain} or (vlan and (${plain}))`;
  return expr;
}
