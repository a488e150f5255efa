// SYN answering as users run the sensor (issue 13): default settings, a veth with the kernel's default offloads,
// spoofed SYNs from random sources replayed with tcpreplay, a 5 s warm-up at 10k SYN/s and then the rates one
// after another with no pause long enough for the backlog to drain (the SYN-only records of one burst time out and
// are written during the next). The kernel answers the same SYNs in namespaces of its own, in the same run. The
// sensor's own view comes from its Stats lines (--stats-interval 1): SYNs it saw, what its policy rate-limited,
// what libpcap says the kernel dropped (kernel_dropped, if_dropped), and the longest event-loop stall.

import { readFileSync } from 'node:fs';
import { nsExec } from '../helpers/netns.ts';
import { createBench, firewall, latency, measure, rssBytes, startBenchSensor, withKernelListener, type Bench, type RateResult, type RunningSensor } from './syn-flood.ts';

export interface BenchCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface SynOptions {
  readonly log: (msg: string) => void;
  /** Seconds of replay per rate. */
  readonly seconds: number;
  readonly rates: readonly number[];
}

/** One burst as the veth and the sensor saw it. */
export interface BurstResult extends RateResult {
  /** From the sensor's Stats lines (deltas over the burst); undefined while the sensor does not report them. */
  readonly kernelDropped: number | undefined;
  readonly rateLimited: number;
  /** Longest event-loop stall in the Stats lines of the burst. */
  readonly stallMs: number;
}

export interface SensorRun {
  readonly bursts: BurstResult[];
  readonly shutdownStallMs: number;
  readonly stopMs: number;
  readonly recordsDropped: number;
  readonly peakRss: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Line = Record<string, unknown>;

function lines(s: RunningSensor): Line[] {
  const out: Line[] = [];
  for (const l of readFileSync(s.outFile, 'utf8').split('\n')) {
    if (!l.startsWith('{') || l.includes('"event":"flow"')) continue;
    try {
      out.push(JSON.parse(l) as Line);
    } catch { /* a line cut by the read */ }
  }
  return out;
}

const num = (l: Line | undefined, k: string): number | undefined => (typeof l?.[k] === 'number' ? (l[k] as number) : undefined);

/** Kernel drops as the sensor reports them: libpcap's ps_drop + ps_ifdrop. */
function kernelDrops(l: Line | undefined): number | undefined {
  const k = num(l, 'kernel_dropped');
  return k === undefined ? undefined : k + (num(l, 'if_dropped') ?? 0);
}

/** Replays one burst and reads the sensor's Stats lines that cover it. */
async function burst(b: Bench, s: RunningSensor, pps: number, seconds: number): Promise<BurstResult> {
  const before = lines(s).filter((l) => l.event === 'Stats').at(-1);
  const r = await measure(b, 'sensor', pps, pps * seconds, s.pid);
  await sleep(1100); // one more Stats line, which covers the end of the burst
  const stats = lines(s).filter((l) => l.event === 'Stats');
  const during = stats.slice(before ? stats.indexOf(stats.find((l) => l.time === before.time)!) + 1 : 0);
  const last = during.at(-1);
  const k0 = kernelDrops(before) ?? 0;
  const k1 = kernelDrops(last);
  return {
    ...r,
    kernelDropped: k1 === undefined ? undefined : k1 - k0,
    rateLimited: (num(last, 'rate_limited') ?? 0) - (num(before, 'rate_limited') ?? 0),
    stallMs: Math.max(0, ...during.map((l) => num(l, 'event_loop_delay_max_ms') ?? 0)),
  };
}

/** The kernel reference at every rate, offloads as the kernel set them. */
export async function kernelRun(o: SynOptions): Promise<RateResult[]> {
  const kb = createBench({ offloads: 'kernel' });
  const kernel: RateResult[] = [];
  try {
    await withKernelListener(kb, async () => {
      for (const r of o.rates) {
        o.log(`kernel reference at ${r} SYN/s`);
        kernel.push(await measure(kb, 'kernel', r, r * o.seconds));
      }
    });
  } finally {
    kb.close();
  }
  return kernel;
}

/** The sensor with `extra` flags: warm-up, every rate back to back, then SIGTERM. */
export async function sensorRun(o: SynOptions, extra: readonly string[], label: string): Promise<SensorRun & { offloads: string }> {
  const b = createBench({ offloads: 'kernel' });
  try {
    firewall(b);
    const offloads = offloadState(b);
    const s = await startBenchSensor(b, ['--stats-interval', '1', ...extra]);
    let peakRss = 0;
    const rss = setInterval(() => { try { peakRss = Math.max(peakRss, rssBytes(s.pid)); } catch { /* exited */ } }, 250);
    o.log(`${label}: warm-up, 5 s at 10,000 SYN/s`);
    await measure(b, 'sensor', 10_000, 50_000, s.pid);
    const bursts: BurstResult[] = [];
    for (const r of o.rates) {
      o.log(`${label} at ${r} SYN/s`);
      bursts.push(await burst(b, s, r, o.seconds));
    }
    clearInterval(rss);
    await s.stop();
    const ls = lines(s);
    const t = (e: string) => Date.parse(String(ls.find((l) => l.event === e)?.time));
    const stopped = ls.find((l) => l.event === 'SensorStopped');
    return {
      bursts, offloads, peakRss,
      shutdownStallMs: num(stopped, 'event_loop_delay_max_ms') ?? NaN,
      stopMs: t('SensorStopped') - t('SensorStopping'),
      recordsDropped: ls.filter((l) => l.event === 'RecordsDropped').reduce((n, l) => n + (num(l, 'count') ?? 0), 0),
    };
  } finally {
    b.close();
  }
}

/** p99 SYN→SYN-ACK at 10k SYN/s while the warm-up's SYN-only records time out and are written, then idle. */
export async function latencyRun(o: SynOptions): Promise<{ busy: Awaited<ReturnType<typeof latency>>; idle: Awaited<ReturnType<typeof latency>>; stallMs: number }> {
  const b = createBench({ offloads: 'kernel' });
  try {
    firewall(b);
    const s = await startBenchSensor(b, ['--stats-interval', '1']);
    o.log('latency: warm-up, 5 s at 10,000 SYN/s (its records are written during the next run)');
    await measure(b, 'sensor', 10_000, 50_000, s.pid);
    o.log('latency at 10,000 SYN/s while records are written');
    const busy = await latency(b, 10_000, 50_000);
    await sleep(7000); // every record written: the reference run
    o.log('latency at 10,000 SYN/s, nothing to write');
    const idle = await latency(b, 10_000, 50_000);
    await s.stop();
    const stallMs = Math.max(0, ...lines(s).map((l) => num(l, 'event_loop_delay_max_ms') ?? 0));
    return { busy, idle, stallMs };
  } finally {
    b.close();
  }
}

function offloadState(b: Bench): string {
  const k = nsExec(b.topo.sensorNs, 'ethtool', ['-k', b.topo.sensorIf], { allowFail: true });
  const on = (name: string) => new RegExp(`^${name}: on`, 'm').test(k);
  return ['generic-receive-offload', 'generic-segmentation-offload', 'tcp-segmentation-offload']
    .map((n) => `${n.split('-').map((w) => w[0]).join('').toUpperCase()} ${on(n) ? 'on' : 'off'}`).join(', ');
}
