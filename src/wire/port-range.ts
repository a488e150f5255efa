// Inclusive TCP/UDP port ranges (1-65535), as the user gives them (-e 22,8000-8100) and as the firewall, the BPF
// filter and the responder's target table use them.

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** Sorts and merges ranges: [[80,80],[81,90],[22,22]] -> [[22,22],[80,90]]. */
export function mergePortRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) out[out.length - 1] = { from: last.from, to: Math.max(last.to, r.to) };
    else out.push(r);
  }
  return out;
}

/** "22" or "8000-8100". */
export const portRangeText = (r: PortRange): string => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`);
