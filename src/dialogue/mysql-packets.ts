// MySQL client/server protocol packets (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html):
// every packet is a 3-byte little-endian payload length and a sequence id, then the payload. The server speaks
// first with Protocol::HandshakeV10; the client answers with HandshakeResponse41 (or 320 for pre-4.1 clients).
// Decoding is bounds-checked and returns null on anything malformed.

import { printableText } from './attempts.ts';

/** Capabilities of a MySQL 8.0 server without TLS: 0xdffff7ff (all but CLIENT_SSL and CAPABILITY_EXTENSION). */
export const SERVER_CAPABILITIES = 0xdffff7ff;
const CLIENT_CONNECT_WITH_DB = 0x8;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x80000;
const CLIENT_CONNECT_ATTRS = 0x100000;
const CLIENT_PLUGIN_AUTH_LENENC = 0x200000;
const UTF8MB4_0900_AI_CI = 255;
const SERVER_STATUS_AUTOCOMMIT = 0x0002;
const MAX_ATTRS = 16;

/** Protocol::HandshakeV10 with the 20-byte scramble `salt` (bytes 1..127, as the server generates them). */
export function encodeHandshake(version: string, threadId: number, salt: Uint8Array): Uint8Array {
  const plugin = 'caching_sha2_password';
  const len = 1 + version.length + 1 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 13 + plugin.length + 1;
  const out = new Uint8Array(4 + len);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = len & 0xff;
  out[1] = (len >> 8) & 0xff;
  out[2] = len >> 16;
  out[3] = 0; // sequence id
  let p = 4;
  out[p++] = 10; // protocol version
  for (let i = 0; i < version.length; i++) out[p++] = version.charCodeAt(i);
  out[p++] = 0;
  dv.setUint32(p, threadId >>> 0, true);
  p += 4;
  out.set(salt.subarray(0, 8), p);
  p += 8;
  out[p++] = 0; // filler
  dv.setUint16(p, SERVER_CAPABILITIES & 0xffff, true);
  p += 2;
  out[p++] = UTF8MB4_0900_AI_CI;
  dv.setUint16(p, SERVER_STATUS_AUTOCOMMIT, true);
  p += 2;
  dv.setUint16(p, SERVER_CAPABILITIES >>> 16, true);
  p += 2;
  out[p++] = 21; // length of the auth plugin data: 20 bytes of scramble + NUL
  p += 10; // reserved
  out.set(salt.subarray(8, 20), p);
  p += 12;
  out[p++] = 0;
  for (let i = 0; i < plugin.length; i++) out[p++] = plugin.charCodeAt(i);
  out[p] = 0;
  return out;
}

/** The 20-byte scramble of a HandshakeV10 packet, as hex, or undefined. */
export function handshakeSalt(b: Uint8Array): string | undefined {
  if (b.length < 5 || b[4] !== 10) return undefined;
  const nul = b.indexOf(0, 5);
  const p = nul + 1 + 4;
  if (nul < 0 || p + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 12 > b.length) return undefined;
  const salt = new Uint8Array(20);
  salt.set(b.subarray(p, p + 8), 0);
  salt.set(b.subarray(p + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10, p + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 12), 8);
  return Buffer.from(salt).toString('hex');
}

/** ERR_Packet with sequence id `seq` (1045/28000: access denied; 1043/08S01: bad handshake). */
export function encodeError(seq: number, code: number, sqlState: string, message: string): Uint8Array {
  const len = 1 + 2 + 1 + 5 + message.length;
  const out = new Uint8Array(4 + len);
  out[0] = len & 0xff;
  out[1] = (len >> 8) & 0xff;
  out[2] = len >> 16;
  out[3] = seq & 0xff;
  out[4] = 0xff;
  out[5] = code & 0xff;
  out[6] = code >> 8;
  out[7] = 0x23; // '#'
  let p = 8;
  for (let i = 0; i < 5; i++) out[p++] = sqlState.charCodeAt(i);
  for (let i = 0; i < message.length; i++) out[p++] = message.charCodeAt(i) & 0xff;
  return out;
}

export interface HandshakeResponse {
  readonly capabilities: number;
  readonly user: string;
  readonly authResponse: Uint8Array;
  readonly database: string | undefined;
  readonly authPlugin: string | undefined;
  readonly attrs: Readonly<Record<string, string>>;
  /** An SSL request: the client wants TLS before it says anything else. */
  readonly ssl: boolean;
}

