// Child process for the SIGKILL test: writes records to an archive as fast as it can and prints, after each
// flush() resolved, how many records are safely written ("flushed N"). The parent kills it with SIGKILL mid-write.
//   node --import tsx test/unit/sinks/archive/writer-child.ts DIR [PCAP=0|1]

import { ArchiveSink } from '../../../../src/sinks/archive/archive-sink.ts';
import { makeRecord } from './fixtures.ts';

const dir = process.argv[2]!;
const pcap = process.argv[3] === '1';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sink = await ArchiveSink.open({
  dir, sensor: 'sensor1', rotateIntervalMs: 3_600_000, rotateSize: 64 * 1024 * 1024, pcap, spoolMaxBytes: 1 << 30,
  log: quiet, flushIntervalMs: 50, blockBytes: 16 * 1024,
});
await sink.recovered;
const frame = Buffer.alloc(60, 0xab);
let i = 0;
process.stdout.write('ready\n');
for (;;) {
  for (let k = 0; k < 200; k++, i++) {
    sink.write(makeRecord(i), pcap ? { frames: [{ tsMs: Date.now(), data: frame }, { tsMs: Date.now() + 0.5, data: frame }] } : undefined);
  }
  const n = i;
  await sink.flush();
  process.stdout.write(`flushed ${n}\n`);
}
