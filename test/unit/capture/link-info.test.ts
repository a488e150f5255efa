// Gateways from /proc/net/route (never claimed by -a): little-endian hex, RTF_GATEWAY only, the default route first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDeviceInfo } from '../../../src/capture/device-info.ts';
import { parseRouteGateways, readLinkInfo } from '../../../src/capture/link-info.ts';

const ROUTES = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth1\t0000000A\tFE00000A\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0',
  'eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  'eth0\t0002A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
  'eth0\t00000000\t0102A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0',
  'eth0\t0003A8C0\t0502A8C0\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  'garbage',
  '',
].join('\n');

test('parses next hops: default first, duplicates once, routes without RTF_GATEWAY ignored', () => {
  assert.deepEqual(parseRouteGateways(ROUTES), ['192.168.2.1', '10.0.0.254']);
  assert.deepEqual(parseRouteGateways(''), []);
});

test('a device without an Ethernet MAC (lo) is refused, before -a reads anything, with a stable code', () => {
  assert.throws(() => readDeviceInfo('lo'), (e: { code?: string }) => e.code === 'SYNBAIT_ERR_CAPTURE');
});

test("the claimer's MAC is the device's, as readDeviceInfo read it", () => {
  assert.deepEqual([...readLinkInfo({ mac: '02:5e:50:00:00:01' }).mac], [0x02, 0x5e, 0x50, 0, 0, 1]);
});
