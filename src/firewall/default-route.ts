// The device of the default route, from the kernel's routing tables as text (proc(5)): /proc/net/route (IPv4) first,
// then /proc/net/ipv6_route. Pure; the CLI reads the files. The device the container captures on when SYNBAIT_DEVICE
// is not set (a -i flag still wins).
//
//   /proc/net/route:      Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
//                         eth0  00000000    0102A8C0 0003 0 0 100 00000000 0 0 0
//   /proc/net/ipv6_route: dest dest_plen src src_plen next_hop metric refcnt use flags iface
//                         00000000000000000000000000000000 00 ... eth0

const RTF_UP = 0x1;

function defaultRoute4(text: string): string | undefined {
  for (const line of text.split('\n').slice(1)) {
    const c = line.trim().split(/\s+/);
    if (c.length < 8) continue;
    const [iface, dest, , flags, , , , mask] = c;
    if (dest === '00000000' && mask === '00000000' && iface !== 'lo' && (parseInt(flags!, 16) & RTF_UP) !== 0) return iface;
  }
  return undefined;
}

function defaultRoute6(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const c = line.trim().split(/\s+/);
    if (c.length < 10) continue;
    const [dest, plen, , , , , , , flags, iface] = c;
    if (/^0{32}$/.test(dest!) && plen === '00' && iface !== 'lo' && (parseInt(flags!, 16) & RTF_UP) !== 0) return iface;
  }
  return undefined;
}

/** undefined when neither table has a default route through a device other than lo. */
export function defaultRouteDevice(route4: string, route6: string): string | undefined {
  return defaultRoute4(route4) ?? defaultRoute6(route6);
}
