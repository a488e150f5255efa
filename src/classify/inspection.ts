// One record as the rules see it: the inspected bytes, their latin1 text (decoded once), lower-cased text and
// decoded fields computed on first use, and the extractors' results. Built once per classify() call and shared by
// every rule, so a rule costs a few lookups, not a decode.

import type { ClassifyInput } from './types.ts';
import type { Parsed } from './extract/facts.ts';
import { headerValue } from './extract/request-line.ts';
import { percentDecode } from './percent-decode.ts';

/** A string list is a multi-valued field: a condition holds when it holds for one of the values. */
export type FieldValue = string | number | readonly string[] | undefined;

export class Inspection {
  readonly input: ClassifyInput;
  /** At most INSPECT_LIMIT bytes of the payload. */
  readonly bytes: Uint8Array;
  /** `bytes` as latin1: one character per byte, so offsets agree. */
  readonly text: string;
  readonly parsed: Parsed;
  #lower: string | undefined;
  // made on first use: most records (SYN-only) never need them
  #decoded: Map<string, string> | undefined;
  #loweredFields: Map<string, string> | undefined;

  constructor(input: ClassifyInput, bytes: Uint8Array, text: string, parsed: Parsed) {
    this.input = input;
    this.bytes = bytes;
    this.text = text;
    this.parsed = parsed;
  }

