// The start of an SSH session as OpenSSH's sshd runs it (RFC 4253 4.2, 7.1): our identification string on
// connect; after the client's, our KEXINIT; then the client's binary packets are framed (never decrypted: none are
// encrypted before NEWKEYS) until its KEXINIT has arrived whole, and the dialogue ends there, before any key
// exchange we could not complete. The KEXINIT's algorithm lists, and HASSH, are read from the payload by the
// classifier (classify/extract/ssh-kexinit.ts). Like sshd, a non-SSH line or an SSH-1 client is told so and
// dropped.

import type { GreetProtocol } from '../record/dialogue.ts';
import { ByteDialogue } from './byte-dialogue.ts';
import type { Output } from './dialogue.ts';
import { LineReader } from './line-reader.ts';
import { SSH_MSG_KEXINIT, encodeKexinit } from './ssh-kexinit.ts';

/** RFC 4253 6.1: implementations must handle packets of 35000 bytes; larger ones end the dialogue. */
const MAX_PACKET = 35_000;
/** Packets read before the dialogue gives up waiting for a KEXINIT. */
const MAX_PACKETS = 4;
/** RFC 4253 4.2: the identification string is at most 255 characters including CR LF. */
const MAX_VERSION_LINE = 253;

export class SshDialogue extends ByteDialogue {
  readonly protocol: GreetProtocol = 'ssh';
  readonly #lines = new LineReader();
  #versionDone = false;
  /** Framing of the current binary packet: header bytes seen, its length, type, bytes left. */
  #head = 0;
  #packetLen = 0;
  #type = -1;
  #left = 0;
  #packets = 0;

  start(out: Output): void {
    out.text(`${this.ctx.texts.ssh.version}\r\n`);
  }

  facts(): Record<string, unknown> {
    return {};
  }

  protected byte(b: number, out: Output): void {
    if (!this.#versionDone) this.#versionByte(b, out);
    else this.#packetByte(b);
  }

  #versionByte(b: number, out: Output): void {
    const line = this.#lines.push(b);
    if (line === null) {
      if (this.#lines.pending > MAX_VERSION_LINE) this.#refuse(out, 'Invalid SSH identification string.\r\n');
      return;
    }
    if (this.#lines.lastOverflow > 0 || line.length > MAX_VERSION_LINE || !line.startsWith('SSH-')) {
      this.#refuse(out, 'Invalid SSH identification string.\r\n');
    } else if (!/^SSH-(2\.0|1\.99)-/.test(line)) {
      this.#refuse(out, 'Protocol major versions differ.\r\n');
    } else {
      this.#versionDone = true;
      out.bytes(encodeKexinit(this.ctx.seed));
    }
  }

  #refuse(out: Output, text: string): void {
    out.text(text);
    this.ended = true;
  }

  /** uint32 packet_length, byte padding_length, byte message type, the rest skipped. */
  #packetByte(b: number): void {
    if (this.#head < 4) {
      this.#packetLen = (this.#packetLen * 256 + b) >>> 0;
      if (++this.#head === 4) {
        if (this.#packetLen < 5 || this.#packetLen > MAX_PACKET) this.ended = true;
        this.#left = this.#packetLen;
      }
      return;
    }
    this.#left--;
    if (this.#head === 4) this.#head++; // padding_length
    else if (this.#head === 5) {
      this.#head++;
      this.#type = b;
    }
    if (this.#left > 0) return;
    this.#packets++;
    if (this.#type === SSH_MSG_KEXINIT || this.#packets >= MAX_PACKETS) this.ended = true;
    this.#head = 0;
    this.#packetLen = 0;
    this.#type = -1;
  }
}
