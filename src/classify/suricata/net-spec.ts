// Address and port specifications of a rule header (Suricata user guide, "Rules Format: Source and
// destination", "Ports"): `any`, a single value, CIDR (addresses) or `a:b` ranges (ports, open ends allowed),
// lists in brackets, `!` negation of an item or a list, and $VARIABLES whose values use the same syntax.
// A list keeps what its positive items match (everything, when it has none) minus what its negated items
// match, as Suricata's address and port groups do. The result is a predicate compiled once per distinct text.

import { parseIp } from '../../wire/address.ts';
import type { Parsed } from './rule-options.ts';

export type AddressTest = (ip: Uint8Array) => boolean;
export type PortTest = (port: number) => boolean;

const MAX_VAR_DEPTH = 16;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (message: string): Parsed<never> => ({ ok: false, message });

/** Splits a bracketed list's inside at top-level commas. */
function splitList(inner: string): string[] | null {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '[') depth++;
    else if (c === ']') {
      if (--depth < 0) return null;
    } else if (c === ',' && depth === 0) {
      items.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0) return null;
  items.push(inner.slice(start).trim());
  return items;
}

interface SpecKind<T> {
  readonly what: string;
  readonly vars: ReadonlyMap<string, string>;
  readonly any: (v: T) => boolean;
  readonly single: (text: string) => Parsed<(v: T) => boolean>;
  /** Plain single values of a list compiled together. */
  readonly indexes?: boolean;
  readonly set?: { readonly accepts: (text: string) => boolean; readonly compile: (items: readonly string[]) => (v: T) => boolean };
}

const V4_HOST = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/32)?$/;

export const ipv4Number = (ip: Uint8Array) => ((ip[0]! << 24) >>> 0) + (ip[1]! << 16) + (ip[2]! << 8) + ip[3]!;

/**
 * Which /16 networks an address list can match, for lists of literal addresses only (reputation rules list
 * thousands): the prefilter indexes such rules by the record's /16 instead of testing each on every record.
 */
export interface AddressIndex {
  readonly v4Buckets: readonly number[];
  /** The list has IPv6 items too (those rules are tried on every IPv6 record). */
  readonly v6: boolean;
}
const INDEXES = new WeakMap<AddressTest, AddressIndex>();
export const addressIndexOf = (t: AddressTest): AddressIndex | undefined => INDEXES.get(t);
/** A CIDR wider than this many /16s makes a list not worth indexing. */
const MAX_BUCKETS_PER_ITEM = 256;

function bucketsOf(items: readonly string[]): AddressIndex | undefined {
  const v4 = new Set<number>();
  let v6 = false;
  for (const item of items) {
    if (/[![\]$]|^any$/.test(item)) return undefined;
    const [addr, pfx] = item.split('/') as [string, string | undefined];
    if (addr.includes('-')) return undefined;
    const ip = parseIp(addr);
    if (!ip) return undefined;
    if (ip.length === 16) {
      v6 = true;
      continue;
    }
    const prefix = pfx === undefined ? 32 : Number(pfx);
    if (!(prefix >= 0 && prefix <= 32)) return undefined;
    const first = (ip[0]! << 8) | ip[1]!;
    const span = prefix >= 16 ? 1 : 2 ** (16 - prefix);
    if (span > MAX_BUCKETS_PER_ITEM) return undefined;
    for (let k = 0; k < span; k++) v4.add((first & ~(span - 1)) + k);
  }
  return { v4Buckets: [...v4], v6 };
}

