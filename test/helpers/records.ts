// FlowRecords for sink tests: the shape the pipeline builds, with the fields a test cares about.

import type { FlowRecord, Label } from '../../src/record/flow-record.ts';

export const LABEL: Label = { id: 'sb-1003', rev: 1, name: 'ZmEu Scanner Detection', category: 'scanner', severity: 'medium' };

export function makeRecord(o: { src?: string; dst?: string; port?: number; payload?: Uint8Array | string; labels?: Label[] } = {}): { record: FlowRecord; payload: Uint8Array } {
  const payload = typeof o.payload === 'string' ? Buffer.from(o.payload, 'latin1') : o.payload ?? new Uint8Array(0);
  const record: FlowRecord = {
    event: 'flow', schema: 1, ts: '2030-01-01T00:00:00.000Z', end_ts: '2030-01-01T00:00:01.000Z', sensor: 'unit',
    flow_id: '01HZZZZZZZZZZZZZZZZZZZZZZZ', proto: 'tcp', ip_version: 4, src_ip: o.src ?? '203.0.113.9', src_port: 40000,
    dst_ip: o.dst ?? '192.0.2.50', dst_port: o.port ?? 80, state: payload.length ? 'acked' : 'syn',
    payload: Buffer.from(payload).toString('base64'), payload_len: payload.length, truncated: false, packets: 3, segments: 1,
    end_reason: 'fin', labels: o.labels ?? [],
  };
  return { record, payload };
}
