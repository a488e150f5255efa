// Classic libpcap files (https://www.tcpdump.org/manpages/pcap-savefile.5.html; draft-ietf-opsawg-pcap §4-5), the
// format every tool reads: tcpdump, Wireshark/tshark, Zeek, Suricata. Little-endian, microsecond timestamps,
// LINKTYPE_ETHERNET.
//
//   global header (24 bytes): magic 0xa1b2c3d4 | major 2 | minor 4 | thiszone 0 | sigfigs 0 | snaplen | linktype
//   record header (16 bytes): ts_sec | ts_usec | incl_len | orig_len, then incl_len bytes of frame
//
// Records are self-delimiting, so a torn tail is found by walking headers and cut at the last complete record.

import type { CapturedFrame } from '../../record/captured-frame.ts';
import type { FileWindow } from './file-window.ts';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_SNAPLEN = 262144;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
/** An Ethernet header: nothing shorter was ever captured. */
const MIN_FRAME = 14;

export function pcapGlobalHeader(): Buffer {
  const b = Buffer.alloc(PCAP_HEADER_LEN);
  b.writeUInt32LE(PCAP_MAGIC_USEC, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(PCAP_SNAPLEN, 16);
  b.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  return b;
}

export function isPcapGlobalHeader(b: Buffer): boolean {
  return b.length >= PCAP_HEADER_LEN && b.readUInt32LE(0) === PCAP_MAGIC_USEC && b.readUInt16LE(4) === 2
    && b.readUInt32LE(20) === LINKTYPE_ETHERNET;
}

/** The records for `frames`, in the order given. */
export function encodeFrames(frames: readonly CapturedFrame[]): Buffer {
  let total = 0;
  for (const f of frames) total += RECORD_HEADER_LEN + Math.min(f.data.length, PCAP_SNAPLEN);
  const out = Buffer.allocUnsafe(total);
  let p = 0;
  for (const f of frames) {
    const incl = Math.min(f.data.length, PCAP_SNAPLEN);
    const ms = Number.isFinite(f.tsMs) && f.tsMs > 0 ? f.tsMs : 0;
    let sec = Math.floor(ms / 1000);
    let usec = Math.round((ms - sec * 1000) * 1000);
    if (usec >= 1_000_000) {
      sec += 1;
      usec -= 1_000_000;
    }
    out.writeUInt32LE(sec >>> 0, p);
    out.writeUInt32LE(usec, p + 4);
    out.writeUInt32LE(incl, p + 8);
    out.writeUInt32LE(f.data.length, p + 12);
    out.set(f.data.subarray(0, incl), p + RECORD_HEADER_LEN);
    p += RECORD_HEADER_LEN + incl;
  }
  return out;
}

export interface PcapScan {
  /** False when the file does not even hold a whole global header of ours. */
  readonly headerOk: boolean;
  readonly frames: number;
  /** End of the last complete, plausible record: everything after it is a torn tail. */
  readonly validEnd: number;
  readonly reason?: string;
}

/** Walks the record headers; stops at the first record that is cut or implausible (zero-filled tail, garbage). */
export async function scanPcap(win: FileWindow): Promise<PcapScan> {
  await win.ensure(PCAP_HEADER_LEN);
  if (win.size < PCAP_HEADER_LEN || !isPcapGlobalHeader(win.view(0, PCAP_HEADER_LEN))) {
    return { headerOk: false, frames: 0, validEnd: 0, reason: 'no pcap global header' };
  }
  let pos = PCAP_HEADER_LEN;
  let frames = 0;
  while (pos < win.size) {
    win.discard(pos);
    const end = await win.ensure(pos + 1024 * 1024);
    if (end - pos < RECORD_HEADER_LEN) return { headerOk: true, frames, validEnd: pos, reason: 'cut record header' };
    const h = win.view(pos, pos + RECORD_HEADER_LEN);
    const usec = h.readUInt32LE(4), incl = h.readUInt32LE(8), orig = h.readUInt32LE(12);
    if (usec >= 1_000_000 || incl < MIN_FRAME || incl > PCAP_SNAPLEN || orig < incl) {
      return { headerOk: true, frames, validEnd: pos, reason: 'implausible record header' };
    }
    const next = pos + RECORD_HEADER_LEN + incl;
    if (next > win.size) return { headerOk: true, frames, validEnd: pos, reason: 'cut record' };
    frames++;
    pos = next;
  }
  return { headerOk: true, frames, validEnd: pos };
}