  get lower(): string {
    return (this.#lower ??= this.text.toLowerCase());
  }

  /** A string field, percent-decoded (cached per field name). */
  decoded(field: string, value: string): string {
    const m = (this.#decoded ??= new Map());
    let d = m.get(field);
    if (d === undefined) {
      d = percentDecode(value);
      m.set(field, d);
    }
    return d;
  }

  /** A field's value lower-cased (cached per field name and decoding). */
  lowered(key: string, value: string): string {
    if (key === 'payload') return this.lower;
    const m = (this.#loweredFields ??= new Map());
    let d = m.get(key);
    if (d === undefined) {
      d = value.toLowerCase();
      m.set(key, d);
    }
    return d;
  }
}

const REQ = (f: (r: NonNullable<Parsed['request']>) => string | undefined) => (c: Inspection): FieldValue =>
  c.parsed.request ? f(c.parsed.request) : undefined;

function queryOf(uri: string): string | undefined {
  const q = uri.indexOf('?');
  return q < 0 ? undefined : uri.slice(q + 1);
}
function pathOf(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
}

/** What a greeted flow's dialogue gathered (facts[protocol]). */
const dialogueFact = (c: Inspection, key: string): unknown => c.parsed.dialogue?.facts[key];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const nonEmpty = (a: readonly string[]): readonly string[] | undefined => (a.length > 0 ? a : undefined);

/** The login attempts of a greeted flow, whatever its protocol (MySQL: the user only). */
function attemptsOf(c: Inspection): readonly { user: string; password?: string }[] {
  const a = dialogueFact(c, 'attempts');
  if (Array.isArray(a)) return a as { user: string; password: string }[];
  const user = str(dialogueFact(c, 'user'));
  return user !== undefined ? [{ user }] : [];
}

function attemptCount(c: Inspection): number | undefined {
  if (!c.parsed.dialogue) return undefined;
  const total = num(dialogueFact(c, 'attempts_total'));
  if (total !== undefined) return total;
  return dialogueFact(c, 'response') !== undefined ? 1 : attemptsOf(c).length;
}

const mysqlAttr = (name: string) => (c: Inspection): FieldValue =>
  c.parsed.dialogue?.protocol === 'mysql' ? str((dialogueFact(c, 'client_attrs') as Record<string, unknown> | undefined)?.[name]) : undefined;
const fact = (protocol: string, key: string, kind: 'string' | 'number' | 'list') => (c: Inspection): FieldValue => {
  if (c.parsed.dialogue?.protocol !== protocol) return undefined;
  const v = dialogueFact(c, key);
  if (kind === 'list') return Array.isArray(v) ? nonEmpty(v.filter((x): x is string => typeof x === 'string')) : undefined;
  return kind === 'string' ? str(v) : num(v);
};
const KEX = (f: (k: NonNullable<Parsed['kexinit']>) => string) => (c: Inspection): FieldValue => (c.parsed.kexinit ? f(c.parsed.kexinit) : undefined);

/** Field name → resolver. String fields marked raw are substrings of the payload text (usable as prefilters). */
const FIELDS: Record<string, { kind: 'string' | 'number'; raw?: boolean; get: (c: Inspection) => FieldValue }> = {
  payload: { kind: 'string', raw: true, get: (c) => c.text },
  payload_len: { kind: 'number', get: (c) => c.input.payload.length },
  src_port: { kind: 'number', get: (c) => c.input.src_port },
  dst_port: { kind: 'number', get: (c) => c.input.dst_port },
  'syn.ttl': { kind: 'number', get: (c) => c.input.syn?.ttl },
  'syn.window': { kind: 'number', get: (c) => c.input.syn?.window },
  'syn.ip_id': { kind: 'number', get: (c) => c.input.syn?.ip_id },
  'syn.options': { kind: 'string', get: (c) => c.input.syn?.options },
  'syn.syn_count': { kind: 'number', get: (c) => c.input.syn?.syn_count },
  'http.method': { kind: 'string', raw: true, get: REQ((r) => r.method) },
  'http.uri': { kind: 'string', raw: true, get: REQ((r) => r.uri) },
  'http.path': { kind: 'string', raw: true, get: REQ((r) => pathOf(r.uri)) },
  'http.query': { kind: 'string', raw: true, get: REQ((r) => queryOf(r.uri)) },
  'http.protocol': { kind: 'string', raw: true, get: REQ((r) => r.protocol) },
  'http.line': { kind: 'string', raw: true, get: REQ((r) => r.line) },
  'http.headers': { kind: 'string', raw: true, get: REQ((r) => r.headerBlock) },
  'http.body': { kind: 'string', raw: true, get: REQ((r) => r.body) },
  'http.header_max_len': {
    kind: 'number',
    get: (c) => (c.parsed.request ? c.parsed.request.headers.reduce((m, [n, v]) => Math.max(m, n.length + 2 + v.length), 0) : undefined),
  },
  'ssh.banner': { kind: 'string', get: (c) => c.parsed.ssh },
  'ssh.client_version': { kind: 'string', get: (c) => str((c.parsed.facts.ssh as { client_version?: unknown } | undefined)?.client_version) },
  'ssh.hassh': { kind: 'string', get: KEX((k) => k.hassh) },
  'ssh.kex_algorithms': { kind: 'string', get: KEX((k) => k.kex) },
  'ssh.host_key_algorithms': { kind: 'string', get: KEX((k) => k.hostKey) },
  'ssh.encryption_algorithms': { kind: 'string', get: KEX((k) => k.encC2s) },
  'ssh.mac_algorithms': { kind: 'string', get: KEX((k) => k.macC2s) },
  'ssh.compression_algorithms': { kind: 'string', get: KEX((k) => k.compC2s) },
  'dialogue.protocol': { kind: 'string', get: (c) => c.parsed.dialogue?.protocol },
  'login.user': { kind: 'string', get: (c) => nonEmpty(attemptsOf(c).map((a) => a.user)) },
  'login.password': { kind: 'string', get: (c) => nonEmpty(attemptsOf(c).flatMap((a) => (a.password === undefined ? [] : [a.password]))) },
  'login.credential': { kind: 'string', get: (c) => nonEmpty(attemptsOf(c).flatMap((a) => (a.password === undefined ? [] : [`${a.user}:${a.password}`]))) },
  'login.attempts': { kind: 'number', get: attemptCount },
  'telnet.terminal': { kind: 'string', get: fact('telnet', 'terminal', 'string') },
  'smtp.helo': { kind: 'string', get: fact('smtp', 'helo', 'string') },
  'smtp.mail_from': { kind: 'string', get: fact('smtp', 'mail_from', 'string') },
  'smtp.rcpt_to': { kind: 'string', get: fact('smtp', 'rcpt_to', 'list') },
  'smtp.subject': { kind: 'string', get: fact('smtp', 'subject', 'string') },
  'smtp.messages': { kind: 'number', get: fact('smtp', 'messages', 'number') },
  'vnc.client_version': { kind: 'string', get: fact('vnc', 'client_version', 'string') },
  'vnc.security_type': { kind: 'number', get: fact('vnc', 'security_type', 'number') },
  'mysql.user': { kind: 'string', get: fact('mysql', 'user', 'string') },
  'mysql.database': { kind: 'string', get: fact('mysql', 'database', 'string') },
  'mysql.client_name': { kind: 'string', get: mysqlAttr('_client_name') },
  'mysql.program_name': { kind: 'string', get: mysqlAttr('program_name') },
  'tls.sni': { kind: 'string', get: (c) => c.parsed.tls?.sni },
  'tls.ja4': { kind: 'string', get: (c) => (c.parsed.facts.tls as { ja4?: string } | undefined)?.ja4 },
  'tls.version': { kind: 'string', get: (c) => (c.parsed.facts.tls as { version?: string } | undefined)?.version },
  'tls.alpn': { kind: 'string', get: (c) => c.parsed.tls?.alpn.join(',') },
  'smb.dialects': { kind: 'string', get: (c) => c.parsed.smb?.dialects.join(',') },
  'smb.version': { kind: 'number', get: (c) => c.parsed.smb?.version },
  'smb.pid_high': { kind: 'number', get: (c) => c.parsed.smb?.pidHigh },
  'smb.dialect_count': { kind: 'number', get: (c) => c.parsed.smb?.dialectCount },
  'smb.malformed': { kind: 'number', get: (c) => (c.parsed.smb ? (c.parsed.smb.malformed ? 1 : 0) : undefined) },
  'rdp.cookie': { kind: 'string', get: (c) => c.parsed.rdp?.cookie },
  'rdp.requested_protocols': { kind: 'number', get: (c) => c.parsed.rdp?.requestedProtocols },
  'dns.qname': { kind: 'string', get: (c) => c.parsed.dns?.qname },
  'dns.qtype': { kind: 'string', get: (c) => c.parsed.dns?.qtype },
  'dns.qtype_code': { kind: 'number', get: (c) => c.parsed.dns?.qtypeCode },
  'dns.edns_udp_size': { kind: 'number', get: (c) => c.parsed.dns?.ednsUdpSize },
  'ntp.mode': { kind: 'number', get: (c) => c.parsed.ntp?.mode },
  'ntp.version': { kind: 'number', get: (c) => c.parsed.ntp?.version },
  'ntp.opcode': { kind: 'number', get: (c) => c.parsed.ntp?.opcode },
  'ntp.count': { kind: 'number', get: (c) => c.parsed.ntp?.count },
  'ntp.data': { kind: 'string', get: (c) => c.parsed.ntp?.data },
  'rpc.program': { kind: 'number', get: (c) => c.parsed.rpc?.program },
  'rpc.version': { kind: 'number', get: (c) => c.parsed.rpc?.version },
  'rpc.procedure': { kind: 'number', get: (c) => c.parsed.rpc?.procedure },
  'rpc.fragments': { kind: 'number', get: (c) => c.parsed.rpc?.fragments },
  'rpc.min_fragment': { kind: 'number', get: (c) => c.parsed.rpc?.minFragment },
  'njrat.command': { kind: 'string', get: (c) => c.parsed.njrat?.command },
  'njrat.fields': { kind: 'number', get: (c) => c.parsed.njrat?.fields },
  'njrat.length_ok': { kind: 'number', get: (c) => c.parsed.njrat?.lengthOk },
};

export interface FieldSpec {
  readonly kind: 'string' | 'number';
  /** The value is a substring of the payload text as captured (not decoded), so its literals can prefilter. */
  readonly raw: boolean;
  readonly get: (c: Inspection) => FieldValue;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** Resolves a field name from a rule; undefined for an unknown name. */
export function fieldSpec(name: string): FieldSpec | undefined {
  if (name.startsWith('http.header.')) {
    const h = name.slice('http.header.'.length);
    if (!HEADER_NAME.test(h)) return undefined;
    return { kind: 'string', raw: true, get: REQ((r) => headerValue(r, h)) };
  }
  const f = FIELDS[name];
  return f ? { kind: f.kind, raw: f.raw === true, get: f.get } : undefined;
}

export const FIELD_NAMES: readonly string[] = [...Object.keys(FIELDS), 'http.header.<name>'];
