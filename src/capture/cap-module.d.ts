// Types for the parts of the `cap` package (mscdex/cap, libpcap bindings) that synbait uses, with the functions
// patches/cap+0.2.1.patch adds to its binding (stats, setFilter, the snapshot length, the 'error' event).
declare module 'cap' {
  import type { EventEmitter } from 'node:events';

  export interface CapDeviceAddress {
    addr?: string;
    netmask?: string;
    broadaddr?: string;
  }
  export interface CapDevice {
    name: string;
    description?: string;
    addresses: CapDeviceAddress[];
    flags?: string;
  }
  /** pcap_stats(3PCAP): counts since open(). */
  export interface CapStats {
    /** ps_recv: packets the filter passed (on Linux including those dropped). */
    received: number;
    /** ps_drop: packets dropped because the ring was full. */
    dropped: number;
    /** ps_ifdrop: packets the interface or its driver dropped. */
    ifDropped: number;
  }
  export class Cap extends EventEmitter {
    constructor();
    /**
     * Returns the link type, e.g. 'ETHERNET'. Throws with libpcap's message on failure (the handle is then closed).
     * `snaplen` defaults to 65535. A Cap opens once: open a new Cap after close().
     */
    open(device: string, filter: string, bufSize: number, buffer: Buffer, snaplen?: number): string;
    /** Throws with libpcap's message on failure. */
    send(buffer: Uint8Array, length?: number): void;
    close(): boolean;
    /** Throws when the handle is not open or libpcap fails. */
    stats(): CapStats;
    /** Replaces the BPF filter; throws with libpcap's message (the old filter stays). */
    setFilter(filter: string): void;
    /** `truncated`: the frame was cut short (snapshot length or buffer). */
    on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
    /** The handle stopped (the device went down or away): close() it. */
    on(event: 'error', listener: (message: string) => void): this;
    static deviceList(): CapDevice[];
    static findDevice(ip?: string): string | undefined;
  }
  const cap: { Cap: typeof Cap };
  export default cap;
}
