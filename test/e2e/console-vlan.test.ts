// lurker's console output end to end, and 802.1Q. This kernel has no VLAN devices (CONFIG_VLAN_8021Q unset), so the
// tagged SYN is injected with tcpreplay and our tagged SYN-ACK is captured with tcpdump on the client side.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, installLurkerFirewall, isRoot, nsExec, type Topology } from '../helpers/netns.ts';
import { startSensor, type SensorProcess } from '../helpers/sensor.ts';
import { decodeReply, LINUX_SYN_OPTIONS, tcpFrame } from '../helpers/frames.ts';
import { pcapOf } from '../helpers/pcap-file.ts';
import { parseMac } from '../../src/wire/ethernet.ts';

const skip = isRoot() ? false : 'end-to-end tests need root (network namespaces)';

describe('console format and 802.1Q', { skip }, () => {
  let topo: Topology;
  let sensor: SensorProcess;
  let dir: string;
  const vlanNet = '198.19.77';

  before(async () => {
    topo = createTopology();
    dir = mkdtempSync(join(tmpdir(), 'synbait-vlan-'));
    installLurkerFirewall(topo.sensorNs);
    sensor = await startSensor(topo.sensorNs, [
      '-i', topo.sensorIf, '-n', topo.net4, '-n', `${vlanNet}.0/24`, '--format', 'console', '--flow-timeout', '1', '--stats-interval', '0',
    ]);
  });

  after(async () => {
    if (sensor) await sensor.stop('SIGKILL');
    topo?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a connection is printed the lurker way, and attacker bytes never reach the terminal raw", async () => {
    const evil = 'GET /\\033[31mred\\033]0;title\\007 HTTP/1.0\\r\\n\\r\\n';
    nsExec(topo.clientNs, 'sh', ['-c', `printf '${evil}' | timeout 3 nc -q 1 ${topo.sensorIp4} 8088`], { allowFail: true });
    const out = await sensor.waitFor(() => (sensor.text.stdout.includes(':8088 (ACKed)') && sensor.text.stdout.includes('---[dump]---') ? sensor.text.stdout : undefined), 'the console record');
    const ip = (s: string) => s.replace(/\./g, '\\.');
    assert.match(out, new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\] ${ip(topo.clientIp4)}:\\d+ -> ${ip(topo.sensorIp4)}:8088 \\(ACKed\\)$`, 'm'));
    assert.match(out, /^0000  47 45 54 20 2F 1B 5B 33 31 6D 72 65 64 1B 5D 30  \| GET \/\.\[31mred\.\]0 \|$/m);
    assert.match(out, /^GET \/\.\[31mred\.\]0;title\. HTTP\/1\.0\.\.\.\.$/m);
    for (const ch of out) {
      const c = ch.charCodeAt(0);
      assert.ok(c === 0x0a || (c >= 0x20 && c <= 0x7e), `raw byte 0x${c.toString(16)} on the terminal`);
    }
    // in console mode the JSON log lines go to stderr
    assert.match(sensor.text.stderr, /"event":"SensorStarted"/);
    assert.doesNotMatch(out, /"event":"SensorStarted"/);
  });

  test('a SYN tagged with VLAN 77 gets a SYN-ACK tagged with VLAN 77, and a record', async () => {
    const pcapIn = join(dir, 'tagged-syn.pcap');
    const syn = tcpFrame({ src: `${vlanNet}.2`, dst: `${vlanNet}.1`, sport: 47777, dport: 9077, seq: 1234, flags: 0x02, vlan: 77, options: LINUX_SYN_OPTIONS() });
    syn.set(parseMac(topo.sensorMac)!, 0);
    syn.set(parseMac(topo.clientMac)!, 6);
    writeFileSync(pcapIn, pcapOf([syn]));
    // the client side's capture, decoded with our own codecs: the reply must carry the tag
    const dump = spawn('ip', ['netns', 'exec', topo.clientNs, 'tcpdump', '-i', topo.clientIf, '-n', '-l', '-x', '-e', 'ether src', topo.sensorMac], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let ready = false;
    dump.stdout.on('data', (d: Buffer) => (text += d.toString()));
    dump.stderr.on('data', (d: Buffer) => { if (d.toString().includes('listening on')) ready = true; });
    try {
      for (let i = 0; i < 100 && !ready; i++) await new Promise((r) => setTimeout(r, 50));
      nsExec(topo.clientNs, 'tcpreplay', ['-q', '-i', topo.clientIf, pcapIn]);
      for (let i = 0; i < 40 && !text.includes('0x0040'); i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      dump.kill('SIGINT');
      await new Promise((r) => dump.on('exit', r));
    }
    // tcpdump -x prints the frame after the Ethernet header, starting at the 802.1Q tag's EtherType... rebuild it
    const frames = text.split(/\n(?=\d\d:\d\d:)/).filter((b) => b.includes('vlan 77')).map((block) => {
      const hex = [...block.matchAll(/^\s+0x[0-9a-f]{4}:\s+((?:[0-9a-f]{4}\s?)+)/gm)].map((m) => m[1]!.replace(/\s+/g, '')).join('');
      // -x omits the link header: put back MACs and the 802.1Q tag (TPID 0x8100, TCI vlan 77) as the summary says
      const tci = /vlan 77, p (\d)/.exec(block)!;
      return Buffer.concat([parseMac(topo.clientMac)!, parseMac(topo.sensorMac)!, Buffer.from([0x81, 0x00, Number(tci[1]) << 5, 77, 0x08, 0x00]), Buffer.from(hex, 'hex')]);
    });
    const replies = frames.map((f) => decodeReply(f)).filter((d) => d.tcp.srcPort === 9077 && d.tcp.dstPort === 47777);
    assert.equal(replies.length, 1, `one tagged SYN-ACK on the wire:\n${text}`);
    assert.equal(replies[0]!.tcp.flags, 0x12);
    assert.equal(replies[0]!.tcp.ack, 1235);
    assert.ok(replies[0]!.tcpChecksumOk && replies[0]!.ipChecksumOk);
    await sensor.waitFor(() => (sensor.text.stdout.includes(`${vlanNet}.2:47777 -> ${vlanNet}.1:9077 (SYNed)`) ? true : undefined), 'the syn record');
  });
});
