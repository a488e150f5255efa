// Value parsers shared by the sensor CLI and the report CLI. Each returns `null` for bad input so the caller can
// name the flag or variable at fault.

import type { PortRange } from '../wire/port-range.ts';

/** Durations: "5" (seconds), "2.5", "300ms", "30s", "15m", "1h", "1d". Returns seconds. */
export function parseSeconds(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 'ms' ? 0.001 : unit === 's' ? 1 : unit === 'm' ? 60 : unit === 'h' ? 3600 : 86400;
  const v = n * factor;
  return Number.isFinite(v) ? v : null;
}

const BYTE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kb: 1000, kib: 1024,
  m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4,
};

/** Sizes: "65536", "64k", "64KiB", "64MB" (SI), "1GiB". Returns whole bytes. */
export function parseBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return null;
  const factor = BYTE_UNITS[m[2]!.toLowerCase()];
  if (factor === undefined) return null;
  const v = Math.floor(Number(m[1]) * factor);
  return Number.isSafeInteger(v) ? v : null;
}

export function parseNonNegativeInt(text: string): number | null {
  if (!/^\d{1,15}$/.test(text.trim())) return null;
  return Number(text.trim());
}

export function parseBool(text: string): boolean | null {
  switch (text.trim().toLowerCase()) {
    case '1': case 'true': case 'yes': case 'on': return true;
    case '0': case 'false': case 'no': case 'off': case '': return false;
    default: return null;
  }
}

/** "22", "80,443", "8000-8100" (comma lists of ports and inclusive ranges, 1-65535). */
export function parsePortList(text: string): PortRange[] | null {
  const out: PortRange[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') return null;
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 65535 || from > to) return null;
    out.push({ from, to });
  }
  return out;
}

export interface FlagToken {
  /** The long name (`--name` or `--name=value`), or undefined for a short flag. */
  readonly long: string | undefined;
  /** The letter of a short flag (`-x` or `-xVALUE`), or undefined for a long one. */
  readonly short: string | undefined;
  /** A value given in the same argument. */
  readonly inline: string | undefined;
  /** The flag as the user wrote it, for messages. */
  readonly shown: string;
}

/** Splits one command-line argument that starts with "-" into the flag and an inline value. */
export function splitFlag(arg: string): FlagToken {
  if (arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    const long = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    return { long, short: undefined, inline: eq === -1 ? undefined : arg.slice(eq + 1), shown: `--${long}` };
  }
  return { long: undefined, short: arg[1], inline: arg.length > 2 ? arg.slice(2) : undefined, shown: arg.slice(0, 2) };
}
