import { createBench, startBenchSensor, measure, firewall, rssBytes } from './syn-flood.ts';
import { readFileSync } from 'node:fs';
const b = createBench();
try {
  firewall(b);
  const s = await startBenchSensor(b, ['--syn-rate-global', '0', '--stats-interval', '1', ...(process.env.EXTRA ?? '').split(' ').filter(Boolean)], (process.env.NODEFLAGS ?? '').split(' ').filter(Boolean));
  console.log('idle rss MB', rssBytes(s.pid) / 1e6);
  const r = Number(process.env.RATE ?? 200000);
  console.log(JSON.stringify(await measure(b, 'sensor', r, r * 3, s.pid)));
  for (let i = 0; i < 12; i++) { await new Promise((res) => setTimeout(res, 1000)); }
  await s.stop();
  for (const l of readFileSync(s.outFile, 'utf8').split('\n')) if (l.includes('"Stats"') || l.includes('Dropped')) { const o = JSON.parse(l); console.log(o.time?.slice(11,19), 'rss', (o.rss_bytes/1e6).toFixed(0), 'heap', (o.heap_used_bytes/1e6).toFixed(0), 'ab', (o.array_buffers_bytes/1e6).toFixed(0), 'backlog', o.record_backlog, 'frames', o.frames, 'synacks', o.syn_acks, 'senderr', o.send_errors, 'pending', o.pending_syns, 'rec', JSON.stringify(o.flows_recorded), o.event, o.reason ?? '', o.count ?? ''); }
} finally { b.close(); }
