// A service started after the sensor: its port is excluded in the responder's targets, the BPF filter and the
// firewall, logged with port, protocol and process, and monitored again once it is gone (firewall first). Fakes at
// the seams only: the listener reads, the socket owners, the firewall, the capture filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTargets } from '../../../src/flow/targets.ts';
import { parseCidr } from '../../../src/wire/address.ts';
import { resolveExclusions } from '../../../src/scope/exclusions.ts';
import type { Listener } from '../../../src/scope/proc-net.ts';
import { ListenerWatch, type FirewallOutcome } from '../../../src/sensor/listeners.ts';
import { portRangeText, type PortRange } from '../../../src/wire/port-range.ts';
import { recordingLogger } from '../../helpers/fake-iptables.ts';

const NET = parseCidr('198.18.5.0/24')!;
const listen = (proto: 'tcp' | 'udp', port: number, inode: number, address = [0, 0, 0, 0]): Listener =>
  ({ proto, version: 4, address: Uint8Array.from(address), port, inode });
const SSH = [{ from: 22, to: 22 }];
const excludedFor = (ls: readonly Listener[]) => resolveExclusions({ excludePorts: [], sshPorts: SSH, listeners: ls, networks: [NET] }).ports;

function harness(initial: Listener[]) {
  let now = initial;
  const calls: string[] = [];
  const filters: string[] = [];
  const targets = compileTargets([NET], excludedFor(initial));
  let outcome: FirewallOutcome = 'updated';
  const log = recordingLogger();
  const watch = new ListenerWatch({
    initial,
    read: () => now,
    owners: (inodes) => new Map([...inodes].map((i) => [i, [{ pid: 4000 + i, command: `svc${i}` }]])),
    excludedFor,
    scope: { networks: [NET], fixed: SSH },
    targets,
    refilter: (ports) => {
      const f = `not (${ports.map(portRangeText).join(' or ')})`;
      calls.push('filter');
      filters.push(f);
      return f;
    },
    firewall: {
      exclude: async (port, detail) => (calls.push(`fw+${port} ${detail}`), outcome),
      include: async (port, detail) => (calls.push(`fw-${port} ${detail}`), outcome),
    },
    log,
  });
  return { watch, targets, calls, filters, log, set: (l: Listener[]) => (now = l), failFirewall: (o: FirewallOutcome) => (outcome = o) };
}

const excluded = (t: { excluded: readonly PortRange[] }) => t.excluded.map(portRangeText);

test('a new listener is excluded everywhere, with its process; gone, it is answered again, firewall first', async () => {
  const h = harness([listen('tcp', 80, 11)]);
  assert.deepEqual(excluded(h.targets), ['22', '80']);
  await h.watch.check();
  assert.deepEqual(h.calls, [], 'nothing changed: nothing done');
  h.set([listen('tcp', 80, 11), listen('tcp', 8088, 12), listen('udp', 8088, 13)]);
  await h.watch.check();
  assert.equal(h.targets.isExcluded(8088), true);
  assert.deepEqual(excluded(h.targets), ['22', '80', '8088']);
  assert.deepEqual(h.calls, ['filter', 'fw+8088 listening: tcp 0.0.0.0:8088, udp 0.0.0.0:8088 (svc12, pid 4012; svc13, pid 4013)']);
  assert.equal(h.filters.at(-1), 'not (22 or 80 or 8088)');
  const ev = h.log.lines.find((l) => l.event === 'ListenerExcluded')!;
  assert.deepEqual({ port: ev.port, protocol: ev.protocol, process: ev.process, firewall: ev.firewall, filter: ev.filter_updated }, {
    port: 8088, protocol: ['tcp', 'udp'], process: [{ pid: 4012, command: 'svc12' }, { pid: 4013, command: 'svc13' }], firewall: 'updated', filter: true,
  });
  h.calls.length = 0;
  h.set([listen('tcp', 80, 11)]);
  await h.watch.check();
  assert.equal(h.targets.isExcluded(8088), false);
  assert.deepEqual(h.calls, ['fw-8088 listener gone: tcp 0.0.0.0:8088, udp 0.0.0.0:8088', 'filter'], 'the firewall drops again before we answer');
  const gone = h.log.lines.find((l) => l.event === 'ListenerGone')!;
  assert.deepEqual([gone.port, gone.protocol], [8088, ['tcp', 'udp']]);
});

test('loopback-only listeners, ports already excluded and a second socket on a port change nothing', async () => {
  const h = harness([listen('tcp', 80, 11)]);
  h.set([listen('tcp', 80, 11), listen('udp', 80, 14), listen('tcp', 5353, 15, [127, 0, 0, 1]), listen('tcp', 22, 16)]);
  await h.watch.check();
  assert.deepEqual(h.calls, []);
  assert.deepEqual(excluded(h.targets), ['22', '80']);
  h.set([listen('udp', 80, 14)]);
  await h.watch.check();
  assert.deepEqual(h.calls, [], 'port 80 still has a listener (UDP)');
  assert.equal(h.targets.isExcluded(80), true);
});

test('a firewall not installed by synbait is left alone, and a failing capture filter is logged: the responder still excludes', async () => {
  const h = harness([]);
  h.failFirewall('unmanaged');
  const broken = new ListenerWatch({
    initial: [], read: () => [listen('tcp', 9000, 21)], owners: () => new Map(), excludedFor, scope: { networks: [NET], fixed: SSH },
    targets: h.targets, firewall: { exclude: async () => 'unmanaged', include: async () => 'unmanaged' }, log: h.log,
    refilter: () => {
      throw Object.assign(new Error('bad filter'), { code: 'SYNBAIT_ERR_CAPTURE' });
    },
  });
  await broken.check();
  assert.equal(h.targets.isExcluded(9000), true);
  assert.ok(h.log.lines.some((l) => l.event === 'CaptureFilterFailed'));
  const ev = h.log.lines.find((l) => l.event === 'ListenerExcluded')!;
  assert.deepEqual([ev.firewall, ev.filter_updated, ev.process], ['unmanaged', false, []]);
});

test('checks never overlap: one started while another waits for the firewall does nothing', async () => {
  const h = harness([]);
  let release!: () => void;
  const gate = new Promise<void>((ok) => (release = ok));
  let excludes = 0;
  const w = new ListenerWatch({
    initial: [], read: () => [listen('tcp', 7000, 31)], owners: () => new Map(), excludedFor, scope: { networks: [NET], fixed: SSH },
    targets: h.targets, refilter: () => 'f', log: h.log,
    firewall: { exclude: async () => { excludes++; await gate; return 'updated'; }, include: async () => 'updated' },
  });
  const first = w.check();
  await w.check();
  release();
  await first;
  assert.equal(excludes, 1);
});

test('targets: setExcluded replaces the excluded ports in place', () => {
  const t = compileTargets([NET], [{ from: 22, to: 22 }, { from: 8000, to: 8100 }]);
  assert.equal(t.isExcluded(8050), true);
  t.setExcluded([{ from: 22, to: 22 }, { from: 9000, to: 9000 }]);
  assert.deepEqual([t.isExcluded(8050), t.isExcluded(9000), t.isExcluded(22), t.isExcluded(65535)], [false, true, true, false]);
  assert.deepEqual(excluded(t), ['22', '9000']);
});
