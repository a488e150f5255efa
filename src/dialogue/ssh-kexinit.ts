// Our SSH_MSG_KEXINIT (RFC 4253 7.1) in an unencrypted binary packet (RFC 4253 6): what OpenSSH 9.2p1 on Debian 12
// offers with its default configuration and RSA, ECDSA and Ed25519 host keys (Debian's backport of strict key
// exchange, CVE-2023-48795, included). Sending it makes the client send its own KEXINIT, whose lists give HASSH.
//
//   uint32 packet_length | byte padding_length | payload | padding (>= 4 bytes; the whole a multiple of 8)
//   payload: byte 20 | byte[16] cookie | name-list x 10 | boolean first_kex_packet_follows | uint32 0

export const SSH_MSG_KEXINIT = 20;

export const SERVER_ALGORITHMS: readonly string[] = [
  // kex_algorithms
  'sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,' +
    'ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,' +
    'diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com',
  // server_host_key_algorithms
  'rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519',
  // encryption client to server, server to client
  'chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com',
  // mac client to server, server to client
  'umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,' +
    'hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1',
  'umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,' +
    'hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1',
  // compression client to server, server to client
  'none,zlib@openssh.com',
  'none,zlib@openssh.com',
  // languages
  '',
  '',
];

/** The KEXINIT packet with the 16-byte cookie and padding bytes taken from `random` (at least 32 bytes). */
export function encodeKexinit(random: Uint8Array): Uint8Array {
  let payloadLen = 1 + 16 + 1 + 4;
  for (const l of SERVER_ALGORITHMS) payloadLen += 4 + l.length;
  // padding: at least 4, and 4 + 1 + payload + padding a multiple of 8 (the cipher block size before keys exist)
  let padding = 8 - ((5 + payloadLen) % 8);
  if (padding < 4) padding += 8;
  const packetLen = 1 + payloadLen + padding;
  const out = new Uint8Array(4 + packetLen);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(0, packetLen);
  out[4] = padding;
  let p = 5;
  out[p++] = SSH_MSG_KEXINIT;
  out.set(random.subarray(0, 16), p);
  p += 16;
  for (const l of SERVER_ALGORITHMS) {
    dv.setUint32(p, l.length);
    p += 4;
    for (let i = 0; i < l.length; i++) out[p++] = l.charCodeAt(i);
  }
  out[p++] = 0; // first_kex_packet_follows
  dv.setUint32(p, 0); // reserved
  p += 4;
  for (let i = 0; i < padding; i++) out[p + i] = random[16 + (i % 16)]!;
  return out;
}
