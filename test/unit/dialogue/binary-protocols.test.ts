// SSH, VNC and MySQL dialogues over byte literals (and the MySQL client bytes hydra/libmariadb sent, captured in
// test/fixtures/samples/greeted/): the greeting, what the client must send for the dialogue to go on, where it
// ends, and hostile input. Plus: replay gives the live facts, and no greeting names this project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { replayDialogue } from '../../../src/dialogue/replay.ts';
import { SERVER_ALGORITHMS, encodeKexinit } from '../../../src/dialogue/ssh-kexinit.ts';
import { decodeHandshakeResponse, handshakeSalt } from '../../../src/dialogue/mysql-packets.ts';
import { vncChallengeIn } from '../../../src/dialogue/vnc.ts';
import { DEFAULT_TEXTS } from '../../../src/dialogue/texts.ts';
import { GREET_PROTOCOLS } from '../../../src/record/dialogue.ts';
import { parseClientKexinit } from '../../../src/classify/extract/ssh-kexinit.ts';
import { loadIndex, sampleBytes } from '../classify/samples.ts';
import { SEED, open, runWhole, say } from '../../helpers/dialogue-harness.ts';

const fixture = (name: string) => sampleBytes(loadIndex('greeted').find((s) => s.file.endsWith(name))!);

function packet(payload: Buffer): Buffer {
  const pad = 8 - ((5 + payload.length) % 8) + (8 - ((5 + payload.length) % 8) < 4 ? 8 : 0);
  const b = Buffer.alloc(5 + payload.length + pad);
  b.writeUInt32BE(1 + payload.length + pad, 0);
  b[4] = pad;
  payload.copy(b, 5);
  return b;
}

