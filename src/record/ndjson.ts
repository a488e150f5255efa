// FlowRecords as JSON Lines: one object per line, UTF-8, "\n" terminated. JSON.stringify escapes every control
// character, so attacker bytes (base64 in `payload`, or strings in `facts`) can never break a line.

import { type FlowRecord, RECORD_SCHEMA_VERSION } from './flow-record.ts';

export function recordToLine(r: FlowRecord): string {
  return JSON.stringify(r) + '\n';
}

export type ParsedLine =
  | { readonly ok: true; readonly record: FlowRecord }
  | { readonly ok: false; readonly reason: string };

const STATES = new Set(['syn', 'acked', 'udp']);

/** Parses and checks one line (without its newline). Unknown extra fields are kept; newer schemas are refused. */
export function parseRecordLine(line: string): ParsedLine {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const why = recordProblem(v);
  return why === undefined ? { ok: true, record: v as FlowRecord } : { ok: false, reason: why };
}

/** Undefined when `v` is a FlowRecord this version understands, else what is wrong with it. */
export function recordProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const r = v as Record<string, unknown>;
  if (r.event !== 'flow') return 'event is not "flow"';
  if (typeof r.schema !== 'number' || r.schema < 1 || r.schema > RECORD_SCHEMA_VERSION) return `unsupported schema ${String(r.schema)}`;
  for (const k of ['ts', 'sensor', 'flow_id', 'src_ip', 'dst_ip', 'payload'] as const) {
    if (typeof r[k] !== 'string') return `${k} is not a string`;
  }
  if (Number.isNaN(Date.parse(r.ts as string))) return 'ts is not a date';
  if (r.proto !== 'tcp' && r.proto !== 'udp') return 'proto is not tcp or udp';
  if (r.ip_version !== 4 && r.ip_version !== 6) return 'ip_version is not 4 or 6';
  if (typeof r.state !== 'string' || !STATES.has(r.state)) return 'bad state';
  for (const k of ['src_port', 'dst_port', 'payload_len'] as const) {
    const n = r[k];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return `${k} is not a whole number`;
  }
  if (!Array.isArray(r.labels)) return 'labels is not an array';
  return undefined;
}
