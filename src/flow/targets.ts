// Which packets the responder acts on: destination inside a monitored network, destination port not excluded.
// Compiled into flat arrays so the per-packet check is a few integer compares. The excluded ports change while the
// sensor runs (a service started after it): setExcluded rewrites the one port bitmap in place, between two
// packets, so the per-packet check never allocates nor sees half an update.

import { type Cidr } from '../wire/address.ts';
import type { PortRange } from '../wire/port-range.ts';

export interface Targets {
  /** True when dst (at buf[off], 4 or 16 bytes) is monitored. */
  matchesAddress(buf: Uint8Array, off: number, len: 4 | 16): boolean;
  /** True when the port is excluded (never answered, never recorded). */
  isExcluded(port: number): boolean;
  readonly networks: readonly Cidr[];
  /** The excluded ports now. */
  readonly excluded: readonly PortRange[];
  /** Replaces the excluded ports (from the next packet on). */
  setExcluded(ports: readonly PortRange[]): void;
}

export function compileTargets(networks: readonly Cidr[], excluded: readonly PortRange[]): Targets {
  const v4net = new Uint32Array(networks.filter((n) => n.version === 4).length);
  const v4mask = new Uint32Array(v4net.length);
  let i = 0;
  for (const n of networks) {
    if (n.version !== 4) continue;
    const b = n.bytes;
    v4net[i] = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    v4mask[i] = n.prefix === 0 ? 0 : (0xffffffff << (32 - n.prefix)) >>> 0;
    i++;
  }
  const v6 = networks.filter((n) => n.version === 6);
  const bitmap = new Uint8Array(65536);
  let current = excluded;
  const fill = (ports: readonly PortRange[]) => {
    bitmap.fill(0);
    for (const r of ports) bitmap.fill(1, r.from, r.to + 1);
    current = ports;
  };
  fill(excluded);
  const v4count = v4net.length;
  return {
    networks,
    get excluded() {
      return current;
    },
    setExcluded: fill,
    matchesAddress(buf, off, len) {
      if (len === 4) {
        const a = ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
        for (let k = 0; k < v4count; k++) if (((a & v4mask[k]!) >>> 0) === v4net[k]) return true;
        return false;
      }
      for (const n of v6) {
        const full = n.prefix >> 3;
        let ok = true;
        for (let k = 0; k < full; k++) if (buf[off + k] !== n.bytes[k]) { ok = false; break; }
        if (!ok) continue;
        const rem = n.prefix & 7;
        if (rem === 0 || (buf[off + full]! & ((0xff << (8 - rem)) & 0xff)) === n.bytes[full]) return true;
      }
      return false;
    },
    isExcluded(port) {
      return bitmap[port] === 1;
    },
  };
}
