// The only importer of `cap` (libpcap). Opens the device with the BPF filter, delivers each frame synchronously
// to `onFrame` in one shared buffer, and implements the responder's Device (pcap_sendpacket). `cap` is patched at
// install (patches/cap+0.2.1.patch): pcap_stats, setFilter, the snapshot length, and an 'error' event instead of
// an abort when the device goes away.
//
// `cap` keeps only a raw pointer to the Buffer given to open(): the Buffer must stay referenced for the whole life
// of the handle or the process corrupts its heap under load; #buffer below is that reference, held by this object
// as long as its handle (a re-open makes a new PcapDevice with its own buffer; the old handle stops writing into
// its buffer when close() returns). Frames are written into it one after another, so anything that outlives the
// callback must be copied (the responder does).

import capModule from 'cap';
import { CaptureError } from '../errors.ts';
import type { Device } from '../flow/device.ts';
import { accumulateStats, NO_RAW_STATS, NO_STATS, type CaptureStats, type RawStats } from './capture-stats.ts';

export type { CaptureStats } from './capture-stats.ts';

const { Cap } = capModule;

/**
 * `cap` delivers every packet by calling the handle's `emit('packet', nbytes, truncated)`, and a lost device by
 * `emit('error', message)`, looked up once when the handle is constructed. Defining `emit` here delivers straight
 * to one callback instead of going through EventEmitter's dispatch, which at 200,000 packets a second is measurable.
 */
class PacketCap extends Cap {
  onPacket: (nbytes: number, truncated: boolean) => void = () => {};
  onError: (message: string) => void = () => {};
  override emit(event: string | symbol, a: number | string, b?: boolean): boolean {
    if (event === 'packet') this.onPacket(a as number, b === true);
    else if (event === 'error') this.onError(String(a));
    return true;
  }
}

/** The default snapshot length: libpcap's own limit for 64 KiB IPv4 packets, and cap's before the patch. */
export const MAX_SNAPLEN = 65535;

export interface CaptureOptions {
  readonly device: string;
  readonly filter: string;
  /** Kernel ring size in bytes. */
  readonly bufferSize: number;
  /** Bytes captured of each frame (default MAX_SNAPLEN); longer frames arrive with `truncated` set. */
  readonly snaplen?: number;
  readonly onFrame: (buf: Buffer, len: number, truncated: boolean) => void;
  /** The handle stopped delivering (the device went down or away), with libpcap's message. */
  readonly onError?: (message: string) => void;
}

export class PcapDevice implements Device {
  readonly #cap = new PacketCap();
  // referenced for the handle's whole life: cap stores only a raw pointer to it
  readonly #buffer: Buffer;
  readonly #device: string;
  #open = false;
  #lastSendError: string | undefined;
  #stats: CaptureStats = NO_STATS;
  #lastRaw: RawStats = NO_RAW_STATS;

  constructor(o: CaptureOptions) {
    const snaplen = o.snaplen ?? MAX_SNAPLEN;
    this.#device = o.device;
    this.#buffer = Buffer.alloc(snaplen);
    let linkType: string;
    try {
      linkType = this.#cap.open(o.device, o.filter, o.bufferSize, this.#buffer, snaplen);
    } catch (err) {
      throw classifyOpenError(o.device, err);
    }
    if (linkType !== 'ETHERNET') {
      this.#cap.close();
      throw new CaptureError('SYNBAIT_ERR_CAPTURE', `device ${o.device} has link type ${linkType}; synbait needs an Ethernet device`);
    }
    this.#open = true;
    const buf = this.#buffer;
    this.#cap.onPacket = (nbytes, truncated) => o.onFrame(buf, nbytes, truncated);
    const onError = o.onError;
    if (onError) this.#cap.onError = (message) => onError(message);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** The last send error message (for the summary line), if any. */
  get lastSendError(): string | undefined {
    return this.#lastSendError;
  }

  send(frame: Uint8Array, length: number): boolean {
    if (!this.#open) return false;
    try {
      this.#cap.send(frame, length);
      return true;
    } catch (err) {
      this.#lastSendError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  /** Counts since open; after close() (or when libpcap cannot tell any more) the last counts read. */
  stats(): CaptureStats {
    if (!this.#open) return this.#stats;
    try {
      const raw = this.#cap.stats();
      this.#stats = accumulateStats(this.#stats, this.#lastRaw, raw);
      this.#lastRaw = raw;
    } catch {
      // the device went away under the handle: keep what was read last
    }
    return this.#stats;
  }

  /** Replaces the BPF filter of the open handle. Throws CaptureError (the old filter then stays). */
  setFilter(filter: string): void {
    if (!this.#open) throw new CaptureError('SYNBAIT_ERR_CAPTURE', `capture on ${this.#device} is not open`);
    try {
      this.#cap.setFilter(filter);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new CaptureError('SYNBAIT_ERR_CAPTURE_FILTER', `cannot set the capture filter on ${this.#device}: ${msg}`, { cause: err });
    }
  }

  close(): void {
    if (!this.#open) return;
    this.stats();
    this.#open = false;
    this.#cap.close();
  }
}

function classifyOpenError(device: string, err: unknown): CaptureError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/permission|not permitted|EPERM|EACCES/i.test(msg)) {
    return new CaptureError('SYNBAIT_ERR_CAPTURE_PERMISSION',
      `cannot capture on ${device}: permission denied. Run as root or give the process CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode), e.g. docker run --cap-add NET_RAW --cap-add NET_ADMIN (libpcap: ${msg})`, { cause: err });
  }
  if (/no such device|doesn't exist|does not exist|SIOCGIFHWADDR|ENODEV/i.test(msg)) {
    return new CaptureError('SYNBAIT_ERR_NO_DEVICE', `network device ${JSON.stringify(device)} does not exist (libpcap: ${msg})`, { cause: err });
  }
  return new CaptureError('SYNBAIT_ERR_CAPTURE', `cannot capture on ${device}: ${msg}`, { cause: err });
}