test('ssh: our version line first; our KEXINIT only after the client\'s; its KEXINIT ends the dialogue', () => {
  const { d, out, greeting } = open('ssh');
  assert.equal(greeting, 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n');
  const { reply } = say(d, out, 'SSH-2.0-libssh_0.10.6\r\n');
  const k = Buffer.from(reply, 'latin1');
  assert.equal(k.readUInt32BE(0) + 4, k.length);
  assert.equal(k.length % 8, 0, 'a multiple of the block size');
  assert.ok(k[4]! >= 4, 'at least 4 bytes of padding');
  assert.equal(k[5], 20);
  assert.deepEqual(Buffer.from(k.subarray(6, 22)), Buffer.from(SEED.subarray(0, 16)), 'the cookie from the connection\'s random bytes');
  // our KEXINIT parses as one (the parser needs a line before it)
  const ours = parseClientKexinit(Buffer.concat([Buffer.from('SSH-2.0-x\r\n'), k]))!;
  assert.equal(ours.kex, SERVER_ALGORITHMS[0]);
  assert.equal(ours.hostKey, 'rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519');
  // an IGNORE packet, then the KEXINIT split in two
  assert.equal(say(d, out, packet(Buffer.from([2, 0, 0, 0, 0]))).reply, '');
  assert.equal(d.ended, false);
  const kex = packet(Buffer.concat([Buffer.from([20]), Buffer.alloc(16, 7), Buffer.alloc(40)]));
  say(d, out, kex.subarray(0, 10));
  assert.equal(d.ended, false);
  assert.equal(say(d, out, Buffer.concat([kex.subarray(10), Buffer.from('more')])).read, kex.length - 10);
  assert.equal(d.ended, true);
});

test('ssh: a real OpenSSH client stream ends the dialogue exactly at the end of its KEXINIT', () => {
  const bytes = fixture('ssh-openssh-client-kexinit.bin');
  const r = runWhole('ssh', Buffer.concat([bytes, Buffer.alloc(100, 1)]));
  assert.equal(r.ended, true);
  assert.equal(r.read, bytes.length);
});

test('ssh: not SSH, SSH-1, an endless version line or an absurd packet length end the dialogue as sshd would', () => {
  let { d, out } = open('ssh');
  assert.equal(say(d, out, 'GET / HTTP/1.1\r\n').reply, 'Invalid SSH identification string.\r\n');
  assert.equal(d.ended, true);
  ({ d, out } = open('ssh'));
  assert.equal(say(d, out, 'SSH-1.5-OldClient\n').reply, 'Protocol major versions differ.\r\n');
  ({ d, out } = open('ssh'));
  assert.equal(say(d, out, 'SSH-2.0-' + 'x'.repeat(10_000)).reply, 'Invalid SSH identification string.\r\n');
  ({ d, out } = open('ssh'));
  say(d, out, 'SSH-1.99-compat\r\n');
  say(d, out, Buffer.from([0xff, 0xff, 0xff, 0xff]));
  assert.equal(d.ended, true, 'a packet longer than 35000 bytes');
});

test('vnc 3.8: security types [VNC auth], the challenge, the response, SecurityResult failed with a reason', () => {
  const { d, out, greeting } = open('vnc');
  assert.equal(greeting, 'RFB 003.008\n');
  assert.equal(say(d, out, 'RFB 003.008\n').reply, '\x01\x02');
  const challenge = say(d, out, '\x02').reply;
  assert.deepEqual(Buffer.from(challenge, 'latin1'), Buffer.from(SEED.subarray(0, 16)));
  const { reply } = say(d, out, Buffer.alloc(16, 0xab));
  assert.equal(reply, '\0\0\0\x01\0\0\0\x16Authentication failure');
  assert.equal(d.ended, true);
  assert.deepEqual(d.facts(), { client_version: '003.008', security_type: 2, response: 'ab'.repeat(16) });
  const server = Buffer.from(greeting + '\x01\x02' + challenge + reply, 'latin1');
  assert.equal(vncChallengeIn(server), Buffer.from(SEED.subarray(0, 16)).toString('hex'));
});

test('vnc 3.3: the server picks VNC auth; no reason string after the failure; a wrong type or no RFB ends it', () => {
  let { d, out } = open('vnc');
  const r = say(d, out, 'RFB 003.003\n').reply;
  assert.equal(r.slice(0, 4), '\0\0\0\x02');
  assert.equal(say(d, out, Buffer.alloc(16)).reply, '\0\0\0\x01');
  assert.equal(vncChallengeIn(Buffer.from('RFB 003.008\n' + r, 'latin1')), Buffer.from(SEED.subarray(0, 16)).toString('hex'));
  ({ d, out } = open('vnc'));
  say(d, out, 'RFB 003.008\n');
  assert.equal(say(d, out, '\x01').reply, '\0\0\0\x01\0\0\0\x1bSecurity type not supported');
  ({ d, out } = open('vnc'));
  assert.equal(say(d, out, 'GET / HTTP/1.0\r\n').reply, '');
  assert.equal(d.ended, true);
});

test('mysql: a protocol-10 handshake (caching_sha2_password, no TLS), and ERR 1045 naming the client\'s user and address', () => {
  const { d, out, greeting } = open('mysql');
  const g = Buffer.from(greeting, 'latin1');
  assert.equal(g.readUIntLE(0, 3) + 4, g.length);
  assert.equal(g[4], 10);
  assert.equal(g.subarray(5, 11).toString(), '8.0.40');
  assert.match(greeting, /caching_sha2_password\0$/);
  const salt = handshakeSalt(g)!;
  assert.match(salt, /^[0-9a-f]{40}$/);
  assert.ok(!Buffer.from(salt, 'hex').includes(0x24) && !Buffer.from(salt, 'hex').includes(0), 'no NUL and no "$" in the scramble');
  const caps = g.readUInt16LE(5 + 7 + 4 + 8 + 1) | (g.readUInt16LE(5 + 7 + 4 + 8 + 1 + 2 + 1 + 2) << 16);
  assert.equal(caps & 0x800, 0, 'CLIENT_SSL not offered');
  const { reply } = say(d, out, fixture('mysql-hydra-login.bin'));
  assert.match(reply, /\xff\x15\x04#28000Access denied for user 'dbadmin'@'203\.0\.113\.9' \(using password: YES\)$/);
  assert.equal(d.ended, true);
  const f = d.facts();
  assert.equal(f.user, 'dbadmin');
  assert.equal((f.client_attrs as Record<string, string>)._client_version, '3.3.20');
});

test('mysql: an SSL request gets nothing (TLS was not offered), garbage gets ERR 1043, old clients are read', () => {
  let { d, out } = open('mysql');
  const ssl = Buffer.alloc(36);
  ssl.writeUIntLE(32, 0, 3);
  ssl[3] = 1;
  ssl.writeUInt32LE(0x800 | 0x200 | 0x8000, 4);
  assert.equal(say(d, out, ssl).reply, '');
  assert.deepEqual(d.facts(), { ssl_request: true, capabilities: 0x8a00 });
  ({ d, out } = open('mysql'));
  assert.match(say(d, out, Buffer.from([1, 0, 0, 0, 1])).reply, /\x13\x04#08S01Bad handshake$/, 'COM_QUIT instead of a login');
  assert.equal(d.facts().malformed, true);
  const old = decodeHandshakeResponse(Buffer.from('\x05\x00\x00\x00\x00root\x00abcdefgh', 'latin1'), 18)!;
  assert.equal(old.user, 'root');
  assert.equal(decodeHandshakeResponse(Buffer.from([0x85, 0xa6, 0xff]), 3), null);
});

test('hostile bytes never throw, and the binary dialogues end within a bounded read', () => {
  for (const p of ['ssh', 'vnc', 'mysql'] as const) {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
      const { d, out } = open(p);
      const { reply } = say(d, out, bytes);
      assert.ok(reply.length <= 2048, `${p}: ${reply.length}`);
      d.facts();
    }), { numRuns: 200 });
  }
});

test('replay over what a dialogue read gives the facts it gathered live (any protocol, any input)', () => {
  for (const p of GREET_PROTOCOLS) {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.integer({ min: 1, max: 599 }), { maxLength: 6 }), (bytes, cuts) => {
      const live = runWhole(p, bytes, cuts);
      const replayed = replayDialogue(p, bytes.subarray(0, live.read), new Uint8Array(0));
      assert.deepEqual(replayed, live.facts, p);
    }), { numRuns: 150 });
  }
});

test('no greeting names this project, in any byte', () => {
  for (const p of GREET_PROTOCOLS) {
    const { greeting } = open(p);
    const { reply } = say(open(p).d, open(p).out, 'x');
    assert.doesNotMatch(greeting + reply, /synbait/i, p);
  }
  assert.doesNotMatch(JSON.stringify(DEFAULT_TEXTS), /synbait/i);
  assert.doesNotMatch(Buffer.from(encodeKexinit(SEED)).toString('latin1'), /synbait/i);
});
