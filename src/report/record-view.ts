// The part of a FlowRecord the report counts, and the reference (slow) way to get it from a parsed JSON value.
// The fast byte scanner in record-scan.ts must give exactly what `viewOfRecord(JSON.parse(line))` gives.

import type { FlowState } from '../record/flow-record.ts';
import { recordProblem } from '../record/ndjson.ts';
import { parseIsoMs } from '../record/utc-time.ts';

/**
 * A label as counted: stored in the record, or given by the classifier on --relabel. Ours are `{id, rev, name,
 * category, severity}`; community (Suricata / ET) ones `{sid, rev, name, category, severity, ruleset}`, with the
 * rule's msg as name and its classtype as category.
 */
export interface LabelRef {
  /** "synbait" for our rules, else the community ruleset ("et/open"). */
  readonly ruleset: string;
  /** Our rule id ("sb-1001"); undefined for a community rule. */
  readonly id: string | undefined;
  /** A community rule's signature id; undefined for ours. */
  readonly sid: number | undefined;
  readonly rev: number | undefined;
  readonly name: string;
  readonly category: string | undefined;
  readonly severity: string | undefined;
}

/** The ruleset of labels that name none: ours, or (with a sid) an unnamed community set. */
export const OWN_RULESET = 'synbait';
export const UNNAMED_COMMUNITY_RULESET = 'community';

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

const isSid = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * One label, or undefined when it is not one: a name, and a string id (ours) or a whole-number sid (community; a
 * sid wins when both are there). Optional fields of the wrong type are ignored, as they always were.
 */
export function labelRefOf(l: unknown): LabelRef | undefined {
  if (!isObject(l) || typeof l.name !== 'string') return undefined;
  const community = l.sid !== undefined;
  if (community ? !isSid(l.sid) : typeof l.id !== 'string') return undefined;
  const ruleset = typeof l.ruleset === 'string' && l.ruleset !== '' ? l.ruleset : community ? UNNAMED_COMMUNITY_RULESET : OWN_RULESET;
  return {
    ruleset,
    id: community ? undefined : (l.id as string),
    sid: community ? (l.sid as number) : undefined,
    rev: typeof l.rev === 'number' && Number.isFinite(l.rev) ? l.rev : undefined,
    name: l.name,
    category: typeof l.category === 'string' ? l.category : undefined,
    severity: typeof l.severity === 'string' ? l.severity : undefined,
  };
}

/** Validates a labels array; undefined when it is not an array or any element is not a label. */
export function labelsOf(value: unknown): LabelRef[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: LabelRef[] = [];
  for (const l of value) {
    const ref = labelRefOf(l);
    if (!ref) return undefined;
    out.push(ref);
  }
  return out;
}

/** What the threat table groups by: the ruleset and the rule's id or sid. */
export function labelKey(l: LabelRef): string {
  return l.sid !== undefined ? `${l.ruleset}\u0000sid:${l.sid}` : `${l.ruleset}\u0000id:${l.id}`;
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
  if (!labels) return { reason: 'labels is not a list of labels with a name and an id or sid' };
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
