// A MySQL 8.0 login refused: our HandshakeV10 (caching_sha2_password, no TLS offered), the client's
// HandshakeResponse (user, database, auth plugin, connection attributes such as the client library and program),
// and ERR 1045 "Access denied", after which the server closes, as mysqld does after a failed login.

import type { GreetProtocol } from '../record/dialogue.ts';
import { ByteDialogue } from './byte-dialogue.ts';
import type { Output } from './dialogue.ts';
import { decodeHandshakeResponse, encodeError, encodeHandshake, handshakeSalt, type HandshakeResponse } from './mysql-packets.ts';
import { printableText } from './attempts.ts';

/** Payload bytes of the client's first packet kept for decoding (a HandshakeResponse is a few hundred). */
const MAX_PAYLOAD = 4096;

export class MysqlDialogue extends ByteDialogue {
  readonly protocol: GreetProtocol = 'mysql';
  readonly #payload = new Uint8Array(MAX_PAYLOAD);
  #head = 0;
  #len = 0;
  #seq = 0;
  #got = 0;
  #response: HandshakeResponse | null = null;
  #malformed = false;

  start(out: Output): void {
    const s = this.ctx.seed;
    const threadId = 8 + (((s[20]! << 8) | s[21]!) & 0x7fff);
    out.bytes(encodeHandshake(this.ctx.texts.mysql.version, threadId, scramble(s)));
  }

  facts(): Record<string, unknown> {
    const r = this.#response;
    if (!r) return this.#malformed ? { malformed: true, packet: Buffer.from(this.#payload.subarray(0, Math.min(this.#len, 64))).toString('hex') } : {};
    if (r.ssl) return { ssl_request: true, capabilities: r.capabilities };
    return {
      user: printableText(r.user, 128),
      ...(r.database !== undefined ? { database: printableText(r.database, 128) } : {}),
      ...(r.authPlugin !== undefined ? { auth_plugin: printableText(r.authPlugin, 64) } : {}),
      auth_response: Buffer.from(r.authResponse).toString('hex').slice(0, 512),
      capabilities: r.capabilities,
      ...(Object.keys(r.attrs).length > 0 ? { client_attrs: r.attrs } : {}),
    };
  }

  protected byte(b: number, out: Output): void {
    if (this.#head < 4) {
      if (this.#head < 3) this.#len |= b << (8 * this.#head);
      else this.#seq = b;
      this.#head++;
      if (this.#head === 4 && this.#len === 0) this.#answer(out);
      return;
    }
    if (this.#got < MAX_PAYLOAD) this.#payload[this.#got] = b;
    if (++this.#got === this.#len) this.#answer(out);
  }

  #answer(out: Output): void {
    this.ended = true;
    this.#response = decodeHandshakeResponse(this.#payload, Math.min(this.#len, MAX_PAYLOAD));
    if (!this.#response) {
      this.#malformed = true;
      out.bytes(encodeError(this.#seq + 1, 1043, '08S01', 'Bad handshake'));
      return;
    }
    if (this.#response.ssl) return; // TLS was not offered: mysqld drops such a client
    const pw = this.#response.authResponse.length > 0 ? 'YES' : 'NO';
    const user = printableText(this.#response.user, 64).replace(/'/g, '.');
    out.bytes(encodeError(this.#seq + 1, 1045, '28000', `Access denied for user '${user}'@'${this.ctx.peer}' (using password: ${pw})`));
  }
}

/** The 20 scramble bytes: printable, as mysqld generates them, from the connection's random bytes. */
function scramble(seed: Uint8Array): Uint8Array {
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) {
    const c = 0x21 + (seed[i]! % 94);
    out[i] = c === 0x24 ? 0x25 : c; // mysqld avoids '$'
  }
  return out;
}

export { handshakeSalt as mysqlSaltIn };
