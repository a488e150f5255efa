// The rule document format (JSON), as written in src/classify/rules/*.json and user --rules files. Documented
// field by field in docs/rules.md; validated by compile-rules.ts, which rejects unknown fields.

import type { FlowState, LabelCategory, Severity } from '../record/flow-record.ts';

export const CATEGORIES: readonly LabelCategory[] = ['scanner', 'exploit', 'c2', 'bruteforce', 'recon', 'dos', 'malware', 'tool', 'probe'];
export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
export const STATES: readonly FlowState[] = ['syn', 'acked', 'udp'];

export interface RuleDoc {
  readonly id: string; // "sb-1001": lower-case letters/digits, a dash, digits
  readonly rev: number; // positive integer, bumped on every change of meaning
  readonly name: string;
  readonly category: LabelCategory;
  readonly severity: Severity;
  readonly references?: readonly string[]; // "CVE-2017-9841", "url:https://...", advisory ids
  readonly description?: string;
  readonly enabled?: boolean; // default true
  readonly proto?: 'tcp' | 'udp' | readonly ('tcp' | 'udp')[];
  readonly state?: FlowState | readonly FlowState[];
  /** Destination ports: numbers and "low-high" ranges. */
  readonly ports?: readonly (number | string)[];
  readonly match?: CondDoc;
  readonly threshold?: ThresholdDoc;
}

export type CondDoc =
  | { readonly all: readonly CondDoc[] }
  | { readonly any: readonly CondDoc[] }
  | { readonly not: CondDoc }
  | ContentDoc
  | UintDoc
  | FieldDoc;

/** Bytes at a position (Snort content with offset/depth). Exactly one of content (text), hex. */
export interface ContentDoc {
  readonly content?: string;
  readonly hex?: string;
  readonly nocase?: boolean; // content only
  readonly offset?: number; // first byte where the match may start (default 0)
  readonly depth?: number; // the match must end within offset+depth (default: the inspected payload)
  readonly at?: number; // shorthand: must start exactly here (offset=at, depth=length)
}

/** An unsigned integer read from the payload (Snort byte_test). */
export interface UintDoc {
  readonly uint: { readonly at: number; readonly size: 1 | 2 | 4; readonly endian?: 'be' | 'le'; readonly mask?: number };
  readonly equals?: number | string; // a number, or "payload_len" / "payload_len-4" / "payload_len+2"
  readonly in?: readonly number[];
  readonly min?: number;
  readonly max?: number;
}

/** A named field (see FIELD_NAMES in inspection.ts) compared with operators; all given operators must hold. */
export interface FieldDoc {
  readonly field: string;
  readonly exists?: boolean;
  readonly equals?: string | number;
  readonly in?: readonly (string | number)[];
  readonly contains?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly regex?: string;
  readonly min?: number;
  readonly max?: number;
  readonly nocase?: boolean;
  readonly decode?: 'url';
}

export interface ThresholdDoc {
  readonly count: number;
  readonly window_s: number;
  /** Key fields: the events of one key are counted together. */
  readonly by: readonly ('src_ip' | 'dst_ip' | 'dst_port' | 'proto')[];
  /** Count distinct values of this field instead of events. */
  readonly distinct?: 'dst_port' | 'dst_ip' | 'src_port';
  /** "once": label the event that reaches count, then start over; "each": label every event at or over count. */
  readonly mode?: 'once' | 'each';
}
