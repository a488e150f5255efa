// Opens the capture handle with the exact BPF filter and routes each frame: with -a, ARP goes to the claimer, and
// IPv4 reaches the responder only for claimed (or our own) addresses.

import { buildCaptureFilter } from '../capture/bpf-filter.ts';
import { PcapDevice } from '../capture/pcap-device.ts';
import type { ArpClaimer } from '../arp/arp-claimer.ts';
import type { Settings } from '../config/settings.ts';
import type { Responder } from '../flow/responder.ts';
import type { Logger } from '../logger.ts';
import type { HostView } from './host.ts';

export interface SensorCapture {
  readonly pcap: PcapDevice;
  readonly filter: string;
  /** Frames whose handling threw (a bug; counted, never fatal). */
  readonly internalErrors: () => number;
}

/** Throws CaptureError. */
export function openCapture(settings: Settings, host: HostView, responder: Responder, arp: ArpClaimer | undefined, log: Logger): SensorCapture {
  const { networks, exclusions } = host.scope;
  const filter = buildCaptureFilter({ mac: host.dev.mac, networks, excludedPorts: exclusions.ports, outboundUdp: true, arp: arp !== undefined });
  let internalErrors = 0;
  const pcap = new PcapDevice({
    device: settings.device,
    filter,
    bufferSize: settings.pcapBufferSize,
    onFrame: (buf, len, truncated) => {
      try {
        const now = Date.now();
        if (arp === undefined || arp.onFrame(buf, len, now)) responder.onFrame(buf, len, now, truncated);
      } catch (err) {
        // a bug must not take the sensor down on one hostile frame; count it and go on
        if (++internalErrors <= 10) log.error({ event: 'InternalError', err }, 'frame handling failed');
      }
    },
  });
  return { pcap, filter, internalErrors: () => internalErrors };
}
