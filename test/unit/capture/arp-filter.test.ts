// The capture filter with -a: ARP from other hosts passes in the untagged and the 802.1Q part, the vlan part still comes last,
// nothing changes without -a, and libpcap compiles it (tcpdump -d on loopback, when tcpdump and root are there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildCaptureFilter } from '../../../src/capture/bpf-filter.ts';
import { parseCidr } from '../../../src/wire/address.ts';

const spec = { mac: '02:5e:50:00:00:01', networks: [parseCidr('192.0.2.0/24')!, parseCidr('2001:db8::/64')!], excludedPorts: [{ from: 22, to: 22 }], outboundUdp: true };

test('without -a the filter is what it was; with -a it adds ARP from other hosts to both halves', () => {
  const plain = buildCaptureFilter(spec);
  assert.equal(buildCaptureFilter({ ...spec, arp: false }), plain);
  assert.ok(!plain.includes('arp'));
  const arp = buildCaptureFilter({ ...spec, arp: true });
  const half = plain.slice(0, plain.indexOf(' or (vlan and ('));
  const a = '(arp and not ether src 02:5e:50:00:00:01)';
  assert.equal(arp, `${half} or ${a} or (vlan and (${half} or ${a}))`);
  assert.ok(arp.endsWith(`${a}))`));
});

const canCompile = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0 && process.getuid?.() === 0;

test('libpcap compiles it, and the program tests for EtherType 0x0806 tagged and untagged', { skip: canCompile ? false : 'needs tcpdump and root' }, () => {
  const r = spawnSync('tcpdump', ['-i', 'lo', '-d', buildCaptureFilter({ ...spec, arp: true })], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok((r.stdout.match(/jeq\s+#0x806/g) ?? []).length >= 2, r.stdout);
  const without = spawnSync('tcpdump', ['-i', 'lo', '-d', buildCaptureFilter(spec)], { encoding: 'utf8' });
  assert.equal(without.status, 0, without.stderr);
  assert.ok(!/#0x806/.test(without.stdout));
});
