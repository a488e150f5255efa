// Opens the capture handle with the exact BPF filter and routes each frame: with -a, ARP goes to the claimer, and
// IPv4 reaches the responder only for claimed (or our own) addresses.

import { buildCaptureFilter } from '../capture/bpf-filter.ts';
import { PcapDevice } from '../capture/pcap-device.ts';
import type { ArpClaimer } from '../arp/arp-claimer.ts';
import type { Settings } from '../config/settings.ts';
import type { Responder } from '../flow/responder.ts';
import type { Logger } from '../logger.ts';
import type { PortRange } from '../wire/port-range.ts';
import type { HostView } from './host.ts';

export interface SensorCapture {
  readonly pcap: PcapDevice;
  /** The BPF filter in use. */
  readonly filter: string;
  /**
   * Replaces the filter with one excluding these ports; returns it, or undefined when the capture cannot change its
   * filter (a `cap` without setFilter: the responder still ignores those ports, the kernel just passes them).
   * Throws CaptureError when libpcap refuses it (the previous filter stays).
   */
  refilter(excludedPorts: readonly PortRange[]): string | undefined;
  /** Frames whose handling threw (a bug; counted, never fatal). */
  readonly internalErrors: () => number;
}

/** PcapDevice.setFilter (branch capture: a patched cap that replaces the filter of an open handle). */
interface Filterable {
  setFilter(filter: string): void;
}

/** Throws CaptureError. */
export function openCapture(settings: Settings, host: HostView, responder: Responder, arp: ArpClaimer | undefined, log: Logger): SensorCapture {
  const { networks, exclusions } = host.scope;
  const spec = { mac: host.dev.mac, networks, outboundUdp: true, arp: arp !== undefined };
  let filter = buildCaptureFilter({ ...spec, excludedPorts: exclusions.ports });
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
  const filterable = pcap as PcapDevice & Partial<Filterable>;
  return {
    pcap,
    get filter() {
      return filter;
    },
    refilter(excludedPorts) {
      if (typeof filterable.setFilter !== 'function') return undefined;
      const next = buildCaptureFilter({ ...spec, excludedPorts });
      filterable.setFilter(next);
      filter = next;
      return next;
    },
    internalErrors: () => internalErrors,
  };
}
