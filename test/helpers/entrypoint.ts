// Runs entrypoint.sh from the checkout inside a namespace, exactly as the image runs it (the sensor is found next
// to the script), and collects what it says: records and sensor logs on stdout (--format json), the entrypoint's
// JSON log lines on stderr. Also: ruleset snapshots and a client-side packet capture.

import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FlowRecord } from '../../src/record/flow-record.ts';
import { nsExec, nsSpawn } from './netns.ts';

export const ENTRYPOINT = fileURLToPath(new URL('../../entrypoint.sh', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

export type Backend = 'nft' | 'legacy';
type Json = Record<string, unknown>;

export interface EntrypointProcess {
  readonly child: ChildProcess;
  readonly records: FlowRecord[];
  /** Sensor log lines (stdout, JSON). */
  readonly sensorLogs: Json[];
  /** entrypoint.sh and `synbait firewall` log lines (stderr, component "entrypoint" or "firewall"). */
  readonly logs: Json[];
  readonly stderr: () => string;
  readonly exited: Promise<number | string>;
  waitFor<T>(pick: () => T | undefined, what: string, timeoutMs?: number): Promise<T>;
  /** Sends the signal to entrypoint.sh only (it forwards TERM/INT) and waits for it to end. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
  /** SIGKILL to entrypoint.sh and the sensor at once, as when a container is killed. */
  killAll(): Promise<void>;
}

export function sensorEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SYNBAIT_')) env[k] = v;
  return { ...env, ...extra };
}

export async function startEntrypoint(
  ns: string,
  args: readonly string[],
  opts: { env?: Record<string, string>; waitStarted?: boolean } = {},
): Promise<EntrypointProcess> {
  // its own process group, so killAll() reaches the sensor too, like a container's SIGKILL
  const child = nsSpawn(ns, 'bash', [ENTRYPOINT, ...args], { env: sensorEnv(opts.env), cwd: REPO, detached: true });
  const records: FlowRecord[] = [];
  const sensorLogs: Json[] = [];
  const logs: Json[] = [];
  let stderr = '';
  let outPending = '';
  let errPending = '';
  const lines = (pending: string, chunk: string, each: (line: string) => void): string => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) !== -1) {
      each(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
    return pending;
  };
  const parse = (line: string): Json | undefined => {
    if (!line.startsWith('{')) return undefined;
    try { return JSON.parse(line) as Json; } catch { return undefined; }
  };
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    outPending = lines(outPending, chunk, (line) => {
      const o = parse(line);
      if (o?.event === 'flow') records.push(o as unknown as FlowRecord);
      else if (o) sensorLogs.push(o);
    });
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    errPending = lines(errPending, chunk, (line) => {
      const o = parse(line);
      if (o?.component === 'entrypoint' || o?.component === 'firewall') logs.push(o);
      else if (o) sensorLogs.push(o);
    });
  });
  let done = false;
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, sig) => { done = true; resolve(code ?? sig ?? -1); }));
  const waitFor = async <T>(pick: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      if (done) throw new Error(`entrypoint exited while waiting for ${what}\n${stderr.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const proc: EntrypointProcess = {
    child, records, sensorLogs, logs, stderr: () => stderr, exited, waitFor,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (!done) child.kill(signal);
      const t = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async killAll() {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
      await exited;
      // the sensor is gone when nothing of the group is left
      for (let i = 0; i < 100; i++) {
        try { process.kill(-child.pid!, 0); } catch { return; }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  if (opts.waitStarted !== false) await waitFor(() => sensorLogs.find((l) => l.event === 'SensorStarted'), 'SensorStarted', 30_000);
  return proc;
}

/** Runs entrypoint.sh to completion (cleanup, healthcheck, or a run that must fail). */
export function runEntrypoint(ns: string, args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = nsSpawn(ns, 'bash', [ENTRYPOINT, ...args], { env: sensorEnv(env), cwd: REPO });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('close', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); }));
}

/** iptables-save and ip6tables-save of one backend, without comments and counters. */
export function ruleset(ns: string, backend: Backend): string {
  const norm = (t: string) => t.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]')).join('\n');
  const v4 = nsExec(ns, `iptables-${backend}-save`, []);
  const v6 = nsExec(ns, `ip6tables-${backend}-save`, []);
  return `${norm(v4)}\n--- ip6 ---\n${norm(v6)}`;
}

/** A capture on the client side of the link: what the sensor host really sends back. */
export async function startTcpdump(ns: string, ifname: string): Promise<{ stop(): Promise<string[]> }> {
  const child = nsSpawn(ns, 'tcpdump', ['-i', ifname, '-n', '-l', '-U', 'tcp or udp or icmp or icmp6']);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!/listening on/.test(err)) {
    if (Date.now() > deadline) throw new Error(`tcpdump did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300));
      const ended = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await ended;
      return out.split('\n').filter(Boolean);
    },
  };
}