/** A bounds-checked reader over one packet's payload: a read past the end returns nothing and sets `bad`. */
class Reader {
  readonly #b: Uint8Array;
  readonly #end: number;
  #p: number;
  bad = false;

  constructor(b: Uint8Array, end: number) {
    this.#b = b;
    this.#end = Math.min(end, b.length);
    this.#p = 0;
  }

  get left(): number {
    return this.#end - this.#p;
  }

  u(n: number): number {
    if (this.#p + n > this.#end) return this.#short();
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + this.#b[this.#p + i]!;
    this.#p += n;
    return v;
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || this.#p + n > this.#end) {
      this.#short();
      return new Uint8Array(0);
    }
    const s = this.#b.subarray(this.#p, this.#p + n);
    this.#p += n;
    return s;
  }

  /** A NUL-terminated string's bytes (the NUL read, not returned). */
  cbytes(): Uint8Array {
    let e = this.#p;
    while (e < this.#end && this.#b[e] !== 0) e++;
    if (e >= this.#end) {
      this.#short();
      return new Uint8Array(0);
    }
    const s = this.#b.subarray(this.#p, e);
    this.#p = e + 1;
    return s;
  }

  cstr(): string {
    return latin1(this.cbytes());
  }

  /** Length-encoded integer: < 0xfb itself; 0xfc, 0xfd, 0xfe prefix 2, 3, 8 bytes. */
  lenenc(): number {
    const f = this.u(1);
    if (f < 0xfb) return f;
    if (f === 0xfc) return this.u(2);
    if (f === 0xfd) return this.u(3);
    if (f === 0xfe) return this.u(8);
    return this.#short();
  }

  #short(): number {
    this.bad = true;
    this.#p = this.#end;
    return 0;
  }
}

const latin1 = (b: Uint8Array): string => {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
};

/** HandshakeResponse41 / HandshakeResponse320 in payload b[0, len), or null when malformed. */
export function decodeHandshakeResponse(b: Uint8Array, len: number): HandshakeResponse | null {
  const r = new Reader(b, len);
  const caps2 = r.u(2);
  if ((caps2 & CLIENT_PROTOCOL_41) === 0) {
    r.u(3); // max packet size
    const user = r.cstr();
    const auth = r.bytes(r.left);
    return r.bad ? null : { capabilities: caps2, user, authResponse: auth, database: undefined, authPlugin: undefined, attrs: {}, ssl: false };
  }
  const caps = caps2 + r.u(2) * 65536;
  r.u(4 + 1); // max packet size, character set
  r.bytes(23);
  if (r.bad) return null;
  if ((caps & CLIENT_SSL) !== 0 && r.left === 0) {
    return { capabilities: caps, user: '', authResponse: new Uint8Array(0), database: undefined, authPlugin: undefined, attrs: {}, ssl: true };
  }
  const user = r.cstr();
  const authLen = (caps & CLIENT_PLUGIN_AUTH_LENENC) !== 0 ? r.lenenc() : (caps & CLIENT_SECURE_CONNECTION) !== 0 ? r.u(1) : -1;
  const authResponse = authLen >= 0 ? r.bytes(authLen) : r.cbytes();
  const database = (caps & CLIENT_CONNECT_WITH_DB) !== 0 && r.left > 0 ? r.cstr() : undefined;
  const authPlugin = (caps & CLIENT_PLUGIN_AUTH) !== 0 && r.left > 0 ? r.cstr() : undefined;
  const attrs = (caps & CLIENT_CONNECT_ATTRS) !== 0 && r.left > 0 ? readAttrs(r) : {};
  // attributes are optional extras: a broken list loses them, not the login
  if (r.bad && attrs === BROKEN) return { capabilities: caps, user, authResponse, database, authPlugin, attrs: {}, ssl: false };
  return r.bad ? null : { capabilities: caps, user, authResponse, database, authPlugin, attrs, ssl: false };
}

const BROKEN: Record<string, string> = {};

function readAttrs(r: Reader): Record<string, string> {
  const total = r.lenenc();
  let left = Math.min(total, r.left);
  const out: Record<string, string> = {};
  let n = 0;
  while (left > 0 && n < MAX_ATTRS && !r.bad) {
    const before = r.left;
    const k = latin1(r.bytes(r.lenenc()));
    const v = latin1(r.bytes(r.lenenc()));
    left -= before - r.left;
    out[printableText(k, 64)] = printableText(v, 128);
    n++;
  }
  return r.bad ? BROKEN : out;
}
