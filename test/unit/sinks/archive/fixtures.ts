// Test helpers for the archive: synthetic records, a log recorder, temp folders, reading archives back.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FlowRecord } from '../../../../src/record/flow-record.ts';
import { parseRecordLine } from '../../../../src/record/ndjson.ts';
import type { Logger } from '../../../../src/logger.ts';

let seq = 0;

/** A valid record; `i` makes flow_id, port and payload distinct. */
export function makeRecord(i = seq++, over: Partial<FlowRecord> = {}): FlowRecord {
  const payload = Buffer.from(`GET /probe-${i} HTTP/1.1\r\nHost: x\r\n\r\n`).toString('base64');
  return {
    event: 'flow',
    schema: 1,
    ts: new Date(Date.UTC(2026, 10, 25, 10, 15, 0) + i).toISOString(),
    end_ts: new Date(Date.UTC(2026, 10, 25, 10, 15, 1) + i).toISOString(),
    sensor: 'sensor1',
    flow_id: `F${i.toString().padStart(12, '0')}`,
    proto: 'tcp',
    ip_version: 4,
    src_ip: '192.0.2.1',
    src_port: 40000 + (i % 20000),
    dst_ip: '198.51.100.10',
    dst_port: 1 + (i % 65535),
    state: 'acked',
    payload,
    payload_len: Buffer.from(payload, 'base64').length,
    truncated: false,
    packets: 3,
    segments: 1,
    end_reason: 'fin',
    labels: [],
    ...over,
  };
}

export interface LogEntry extends Record<string, unknown> {
  level: string;
  msg: string;
}

export class LogRecorder implements Logger {
  readonly entries: LogEntry[] = [];
  readonly #echo = process.env.SYNBAIT_TEST_LOG === '1';
  #add(level: string, obj: Record<string, unknown>, msg: string): void {
    this.entries.push({ ...obj, level, msg });
    if (this.#echo) console.error(JSON.stringify({ level, ...obj, msg }));
  }
  debug(obj: Record<string, unknown>, msg: string): void { this.#add('debug', obj, msg); }
  info(obj: Record<string, unknown>, msg: string): void { this.#add('info', obj, msg); }
  warn(obj: Record<string, unknown>, msg: string): void { this.#add('warn', obj, msg); }
  error(obj: Record<string, unknown>, msg: string): void { this.#add('error', obj, msg); }
  events(name: string): LogEntry[] {
    return this.entries.filter((e) => e.event === name);
  }
}

export async function tempDir(t: { after(fn: () => Promise<void> | void): void }, tag = 'archive'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `synbait-${tag}-test-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Records of a gzip JSON Lines archive (gunzip reads every member); throws on any invalid line. */
export function recordsOf(gz: Buffer): FlowRecord[] {
  const text = gunzipSync(gz).toString('utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error('archive does not end with a newline');
  return text.slice(0, -1).split('\n').map((line) => {
    const p = parseRecordLine(line);
    if (!p.ok) throw new Error(`invalid line: ${p.reason}`);
    return p.record;
  });
}

export async function readyFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'ready'))).sort();
}

export async function openFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'open'))).sort();
}

/** All records of all ready JSON archives in a spool. */
export async function readyRecords(dir: string): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  for (const f of await readyFiles(dir)) {
    if (f.endsWith('.jsonl.gz')) out.push(...recordsOf(await readFile(join(dir, 'ready', f))));
  }
  return out;
}

export async function waitFor<T>(pick: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pick();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
