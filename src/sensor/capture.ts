// Opens the capture with the exact BPF filter and routes each frame: with -a, ARP goes to the claimer, and IPv4
// reaches the responder only for claimed (or our own) addresses. When the device goes away the session re-opens
// it once it is back, reading the device again (a re-created device has a new MAC) and building the filter again.

import { buildCaptureFilter } from '../capture/bpf-filter.ts';
import { CaptureSession } from '../capture/capture-session.ts';
import { readDeviceInfo } from '../capture/device-info.ts';
import { PcapDevice } from '../capture/pcap-device.ts';
import type { ArpClaimer } from '../arp/arp-claimer.ts';
import type { Settings } from '../config/settings.ts';
import type { Responder } from '../flow/responder.ts';
import type { Logger } from '../logger.ts';
import type { HostView } from './host.ts';

export interface SensorCapture {
  readonly pcap: CaptureSession;
  /** The filter of the open handle. */
  readonly filter: string;
  /** The snapshot length of the first handle. */
  readonly snaplen: number;
  /** Frames whose handling threw (a bug; counted, never fatal). */
  readonly internalErrors: () => number;
}

/** Ethernet (14) and one 802.1Q tag (4): the largest frame the link carries is the MTU plus these. */
const LINK_HEADERS = 18;

/** Throws CaptureError. */
export function openCapture(settings: Settings, host: HostView, responder: Responder, arp: ArpClaimer | undefined, log: Logger): SensorCapture {
  const { networks, exclusions } = host.scope;
  let internalErrors = 0;
  const onFrame = (buf: Buffer, len: number, truncated: boolean) => {
    try {
      const now = Date.now();
      if (arp === undefined || arp.onFrame(buf, len, now)) responder.onFrame(buf, len, now, truncated);
    } catch (err) {
      // a bug must not take the sensor down on one hostile frame; count it and go on
      if (++internalErrors <= 10) log.error({ event: 'InternalError', err }, 'frame handling failed');
    }
  };
  let dev = host.dev;
  let snaplen = settings.snaplen ?? dev.mtu + LINK_HEADERS;
  let reopening = false;
  const pcap = new CaptureSession({
    device: settings.device,
    log,
    open: (onError) => {
      if (reopening) dev = readDeviceInfo(settings.device);
      reopening = true;
      snaplen = settings.snaplen ?? dev.mtu + LINK_HEADERS;
      const filter = buildCaptureFilter({ mac: dev.mac, networks, excludedPorts: exclusions.ports, outboundUdp: true, arp: arp !== undefined });
      const handle = new PcapDevice({ device: settings.device, filter, bufferSize: settings.pcapBufferSize, snaplen, onFrame, onError });
      return { handle, filter };
    },
  });
  return { pcap, get filter() { return pcap.filter; }, snaplen, internalErrors: () => internalErrors };
}
