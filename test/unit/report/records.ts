// Test helpers: FlowRecords with sensible defaults, archive files (multi-member gzip, like the archive writer's
// flushed blocks), and a writable that collects what is written.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { FlowRecord, Label } from '../../../src/record/flow-record.ts';
import { recordToLine } from '../../../src/record/ndjson.ts';

export const LABEL_SIP: Label = { id: 'sb-1001', rev: 1, name: 'SIPVicious Scanner Detection', category: 'scanner', severity: 'medium' };
export const LABEL_SSH: Label = { id: 'sb-4001', rev: 2, name: 'SSH User Authentication Brute Force Attempt', category: 'bruteforce', severity: 'high' };
export const LABEL_ZGRAB: Label = { id: 'sb-1002', rev: 1, name: 'ZGrab Application Layer Scanner Detection', category: 'scanner', severity: 'low' };

let flowCounter = 0;

export function record(over: Partial<FlowRecord> & Record<string, unknown> = {}): FlowRecord {
  const ts = (over.ts as string | undefined) ?? '2026-11-25T10:15:00.000Z';
  const payload = (over.payload as string | undefined) ?? '';
  return {
    event: 'flow',
    schema: 1,
    ts,
    end_ts: ts,
    sensor: 'sensor1',
    flow_id: `f${(flowCounter++).toString(16).padStart(9, '0')}`,
    proto: 'tcp',
    ip_version: 4,
    src_ip: '192.0.2.1',
    src_port: 40000,
    dst_ip: '198.51.100.10',
    dst_port: 22,
    state: 'syn',
    payload,
    payload_len: Buffer.from(payload, 'base64').length,
    truncated: false,
    packets: 1,
    segments: 0,
    end_reason: 'timeout',
    labels: [],
    ...over,
  } as FlowRecord;
}

export function lines(records: readonly FlowRecord[]): string {
  return records.map(recordToLine).join('');
}

/** Gzip, one member per `perMember` records. */
export function gzipMembers(records: readonly FlowRecord[], perMember = 2): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < records.length; i += perMember) parts.push(gzipSync(lines(records.slice(i, i + perMember))));
  return Buffer.concat(parts);
}

export async function tempDir(t: { after(fn: () => Promise<void> | void): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'synbait-report-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function put(dir: string, rel: string, data: Buffer | string): Promise<string> {
  const p = join(dir, rel);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, data);
  return p;
}

export class Collect extends Writable {
  text = '';
  isTTY?: boolean;
  columns?: number;
  constructor(tty = false) {
    super();
    if (tty) {
      this.isTTY = true;
      this.columns = 120;
    }
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += String(chunk);
    cb();
  }
}

/** runReport's io with collecting streams. */
export function io(env: NodeJS.ProcessEnv = {}, tty = false): { stdout: Collect; stderr: Collect; env: NodeJS.ProcessEnv } {
  return { stdout: new Collect(), stderr: new Collect(tty), env };
}
