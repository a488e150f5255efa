// Standalone (not part of `npm run bench`): answered % at 100k and 200k SYN/s on an offload-ON veth, for the
// snapshot length and ring size choices of issue 13.3, with the kernel's ring drops per round and the sensor's
// RSS after start. Run as root: node --import tsx test/bench/snaplen-bench.ts [config...]
//   configs: old (--snaplen 65535, 8MiB), default, ring16 (default snaplen, 16MiB), ring32
import { nsExec } from '../helpers/netns.ts';
import { createBench, firewall, measure, replay, rssBytes, startBenchSensor, withKernelListener, clearFirewall, type Bench } from './syn-flood.ts';

const CONFIGS: Record<string, string[]> = {
  old: ['--snaplen', '65535'],
  default: [],
  ring16: ['--pcap-buffer-size', '16MiB'],
  ring32: ['--pcap-buffer-size', '32MiB'],
};
const SECONDS = 4;
const METRICS = '127.0.0.1:9466';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kernelDrops(b: Bench): number {
  const text = nsExec(b.topo.sensorNs, 'curl', ['-s', `http://${METRICS}/metrics`], { allowFail: true });
  return Number(/^synbait_capture_kernel_drops_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

async function runConfig(b: Bench, name: string): Promise<string[]> {
  const s = await startBenchSensor(b, ['--syn-rate-global', '0', '--metrics-listen', METRICS, ...CONFIGS[name]!]);
  const rows: string[] = [];
  try {
    await sleep(1000);
    const idle = rssBytes(s.pid);
    replay(b, b.pcapFor(50_000), 10_000); // 5 s warm-up at 10k SYN/s
    await sleep(6000);
    for (const pps of [100_000, 200_000]) {
      const d0 = kernelDrops(b);
      const r = await measure(b, 'sensor', pps, pps * SECONDS, s.pid);
      const d1 = kernelDrops(b);
      rows.push(`| ${name} | ${pps} | ${Math.round(r.actualPps)} | ${r.delivered} | ${(r.ratio * 100).toFixed(1)} % | ${d1 - d0} | ${(r.cpu * 100).toFixed(0)} % | ${(idle / 1048576).toFixed(1)} MiB | ${(rssBytes(s.pid) / 1048576).toFixed(1)} MiB |`);
      console.log(rows.at(-1));
      await sleep(6000);
    }
  } finally {
    await s.stop();
  }
  return rows;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : ['old', 'default'];
  const b = createBench({ offloads: true });
  try {
    const kernel: string[] = [];
    await withKernelListener(b, async () => {
      for (const pps of [100_000, 200_000]) {
        const r = await measure(b, 'kernel', pps, pps * SECONDS);
        kernel.push(`| kernel | ${pps} | ${Math.round(r.actualPps)} | ${r.delivered} | ${(r.ratio * 100).toFixed(1)} % | | | | |`);
        console.log(kernel.at(-1));
      }
    });
    firewall(b);
    console.log('| config | asked SYN/s | achieved | delivered | answered | kernel drops | sensor CPU | RSS idle | RSS after |');
    for (const n of names) await runConfig(b, n);
    clearFirewall(b);
  } finally {
    b.close();
  }
}

await main();