/** IPv4 host addresses as one Set of 32-bit numbers. */
const IPV4_HOSTS = {
  accepts: (t: string) => {
    const m = V4_HOST.exec(t);
    return m !== null && m.slice(1).every((p) => Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
  },
  compile: (items: readonly string[]): AddressTest => {
    const set = new Set(items.map((t) => V4_HOST.exec(t)!.slice(1).reduce((n, p) => n * 256 + Number(p), 0)));
    return (ip) => ip.length === 4 && set.has(ipv4Number(ip));
  },
};

function compileSpec<T>(text: string, kind: SpecKind<T>, depth: number): Parsed<(v: T) => boolean> {
  const t = text.trim();
  if (depth > MAX_VAR_DEPTH) return fail(`${kind.what} variables nested too deep`);
  if (t === '') return fail(`empty ${kind.what}`);
  if (t.startsWith('!')) {
    const inner = compileSpec(t.slice(1), kind, depth);
    if (!inner.ok) return inner;
    const f = inner.value;
    return ok((v: T) => !f(v));
  }
  if (t === 'any') return ok(kind.any);
  if (t.startsWith('$')) {
    const value = kind.vars.get(t.slice(1));
    if (value === undefined) return fail(`undefined variable ${t}`);
    return compileSpec(value, kind, depth + 1);
  }
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) return fail(`unterminated list ${JSON.stringify(t)}`);
    const items = splitList(t.slice(1, -1));
    if (!items || items.some((i) => i === '')) return fail(`malformed list ${JSON.stringify(t)}`);
    const pos: ((v: T) => boolean)[] = [];
    const neg: ((v: T) => boolean)[] = [];
    const plain: string[] = [];
    for (const item of items) {
      const negated = item.startsWith('!');
      // single values (reputation lists hold thousands) go into one set test instead of one closure each
      if (!negated && kind.set && kind.set.accepts(item)) {
        plain.push(item);
        continue;
      }
      const r = compileSpec(negated ? item.slice(1) : item, kind, depth);
      if (!r.ok) return r;
      (negated ? neg : pos).push(r.value);
    }
    if (plain.length > 0) pos.push(kind.set!.compile(plain));
    const test = pos.length === 1 && neg.length === 0 ? pos[0]! : (v: T) => (pos.length === 0 || pos.some((f) => f(v))) && !neg.some((f) => f(v));
    if (kind.indexes) {
      const index = bucketsOf(items);
      if (index) INDEXES.set(test as unknown as AddressTest, index);
    }
    return ok(test);
  }
  return kind.single(t);
}

function prefixTest(net: Uint8Array, prefix: number): AddressTest {
  return (ip) => {
    if (ip.length !== net.length) return false;
    let bits = prefix;
    for (let i = 0; bits > 0; i++, bits -= 8) {
      const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((ip[i]! & mask) !== (net[i]! & mask)) return false;
    }
    return true;
  };
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function singleAddress(t: string): Parsed<AddressTest> {
  const dash = t.indexOf('-');
  if (dash > 0) {
    const lo = parseIp(t.slice(0, dash).trim());
    const hi = parseIp(t.slice(dash + 1).trim());
    if (!lo || !hi || lo.length !== hi.length || compare(lo, hi) > 0) return fail(`bad address range ${JSON.stringify(t)}`);
    return ok((ip) => ip.length === lo.length && compare(ip, lo) >= 0 && compare(ip, hi) <= 0);
  }
  const slash = t.indexOf('/');
  const ip = parseIp(slash < 0 ? t : t.slice(0, slash));
  if (!ip) return fail(`bad address ${JSON.stringify(t)}`);
  const max = ip.length * 8;
  let prefix = max;
  if (slash >= 0) {
    const p = t.slice(slash + 1);
    if (/^\d{1,3}$/.test(p)) prefix = Number(p);
    else {
      // netmask form, 192.168.0.0/255.255.0.0
      const mask = parseIp(p);
      if (!mask || mask.length !== ip.length) return fail(`bad prefix in ${JSON.stringify(t)}`);
      prefix = mask.reduce((n, b) => n + (b.toString(2).match(/1/g)?.length ?? 0), 0);
    }
    if (prefix > max) return fail(`bad prefix in ${JSON.stringify(t)}`);
  }
  return ok(prefixTest(ip, prefix));
}

function singlePort(t: string): Parsed<PortTest> {
  const num = (s: string, dflt: number) => (s === '' ? dflt : /^\d{1,5}$/.test(s) && Number(s) <= 65535 ? Number(s) : -1);
  const colon = t.indexOf(':');
  if (colon < 0) {
    const p = num(t, -1);
    if (p < 0) return fail(`bad port ${JSON.stringify(t)}`);
    return ok((v) => v === p);
  }
  const lo = num(t.slice(0, colon).trim(), 0);
  const hi = num(t.slice(colon + 1).trim(), 65535);
  if (lo < 0 || hi < 0 || lo > hi) return fail(`bad port range ${JSON.stringify(t)}`);
  return ok((v) => v >= lo && v <= hi);
}

export function compileAddressSpec(text: string, vars: ReadonlyMap<string, string>): Parsed<AddressTest> {
  return compileSpec<Uint8Array>(text, { what: 'address', vars, any: () => true, single: singleAddress, set: IPV4_HOSTS, indexes: true }, 0);
}

export function compilePortSpec(text: string, vars: ReadonlyMap<string, string>): Parsed<PortTest> {
  return compileSpec<number>(text, { what: 'port', vars, any: () => true, single: singlePort }, 0);
}
