// The client's SSH_MSG_KEXINIT (RFC 4253 7.1) after its identification line, and HASSH (Salesforce's SSH client
// fingerprint): the MD5 of "kex_algorithms;encryption_algorithms_client_to_server;mac_algorithms_client_to_server;
// compression_algorithms_client_to_server", each list exactly as sent. A client sends its KEXINIT only after the
// server's identification string, so only greeted flows (--greet PORT=ssh) carry one.
//
//   uint32 packet_length | byte padding_length | byte 20 | byte[16] cookie | name-list x 10 | boolean | uint32

import { createHash } from 'node:crypto';
import { printable, u32be, u8 } from './bytes.ts';

const SSH_MSG_KEXINIT = 20;
/** RFC 4253 6.1. */
const MAX_PACKET = 35_000;
const MAX_LIST = 4096;

export interface SshKexinit {
  readonly kex: string;
  readonly hostKey: string;
  readonly encC2s: string;
  readonly encS2c: string;
  readonly macC2s: string;
  readonly macS2c: string;
  readonly compC2s: string;
  readonly compS2c: string;
  /** The string HASSH hashes. */
  readonly hasshAlgorithms: string;
  readonly hassh: string;
}

/** The KEXINIT that follows the identification line at the start of `b`, or null. */
export function parseClientKexinit(b: Uint8Array): SshKexinit | null {
  let lf = -1;
  for (let i = 0; i < Math.min(b.length, 256); i++) if (b[i] === 0x0a) { lf = i; break; }
  if (lf < 0) return null;
  const p = lf + 1;
  const len = u32be(b, p);
  if (len < 0 || len > MAX_PACKET || u8(b, p + 5) !== SSH_MSG_KEXINIT) return null;
  const end = Math.min(b.length, p + 4 + len);
  let q = p + 6 + 16; // after the message type and the cookie
  const lists: string[] = [];
  for (let i = 0; i < 10; i++) {
    const n = u32be(b, q, end);
    if (n < 0 || n > MAX_LIST || q + 4 + n > end) return null;
    let s = '';
    for (let k = q + 4; k < q + 4 + n; k++) s += String.fromCharCode(b[k]!);
    lists.push(printable(s, MAX_LIST));
    q += 4 + n;
  }
  const [kex, hostKey, encC2s, encS2c, macC2s, macS2c, compC2s, compS2c] = lists as [string, string, string, string, string, string, string, string];
  const hasshAlgorithms = `${kex};${encC2s};${macC2s};${compC2s}`;
  return {
    kex, hostKey, encC2s, encS2c, macC2s, macS2c, compC2s, compS2c, hasshAlgorithms,
    hassh: createHash('md5').update(hasshAlgorithms, 'latin1').digest('hex'),
  };
}

/** "SSH-2.0-OpenSSH_9.2p1 Debian-2" → "OpenSSH_9.2p1" (RFC 4253 4.2 softwareversion). */
export function softwareVersion(banner: string): string | undefined {
  const m = /^SSH-[^-]+-([^ ]+)/.exec(banner);
  return m ? m[1] : undefined;
}
