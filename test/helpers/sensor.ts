// Runs the real sensor (`node src/bin.mjs`, exactly what the `synbait` command runs) inside a namespace and
// collects its JSON output: record lines ("event":"flow") and pino log lines.

import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FlowRecord } from '../../src/record/flow-record.ts';
import { nsSpawn } from './netns.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../src/bin.mjs', import.meta.url));

export interface SensorProcess {
  readonly child: ChildProcess;
  readonly records: FlowRecord[];
  readonly logs: Record<string, unknown>[];
  /** Non-JSON stdout lines (console format) and stderr text. */
  readonly text: { stdout: string; stderr: string };
  waitFor<T>(pick: () => T | undefined, what: string, timeoutMs?: number): Promise<T>;
  waitForRecord(pred: (r: FlowRecord) => boolean, what: string, timeoutMs?: number): Promise<FlowRecord>;
  /** Sends the signal and resolves with the exit code (or the signal name) once the process ended. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  readonly exited: Promise<number | string>;
}

export async function startSensor(ns: string, args: readonly string[], opts: { env?: Record<string, string>; waitStarted?: boolean } = {}): Promise<SensorProcess> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SYNBAIT_')) env[k] = v;
  Object.assign(env, opts.env ?? {});
  const child = nsSpawn(ns, process.execPath, [BIN, ...args], { env, cwd: REPO });
  const records: FlowRecord[] = [];
  const logs: Record<string, unknown>[] = [];
  const text = { stdout: '', stderr: '' };
  let pending = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let obj: Record<string, unknown> | undefined;
      if (line.startsWith('{')) {
        try { obj = JSON.parse(line) as Record<string, unknown>; } catch { obj = undefined; }
      }
      if (obj?.event === 'flow') records.push(obj as unknown as FlowRecord);
      else if (obj) logs.push(obj);
      else text.stdout += line + '\n';
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    text.stderr += chunk;
    for (const line of chunk.split('\n')) {
      if (line.startsWith('{')) {
        try { logs.push(JSON.parse(line) as Record<string, unknown>); } catch { /* partial line */ }
      }
    }
  });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  let done = false;
  void exited.then(() => { done = true; });

  const waitFor = async <T>(pick: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      if (done) throw new Error(`sensor exited while waiting for ${what}\nstderr: ${text.stderr}\nstdout: ${text.stdout}\nlogs: ${JSON.stringify(logs.slice(-5))}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; records: ${JSON.stringify(records.map((r) => `${r.src_ip}:${r.src_port}->${r.dst_ip}:${r.dst_port} ${r.state} ${r.payload_len}`))}\nstderr: ${text.stderr}\nlogs: ${JSON.stringify(logs.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const proc: SensorProcess = {
    child, records, logs, text, exited, waitFor,
    waitForRecord: (pred, what, timeoutMs) => waitFor(() => records.find(pred), what, timeoutMs),
    async stop(signal = 'SIGTERM', timeoutMs = 8000) {
      if (!done) {
        // `ip netns exec` execs the command: the child pid is the sensor itself
        child.kill(signal);
      }
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  if (opts.waitStarted !== false) await waitFor(() => logs.find((l) => l.event === 'SensorStarted'), 'SensorStarted', 15_000);
  return proc;
}
