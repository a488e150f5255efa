// The capture filter: frames addressed to our MAC, monitored destinations, excluded ports, and libpcap accepts it.
// Checked against real frames with tcpdump reading a pcap written from our own encoders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCaptureFilter } from '../../../src/capture/bpf-filter.ts';
import { parseCidr } from '../../../src/wire/address.ts';
import { SENSOR_MAC, tcpFrame, udpFrame } from '../../helpers/frames.ts';
import { formatMac } from '../../../src/wire/ethernet.ts';
import { pcapOf } from '../../helpers/pcap-file.ts';

const MAC = formatMac(SENSOR_MAC);
const spec = { mac: MAC, networks: [parseCidr('198.18.0.0/24')!, parseCidr('fd5b::/64')!], excludedPorts: [{ from: 22, to: 22 }, { from: 8000, to: 8100 }], outboundUdp: true };
const hasTcpdump = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;

test('refuses a bad MAC and an empty network list', () => {
  assert.throws(() => buildCaptureFilter({ ...spec, mac: 'nope' }), RangeError);
  assert.throws(() => buildCaptureFilter({ ...spec, networks: [] }), RangeError);
});

test('libpcap passes exactly the frames the responder acts on', { skip: hasTcpdump ? false : 'needs tcpdump' }, () => {
  const C = { src: '203.0.113.9', dst: '198.18.0.1', sport: 40000, dport: 80 };
  const toOther = (f: Buffer) => { const c = Buffer.from(f); c.set([0x02, 0x99, 0x99, 0x99, 0x99, 0x99], 0); return c; };
  const broadcast = (f: Buffer) => { const c = Buffer.from(f); c.fill(0xff, 0, 6); return c; };
  const ours = (f: Buffer) => { const c = Buffer.from(f); c.set(SENSOR_MAC, 6); c.set([0x02, 0x99, 0x99, 0x99, 0x99, 0x99], 0); return c; };
  const cases: [string, (sport: number) => Buffer, boolean][] = [
    ['SYN to a monitored address', (sport) => tcpFrame({ ...C, sport, seq: 1, flags: 2 }), true],
    ['IPv6 SYN', (sport) => tcpFrame({ ...C, sport, src: '2001:db8::9', dst: 'fd5b::1', seq: 1, flags: 2 }), true],
    ['tagged SYN', (sport) => tcpFrame({ ...C, sport, vlan: 100, seq: 1, flags: 2 }), true],
    ['UDP to a monitored address', (sport) => udpFrame({ ...C, sport, dport: 53 }, 'q'), true],
    ['excluded port 22', (sport) => tcpFrame({ ...C, sport, dport: 22, seq: 1, flags: 2 }), false],
    ['excluded range', (sport) => udpFrame({ ...C, sport, dport: 8050 }, 'q'), false],
    ['tagged, excluded port', (sport) => tcpFrame({ ...C, sport, vlan: 100, dport: 22, seq: 1, flags: 2 }), false],
    ['address not monitored', (sport) => tcpFrame({ ...C, sport, dst: '198.18.1.1', seq: 1, flags: 2 }), false],
    ["another host's frame (promiscuous)", (sport) => toOther(tcpFrame({ ...C, sport, seq: 1, flags: 2 })), false],
    ['broadcast frame', (sport) => broadcast(udpFrame({ ...C, sport, dport: 137 }, 'q')), false],
    ['our own outgoing UDP (for reply tracking)', (sport) => ours(udpFrame({ src: '198.18.0.1', dst: '192.0.2.53', sport, dport: 53 }, 'q')), true],
    ['our own outgoing TCP', (sport) => ours(tcpFrame({ src: '198.18.0.1', dst: '192.0.2.53', sport, dport: 443, seq: 1, flags: 2 })), false],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'synbait-bpf-'));
  try {
    const file = join(dir, 'frames.pcap');
    writeFileSync(file, pcapOf(cases.map((c, i) => c[1](20000 + i))));
    const r = spawnSync('tcpdump', ['-r', file, '-n', '-q', buildCaptureFilter(spec)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // each case has its own source port: 20000 + its index
    const passed = new Set([...r.stdout.matchAll(/[.:](2\d{4}) > /g)].map((m) => Number(m[1]) - 20000));
    cases.forEach(([name, , want], i) => assert.equal(passed.has(i), want, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
