// FinishedFlow (responder) + labels and facts (classifier) -> FlowRecord (what sinks write).

import { dialogueRecord } from './dialogue.ts';
import type { FinishedFlow } from './finished-flow.ts';
import { formatIp } from '../wire/address.ts';
import { type FlowRecord, type RecordLabel, type ProtocolFacts, RECORD_SCHEMA_VERSION } from './flow-record.ts';

export interface RecordContext {
  readonly sensor: string;
  readonly flowId: string;
  readonly labels: readonly RecordLabel[];
  readonly facts: ProtocolFacts | undefined;
  /** Already formatted addresses (the pipeline formats them once for the classifier too). */
  readonly srcIp?: string;
  readonly dstIp?: string;
}

export function buildRecord(f: FinishedFlow, ctx: RecordContext): FlowRecord {
  const payload = Buffer.from(f.payload.buffer, f.payload.byteOffset, f.payload.byteLength);
  const hasFacts = ctx.facts !== undefined && Object.keys(ctx.facts).length > 0;
  return {
    event: 'flow',
    schema: RECORD_SCHEMA_VERSION,
    ts: new Date(f.firstMs).toISOString(),
    end_ts: new Date(f.lastMs).toISOString(),
    sensor: ctx.sensor,
    flow_id: ctx.flowId,
    proto: f.proto,
    ip_version: f.ipVersion,
    src_ip: ctx.srcIp ?? formatIp(f.src),
    src_port: f.srcPort,
    dst_ip: ctx.dstIp ?? formatIp(f.dst),
    dst_port: f.dstPort,
    state: f.state,
    payload: payload.toString('base64'),
    payload_len: f.payload.length,
    truncated: f.truncated,
    packets: f.packets,
    segments: f.segments,
    end_reason: f.endReason,
    ...(f.syn ? { syn: f.syn } : {}),
    labels: ctx.labels,
    ...(hasFacts ? { facts: ctx.facts } : {}),
    ...(f.dialogue ? { dialogue: dialogueRecord(f.dialogue) } : {}),
  };
}
