// The part of a FlowRecord the report counts, and the reference (slow) way to get it from a parsed JSON value.
// The fast byte scanner in record-scan.ts must give exactly what `viewOfRecord(JSON.parse(line))` gives.

import type { FlowState, Label } from '../record/flow-record.ts';
import { recordProblem } from '../record/ndjson.ts';

/** A label as counted: the stored Label, or one the classifier gave on --relabel. */
export interface LabelRef {
  readonly id: string;
  readonly name: string;
  readonly category: string | undefined;
  readonly severity: string | undefined;
}

export interface RecordView {
  /** First packet time, ms since the epoch. */
  readonly tsMs: number;
  readonly sensor: string;
  readonly srcIp: string;
  readonly dstPort: number;
  readonly proto: 'tcp' | 'udp';
  readonly state: FlowState;
  readonly labels: readonly LabelRef[];
  readonly httpUserAgent: string | undefined;
  readonly httpPath: string | undefined;
}

/** Why a parsed line is not a FlowRecord the report can count. */
export type NotARecord = { readonly reason: string };

const STATES: ReadonlySet<string> = new Set(['syn', 'acked', 'udp']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The 65,535 ports plus 0 (a UDP record may carry 0); anything else is not a port. */
export const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;

/**
 * ISO 8601 as the report accepts it: date, optional time with optional fraction, zone Z or ±HH:MM (UTC when
 * absent). Date.parse alone would also take "Nov 25 2026", which no archive should contain.
 */
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** ms since the epoch for an ISO 8601 text (UTC unless it names a zone), or NaN. */
export function parseIsoMs(text: string): number {
  const m = ISO_RE.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), min = Number(mi), sec = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || min > 59 || sec > 59) {
    return NaN;
  }
  let ms = utcMs(year, month, day, hour, min, sec, frac ? fractionMs(frac.slice(1)) : 0);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2)), zm = Number(digits.slice(2));
    if (zh > 23 || zm > 59) return NaN;
    ms -= sign * (zh * 60 + zm) * 60_000;
  }
  return ms;
}

/** Date.UTC without its 1900 offset for two-digit years. */
export function utcMs(year: number, month: number, day: number, hour: number, min: number, sec: number, ms: number): number {
  const t = Date.UTC(year, month - 1, day, hour, min, sec, ms);
  return year >= 100 ? t : new Date(t).setUTCFullYear(year);
}

/** Milliseconds of a fraction's digits ("5" → 500, "123456" → 123), truncated; integer maths, no float error. */
export function fractionMs(digits: string): number {
  return Number((digits + '00').slice(0, 3));
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : DAYS[month - 1]!;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Validates the stored labels; undefined when the value is not an array of labels with string id and name. */
export function labelsOf(value: unknown): LabelRef[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: LabelRef[] = [];
  for (const l of value) {
    if (!isObject(l) || typeof l.id !== 'string' || typeof l.name !== 'string') return undefined;
    out.push({
      id: l.id,
      name: l.name,
      category: typeof l.category === 'string' ? l.category : undefined,
      severity: typeof l.severity === 'string' ? l.severity : undefined,
    });
  }
  return out;
}

export function labelRefOf(l: Label): LabelRef {
  return { id: l.id, name: l.name, category: l.category, severity: l.severity };
}

/** facts.http.user_agent and facts.http.path when they are strings. */
export function httpFactsOf(facts: unknown): { userAgent: string | undefined; path: string | undefined } {
  const http = isObject(facts) && isObject(facts.http) ? facts.http : undefined;
  return {
    userAgent: http && typeof http.user_agent === 'string' ? http.user_agent : undefined,
    path: http && typeof http.path === 'string' ? http.path : undefined,
  };
}

/** The reference conversion of one parsed JSON line. */
export function viewOfRecord(value: unknown): RecordView | NotARecord {
  // What a FlowRecord is, is record/'s call (the same check the archive reader uses); the report adds what it
  // relies on: an ISO 8601 ts, a real port, well-formed labels.
  const problem = recordProblem(value);
  if (problem !== undefined) return { reason: problem };
  if (!isObject(value)) return { reason: 'not an object' };
  const tsMs = parseIsoMs(value.ts as string);
  if (Number.isNaN(tsMs)) return { reason: 'ts is not an ISO 8601 time' };
  if (!isPort(value.dst_port)) return { reason: 'dst_port is not a port number' };
  if (typeof value.state !== 'string' || !STATES.has(value.state)) return { reason: 'bad state' };
  const labels = labelsOf(value.labels);
  if (!labels) return { reason: 'labels is not a list of labels with id and name' };
  const http = httpFactsOf(value.facts);
  return {
    tsMs,
    sensor: value.sensor as string,
    srcIp: value.src_ip as string,
    dstPort: value.dst_port,
    proto: value.proto as 'tcp' | 'udp',
    state: value.state as FlowState,
    labels,
    httpUserAgent: http.userAgent,
    httpPath: http.path,
  };
}

export function isNotARecord(v: RecordView | NotARecord): v is NotARecord {
  return 'reason' in v;
}
