// Typed reads of the raw flag/env values, each failing with a ConfigError that names the flag or variable at fault
// (the source the value came from: `--network` or `SYNBAIT_NETWORK`) and the value, except secrets.

import { ConfigError, InternalError } from '../errors.ts';
import { OPTIONS, type OptionSpec } from './options.ts';
import { parseBool, parseBytes, parseNonNegativeInt, parseSeconds } from './parse-values.ts';

/** Raw values per long flag: strings for scalars, string[] for lists, boolean for bools. */
export type RawValues = ReadonlyMap<string, string | readonly string[] | boolean>;

/** Where a raw value came from, so errors name it: `--network` or `SYNBAIT_NETWORK`. */
export type RawSources = ReadonlyMap<string, string>;

interface Bounds {
  readonly min?: number;
  readonly max?: number;
}

export class RawReader {
  readonly #raw: RawValues;
  readonly #sources: RawSources;

  constructor(raw: RawValues, sources: RawSources) {
    this.#raw = raw;
    this.#sources = sources;
  }

  culprit(flag: string): string {
    return this.#sources.get(flag) ?? `--${flag}`;
  }

  fail(flag: string, what: string, value: unknown): never {
    throw new ConfigError(`${this.culprit(flag)}: ${what} (got ${JSON.stringify(value)})`, this.culprit(flag));
  }

  /** The value as given, else the option's default. */
  text(flag: string): string | undefined {
    const v = this.#raw.get(flag);
    if (v === undefined) return spec(flag).default;
    if (typeof v !== 'string') return this.fail(flag, 'expected one value', v);
    return v;
  }

  /** The value, or undefined when unset or empty. */
  optional(flag: string): string | undefined {
    return this.text(flag) || undefined;
  }

  /**
   * Items of a repeatable option. Env lists are comma separated; flag values may be too (-e 80,443). An empty value
   * is an empty list, but an empty item inside a list ("22,,80", "22,") is a typo worth reporting.
   */
  list(flag: string): string[] {
    const v = this.#raw.get(flag);
    if (v === undefined) return [];
    const items = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
    const out: string[] = [];
    for (const item of items) {
      const text = String(item).trim();
      if (text === '') continue;
      for (const part of text.split(',')) {
        if (part.trim() === '') this.fail(flag, 'empty item in a comma-separated list', text);
        out.push(part.trim());
      }
    }
    return out;
  }

  /** Milliseconds, from a duration in seconds (5, 30s, 15m, 1h); `min` in seconds. */
  seconds(flag: string, opts: Bounds = {}): number {
    return Math.round(this.#number(flag, parseSeconds, 'a duration such as 5, 30s, 15m or 1h', opts, ' seconds') * 1000);
  }

  bytes(flag: string, opts: Bounds = {}): number {
    return this.#number(flag, parseBytes, 'a size such as 65536, 64KiB or 64MB', opts, ' bytes');
  }

  int(flag: string, opts: Bounds = {}): number {
    return this.#number(flag, parseNonNegativeInt, 'a whole number', opts, '');
  }

  bool(flag: string): boolean {
    const v = this.#raw.get(flag);
    if (typeof v === 'boolean') return v;
    const t = v === undefined ? spec(flag).default ?? 'false' : String(v);
    const b = parseBool(t);
    if (b === null) return this.fail(flag, 'expected true or false', t);
    return b;
  }

  oneOf<T extends string>(flag: string): T {
    const t = this.text(flag)!;
    const values = spec(flag).values!;
    if (!values.includes(t)) return this.fail(flag, `expected one of ${values.join(', ')}`, t);
    return t as T;
  }

  /** An http(s) URL; a bad one is reported without echoing it (URLs may hold secrets). */
  url(flag: string): string | undefined {
    const t = this.text(flag);
    if (t === undefined || t === '') return undefined;
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      throw new ConfigError(`${this.culprit(flag)}: not a valid URL`, this.culprit(flag));
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      throw new ConfigError(`${this.culprit(flag)}: must be an http(s) URL`, this.culprit(flag));
    }
    return t;
  }

  #number(flag: string, parse: (t: string) => number | null, what: string, opts: Bounds, unit: string): number {
    const t = this.text(flag)!;
    const v = parse(t);
    if (v === null) return this.fail(flag, `expected ${what}`, t);
    if (opts.min !== undefined && v < opts.min) this.fail(flag, `must be at least ${opts.min}${unit}`, t);
    if (opts.max !== undefined && v > opts.max) this.fail(flag, `must be at most ${opts.max}${unit}`, t);
    return v;
  }

}

function spec(flag: string): OptionSpec {
  const s = OPTIONS.find((o) => o.flag === flag);
  if (!s) throw new InternalError(`no option ${flag}`);
  return s;
}
