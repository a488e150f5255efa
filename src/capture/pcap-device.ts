// The only importer of `cap` (libpcap). Opens the device with the BPF filter, delivers each frame synchronously
// to `onFrame` in one shared buffer, and implements the responder's Device (pcap_sendpacket).
//
// `cap` keeps only a raw pointer to the Buffer given to open(): the Buffer must stay referenced for the whole life
// of the handle or the process corrupts its heap under load; #buffer below is that reference. Frames are written
// into it one after another, so anything that outlives the callback must be copied (the responder does).

import capModule from 'cap';
import { CaptureError } from '../errors.ts';
import type { Device } from '../flow/device.ts';

const { Cap } = capModule;

/**
 * `cap` delivers every packet by calling the handle's `emit('packet', nbytes, truncated)`, looked up once when the
 * handle is constructed. Defining `emit` here delivers straight to one callback instead of going through
 * EventEmitter's dispatch, which at 200,000 packets a second is measurable.
 */
class PacketCap extends Cap {
  onPacket: (nbytes: number, truncated: boolean) => void = () => {};
  override emit(_event: string | symbol, nbytes: number, truncated: boolean): boolean {
    this.onPacket(nbytes, truncated);
    return true;
  }
}

/**
 * Handles whose open() failed. `cap` leaves such a handle half-initialised, and its destructor then stops a libuv
 * poll handle that was never started, which aborts the process: keeping them referenced means they are never
 * collected, so the process can report the error and exit normally.
 */
const FAILED_HANDLES: unknown[] = [];

/** Capture buffer: the largest frame libpcap may hand us (snaplen 65535) plus a VLAN tag and slack. */
const FRAME_BUFFER_BYTES = 65535 + 64;

export interface CaptureOptions {
  readonly device: string;
  readonly filter: string;
  /** Kernel ring size in bytes. */
  readonly bufferSize: number;
  readonly onFrame: (buf: Buffer, len: number, truncated: boolean) => void;
}

export class PcapDevice implements Device {
  readonly #cap = new PacketCap();
  // referenced for the handle's whole life: cap stores only a raw pointer to it
  readonly #buffer = Buffer.alloc(FRAME_BUFFER_BYTES);
  #open = false;
  #lastSendError: string | undefined;

  constructor(o: CaptureOptions) {
    let linkType: string;
    try {
      linkType = this.#cap.open(o.device, o.filter, o.bufferSize, this.#buffer);
    } catch (err) {
      FAILED_HANDLES.push(this.#cap, this.#buffer);
      throw classifyOpenError(o.device, err);
    }
    if (linkType !== 'ETHERNET') {
      this.#cap.close();
      throw new CaptureError('SYNBAIT_ERR_CAPTURE', `device ${o.device} has link type ${linkType}; synbait needs an Ethernet device`);
    }
    this.#open = true;
    const buf = this.#buffer;
    this.#cap.onPacket = (nbytes, truncated) => o.onFrame(buf, nbytes, truncated);
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

  close(): void {
    if (!this.#open) return;
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
