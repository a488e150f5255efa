// The SYN-rate, latency and memory benchmark of issue 3, as root, on this machine:
// two network namespaces and a veth pair; a generated pcap of SYNs from random (spoofed) sources to random ports;
// tcpreplay --pps=R replays it into the sensor's side. "Answered" = SYN-ACKs that left the sensor's interface
// (tx_packets delta) / SYNs delivered to it (rx_packets delta). The reference in the same run: the Linux kernel
// answering the same SYNs (iptables REDIRECT of every port to one listening socket).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, installLurkerFirewall, nsExec, nsSpawn, sh, type Topology } from '../helpers/netns.ts';
import { parsePcap } from '../helpers/pcap-file.ts';
import { BIN, REPO } from '../helpers/sensor.ts';
import { writeSynPcap } from './syn-pcap.ts';

export interface RateResult {
  readonly mode: 'sensor' | 'kernel';
  readonly pps: number;
  readonly delivered: number;
  readonly answered: number;
  readonly ratio: number;
  /** Sensor process CPU (user+system) as a share of one core over the replay; NaN for the kernel. */
  readonly cpu: number;
  /** What tcpreplay achieved. */
  readonly actualPps: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ifaceCounters(ns: string, ifn: string): { rx: number; tx: number } {
  const read = (f: string) => Number(nsExec(ns, 'cat', [`/sys/class/net/${ifn}/statistics/${f}`]).trim());
  return { rx: read('rx_packets'), tx: read('tx_packets') };
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime (fields 14, 15)
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const TICKS = Number(sh('getconf', ['CLK_TCK']).trim()) || 100;

export interface Bench {
  readonly topo: Topology;
  readonly dir: string;
  pcapFor(count: number, distinct?: boolean, ports?: readonly number[]): string;
  close(): void;
}

/**
 * `offloads`: 'kernel' leaves the veth as the kernel made it (GRO/GSO/TSO on: what users run), 'on'/'off' set them
 * (off by default for the sections that measure the sensor alone: libpcap then sizes each ring slot for an
 * MTU-sized frame; with them on it sizes slots for 64 KiB frames, and the same ring holds some 40 times fewer).
 */
export function createBench(opts: { offloads?: boolean | 'kernel' } = {}): Bench {
  const topo = createTopology({ octet: 77 });
  const dir = mkdtempSync(join(tmpdir(), 'synbait-bench-'));
  const state = opts.offloads === true ? 'on' : 'off';
  for (const [ns, ifn] of [[topo.sensorNs, topo.sensorIf], [topo.clientNs, topo.clientIf]] as const) {
    if (opts.offloads !== 'kernel') nsExec(ns, 'ethtool', ['-K', ifn, 'gro', state, 'tso', state, 'gso', state], { allowFail: true });
    nsExec(ns, 'ip', ['link', 'set', ifn, 'txqueuelen', '10000']);
  }
  // the spoofed sources are routed back through the client side, so the kernel reference can answer them
  nsExec(topo.sensorNs, 'ip', ['route', 'add', 'default', 'via', topo.clientIp4]);
  const cache = new Map<string, string>();
  return {
    topo,
    dir,
    pcapFor(count, distinct = false, ports) {
      const key = `${count}-${distinct}${ports ? `-${ports.join('_')}` : ''}`;
      let p = cache.get(key);
      if (!p) {
        p = join(dir, `syns-${key}.pcap`);
        writeSynPcap(p, { count, dstIp: topo.sensorIp4, dstMac: topo.sensorMac, srcMac: topo.clientMac, excludePorts: [22], distinctSources: distinct, seed: 42, ...(ports ? { ports } : {}) });
        cache.set(key, p);
      }
      return p;
    },
    close() {
      topo.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunningSensor {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly outFile: string;
  stop(): Promise<void>;
}

/** Starts the real sensor (src/bin.mjs) behind lurker's firewall; stdout goes to a file. */
/** This process's environment without the benchmark's own SYNBAIT_BENCH_* settings (the sensor refuses unknown SYNBAIT_* variables). */
export function sensorEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SYNBAIT_BENCH_')));
}

export async function startBenchSensor(b: Bench, extra: readonly string[] = [], nodeFlags: readonly string[] = [], env: Record<string, string> = {}): Promise<RunningSensor> {
  const outFile = join(b.dir, `sensor-${Date.now()}.out`);
  const fd = openSync(outFile, 'w');
  // run as a user runs it: the executable (its first line sets the runtime flags), unless flags are given
  const child = nsSpawn(b.topo.sensorNs, nodeFlags.length ? process.execPath : BIN, [...(nodeFlags.length ? [...nodeFlags, BIN] : []), '-i', b.topo.sensorIf, '-n', `${b.topo.sensorIp4}/32`, '-e', '22', '--format', 'json', '--stats-interval', '0', ...extra], { cwd: REPO, stdio: ['ignore', fd, fd], env: { ...sensorEnv(), ...env } });
  closeSync(fd);
  const deadline = Date.now() + 20_000;
  while (!readFileSync(outFile, 'utf8').includes('"SensorStarted"')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`sensor did not start: ${readFileSync(outFile, 'utf8').slice(-2000)}`);
    await sleep(100);
  }
  await sleep(500);
  return {
    child,
    pid: child.pid!,
    outFile,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

export function replay(b: Bench, pcap: string, pps: number): { actualPps: number } {
  // above 20k pps tcpreplay sends in bursts of 10 per time slice, else its own timing loop caps the rate
  const multi = pps > 20_000 ? ['--pps-multi=10'] : [];
  const out = nsExec(b.topo.clientNs, 'tcpreplay', ['-i', b.topo.clientIf, `--pps=${pps}`, ...multi, '--preload-pcap', '-q', pcap], { allowFail: false });
  const m = /Rated:\s+[\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(out);
  return { actualPps: m ? Number(m[1]) : NaN };
}

/** One measurement: replay `count` SYNs at `pps` and count what left the sensor side. */
export async function measure(b: Bench, mode: 'sensor' | 'kernel', pps: number, count: number, pid?: number, ports?: readonly number[]): Promise<RateResult> {
  const pcap = b.pcapFor(count, false, ports);
  const before = ifaceCounters(b.topo.sensorNs, b.topo.sensorIf);
  const cpu0 = pid ? cpuTicks(pid) : 0;
  const t0 = process.hrtime.bigint();
  const { actualPps } = replay(b, pcap, pps);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = pid ? cpuTicks(pid) : 0;
  await sleep(300); // let the last replies leave
  const after = ifaceCounters(b.topo.sensorNs, b.topo.sensorIf);
  const delivered = after.rx - before.rx;
  const answered = after.tx - before.tx;
  return {
    mode, pps, delivered, answered,
    ratio: delivered > 0 ? Math.min(1, answered / delivered) : 0,
    cpu: pid ? (cpu1 - cpu0) / TICKS / seconds : NaN,
    actualPps,
  };
}

/** The kernel reference: every TCP port redirected to one listening socket (SYN cookies take over when its queue is full). */
export async function withKernelListener<T>(b: Bench, fn: () => Promise<T>): Promise<T> {
  const ns = b.topo.sensorNs;
  nsExec(ns, 'sysctl', ['-qw', 'net.ipv4.tcp_syncookies=1']);
  nsExec(ns, 'iptables', ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', '9']);
  const server = nsSpawn(ns, process.execPath, ['-e', "require('net').createServer(s=>s.destroy()).listen({port:9, backlog:4096}, () => console.log('ready'))"]);
  await new Promise<void>((resolve) => server.stdout!.once('data', () => resolve()));
  try {
    return await fn();
  } finally {
    server.kill('SIGKILL');
    nsExec(ns, 'iptables', ['-t', 'nat', '-F', 'PREROUTING'], { allowFail: true });
  }
}

export function firewall(b: Bench): void {
  installLurkerFirewall(b.topo.sensorNs);
}

export function clearFirewall(b: Bench): void {
  for (const cmd of ['iptables', 'ip6tables']) {
    nsExec(b.topo.sensorNs, cmd, ['-F'], { allowFail: true });
  }
}

/** SYN -> SYN-ACK latency at `pps`, from timestamps of both packets captured on the far (client) side. */
export async function latency(b: Bench, pps: number, count: number): Promise<{ p50: number; p99: number; max: number; matched: number }> {
  const capFile = join(b.dir, `lat-${pps}.pcap`);
  const dump = spawn('ip', ['netns', 'exec', b.topo.clientNs, 'tcpdump', '-i', b.topo.clientIf, '-w', capFile, '-s', '96', '-B', '65536', '-n', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  dump.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const t0 = Date.now();
  while (!err.includes('listening on')) {
    if (Date.now() - t0 > 10_000) throw new Error(`tcpdump did not start: ${err}`);
    await sleep(50);
  }
  replay(b, b.pcapFor(count), pps);
  await sleep(500);
  dump.kill('SIGINT');
  await new Promise((r) => dump.once('exit', r));
  const { records } = parsePcap(readFileSync(capFile));
  const syn = new Map<string, number>();
  const lat: number[] = [];
  for (const r of records) {
    const d = r.data;
    if (d.length < 54 || d.readUInt16BE(12) !== 0x0800) continue;
    const flags = d[47]!;
    const src = d.readUInt32BE(26);
    const dst = d.readUInt32BE(30);
    const sp = d.readUInt16BE(34);
    const dp = d.readUInt16BE(36);
    if (flags === 0x02) syn.set(`${src}:${sp}>${dst}:${dp}`, r.tsMs);
    else if (flags === 0x12) {
      const t = syn.get(`${dst}:${dp}>${src}:${sp}`);
      if (t !== undefined) lat.push(r.tsMs - t);
    }
  }
  lat.sort((a, z) => a - z);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), max: lat.at(-1) ?? NaN, matched: lat.length };
}
