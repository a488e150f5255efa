// The kernel BPF filter (pcap-filter(7) syntax): only frames the responder acts on reach user space. Everything
// else (the host's own traffic, other hosts' frames in promiscuous mode, excluded ports, broadcast and multicast,
// fragments) is dropped in the kernel, which is what keeps the user-space hot path cheap.

import type { Cidr } from '../wire/address.ts';

export interface FilterSpec {
  readonly networks: readonly Cidr[];
  readonly excludedPorts: readonly { readonly from: number; readonly to: number }[];
  /** Also pass UDP the host sends from monitored addresses, so replies to it are not recorded as attacks. */
  readonly outboundUdp: boolean;
  /**
   * -a/--arp-spoof: also pass ARP received from other hosts (requests are broadcast, so not under the unicast
   * clause). Our own ARP frames do not come back: Linux never loops a packet socket's sends to that socket, and
   * "inbound" drops the host kernel's own ARP.
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
  // unicast destinations only: never answer a frame sent to a broadcast or multicast MAC
  let plain = `(inbound and not ether multicast and (${inbound.join(' or ')}))`;
  if (spec.outboundUdp) {
    const out: string[] = [];
    if (v4.length) out.push(`(ip and udp and (${v4.map((c) => `src net ${c.text}`).join(' or ')}))`);
    if (v6.length) out.push(`(ip6 and udp and (${v6.map((c) => `src net ${c.text}`).join(' or ')}))`);
    plain += ` or (outbound and (${out.join(' or ')}))`;
  }
  if (spec.arp) plain += ' or (inbound and arp)';
  // "vlan" shifts the offsets of everything after it (pcap-filter(7)), so the tagged variant must come last
  const expr = `${plain} or (vlan and (${plain}))`;
  return expr;
}
