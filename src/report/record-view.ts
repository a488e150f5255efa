// The part of a FlowRecord the report counts, and the reference (slow) way to get it from a parsed JSON value.
// The fast byte scanner in record-scan.ts must give exactly what `viewOfRecord(JSON.parse(line))` gives.

import type { FlowState, Label } from '../record/flow-record.ts';
import { recordProblem } from '../record/ndjson.ts';
import { parseIsoMs } from '../record/utc-time.ts';

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
