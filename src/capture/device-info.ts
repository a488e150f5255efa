// Facts about the capture device from the OS: does it exist, its MTU, its addresses (the default targets).

import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { CaptureError } from '../errors.ts';
import { type Cidr, parseCidr } from '../wire/address.ts';

export interface DeviceInfo {
  readonly name: string;
  /** Lower-case "aa:bb:cc:dd:ee:ff". */
  readonly mac: string;
  readonly mtu: number;
  /** Every address of the device as a /32 or /128. */
  readonly addresses: readonly Cidr[];
}

export function readDeviceInfo(name: string): DeviceInfo {
  const ifaces = networkInterfaces();
  const sys = `/sys/class/net/${name}`;
  if (!existsSync(sys) && ifaces[name] === undefined) {
    const known = Object.keys(ifaces).join(', ');
    throw new CaptureError('SYNBAIT_ERR_NO_DEVICE', `network device ${JSON.stringify(name)} does not exist (devices here: ${known || 'none'})`);
  }
  let mtu = 1500;
  try {
    const v = Number(readFileSync(`${sys}/mtu`, 'utf8').trim());
    if (Number.isInteger(v) && v >= 576 && v <= 65535) mtu = v;
  } catch {
    // not Linux sysfs: keep 1500
  }
  let mac = '';
  try {
    mac = readFileSync(`${sys}/address`, 'utf8').trim().toLowerCase();
  } catch {
    mac = (ifaces[name] ?? []).find((a) => a.mac && a.mac !== '00:00:00:00:00:00')?.mac ?? '';
  }
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) || mac === '00:00:00:00:00:00') {
    throw new CaptureError('SYNBAIT_ERR_CAPTURE', `device ${name} has no Ethernet MAC address (${JSON.stringify(mac)}); synbait needs an Ethernet device`);
  }
  const addresses: Cidr[] = [];
  for (const a of ifaces[name] ?? []) {
    const c = parseCidr(`${a.address.replace(/%.*$/, '')}/${a.family === 'IPv4' ? 32 : 128}`);
    if (c) addresses.push(c);
  }
  return { name, mac, mtu, addresses };
}
