// Types for the parts of the `cap` package (mscdex/cap, libpcap bindings) that synbait uses.
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
  export class Cap extends EventEmitter {
    constructor();
    /** Returns the link type, e.g. 'ETHERNET'. Throws with libpcap's message on failure. */
    open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
    /** Throws with libpcap's message on failure. */
    send(buffer: Uint8Array, length?: number): void;
    close(): boolean;
    on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
    static deviceList(): CapDevice[];
    static findDevice(ip?: string): string | undefined;
  }
  const cap: { Cap: typeof Cap };
  export default cap;
}
