// The RFB handshake (RFC 6143 7.1, 7.2.2) up to a refused VNC Authentication: our ProtocolVersion, the client's,
// the security types (3.7 and 3.8: a list with VNC Authentication only; 3.3: the server decides), our 16-byte
// challenge, the client's 16-byte DES response, and SecurityResult "failed" (with a reason string from 3.8 on).
// The challenge (in the bytes we sent) and the response together let the password be checked offline.

import type { GreetProtocol } from '../record/dialogue.ts';
import { ByteDialogue } from './byte-dialogue.ts';
import type { Output } from './dialogue.ts';

const SEC_VNC_AUTH = 2;
const VERSION = /^RFB (\d{3})\.(\d{3})\n$/;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export class VncDialogue extends ByteDialogue {
  readonly protocol: GreetProtocol = 'vnc';
  readonly #version = new Uint8Array(12);
  readonly #response = new Uint8Array(16);
  #got = 0;
  #phase: 'version' | 'type' | 'response' = 'version';
  /** The minor version both sides use: 3, 7 or 8. */
  #minor = 8;
  #clientVersion: string | undefined;
  #securityType: number | undefined;
  #responseDone = false;

  start(out: Output): void {
    out.text(`RFB ${this.ctx.texts.vnc.version}\n`);
  }

  facts(): Record<string, unknown> {
    return {
      ...(this.#clientVersion !== undefined ? { client_version: this.#clientVersion } : {}),
      ...(this.#securityType !== undefined ? { security_type: this.#securityType } : {}),
      ...(this.#responseDone ? { response: hex(this.#response) } : {}),
    };
  }

  protected byte(b: number, out: Output): void {
    if (this.#phase === 'version') {
      this.#version[this.#got++] = b;
      if (this.#got === 12) this.#versionDone(out);
    } else if (this.#phase === 'type') {
      this.#securityType = b;
      if (b !== SEC_VNC_AUTH) return this.#fail(out, 'Security type not supported');
      out.bytes(this.#challenge());
      this.#phase = 'response';
      this.#got = 0;
    } else {
      this.#response[this.#got++] = b;
      if (this.#got === 16) {
        this.#responseDone = true;
        this.#fail(out, 'Authentication failure');
      }
    }
  }

  #versionDone(out: Output): void {
    const text = String.fromCharCode(...this.#version);
    const m = VERSION.exec(text);
    if (!m) {
      this.ended = true; // not RFB: a real server drops the connection without a word
      return;
    }
    this.#clientVersion = `${m[1]}.${m[2]}`;
    const ours = Number(this.ctx.texts.vnc.version.slice(4));
    const theirs = Number(m[1]) > 3 ? 8 : Number(m[2]);
    this.#minor = Math.min(ours, theirs >= 8 ? 8 : theirs >= 7 ? 7 : 3);
    if (this.#minor === 3) {
      // 3.3: the server picks the type, a u32
      out.bytes(Uint8Array.of(0, 0, 0, SEC_VNC_AUTH));
      this.#securityType = SEC_VNC_AUTH;
      out.bytes(this.#challenge());
      this.#phase = 'response';
    } else {
      out.bytes(Uint8Array.of(1, SEC_VNC_AUTH));
      this.#phase = 'type';
    }
    this.#got = 0;
  }

  #challenge(): Uint8Array {
    return this.ctx.seed.subarray(0, 16);
  }

  /** SecurityResult 1 (failed); 3.8 adds a reason string (RFC 6143 7.1.3). */
  #fail(out: Output, reason: string): void {
    out.bytes(Uint8Array.of(0, 0, 0, 1));
    if (this.#minor >= 8) {
      out.bytes(Uint8Array.of(0, 0, 0, reason.length));
      out.text(reason);
    }
    this.ended = true;
  }
}

/** The challenge in the bytes a VNC dialogue sent (what the record keeps), or undefined. */
export function vncChallengeIn(server: Uint8Array): string | undefined {
  if (server.length < 12) return undefined;
  // 3.3: a u32 security type (first byte 0), then the challenge; 3.7/3.8: a count (never 0 here), the types, then it
  const n = server[12] ?? 0;
  const at = n === 0 ? 16 : 13 + n;
  return server.length >= at + 16 ? hex(server.subarray(at, at + 16)) : undefined;
}
