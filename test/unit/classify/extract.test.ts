// Protocol extractors: facts from real captured bytes, malformed tables, JA4 against the spec's vectors, and
// fast-check: arbitrary bytes never make an extractor throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import {
  extractFacts, ja4, ja4Hash, ja4Raw, parseClientHello, parseDnsQuery, parseNtp, parseRdpConnectionRequest, parseRpcCall,
  parseNjrat, parseSmbNegotiate, parseSshBanner, parseTextRequest,
} from '../../../src/classify/index.ts';
import { loadIndex, sampleBytes } from './samples.ts';

const captured = new Map(loadIndex('captured').map((s) => [s.file.replace('captured/', ''), sampleBytes(s)]));
const constructed = new Map(loadIndex('constructed').map((s) => [s.file.replace('constructed/', ''), sampleBytes(s)]));
const cap = (name: string) => captured.get(name) ?? assert.fail(`no sample ${name}`);
const con = (name: string) => constructed.get(name) ?? assert.fail(`no sample ${name}`);
const facts = (b: Uint8Array, proto: 'tcp' | 'udp', dst_port: number) => extractFacts({ proto, dst_port }, b, Buffer.from(b).toString('latin1')).facts;

test('HTTP: method, path, Host, User-Agent from a real curl request', () => {
  assert.deepEqual(facts(cap('curl-get.bin'), 'tcp', 18080), {
    app: 'http', http: { method: 'GET', path: '/index.html', host: '127.0.0.1:18080', user_agent: 'curl/7.88.1' },
  });
  const r = parseTextRequest('GET / HTTP/1.1\nHost: a\n\nBODY')!;
  assert.equal(r.body, 'BODY', 'bare LF line ends');
  assert.equal(parseTextRequest('GET /x\r\n')!.protocol, 'HTTP/0.9');
  for (const bad of ['', 'GET', 'GET  HTTP/1.1', 'HELLO WORLD', '\x16\x03\x01', 'GET / FTP/1.0', `GET /${'a'.repeat(9000)} HTTP/1.1`]) {
    assert.equal(parseTextRequest(bad), null, JSON.stringify(bad.slice(0, 20)));
  }
});

test('TLS: SNI, ALPN, version and JA4 from real ClientHellos', () => {
  const f = facts(cap('tls-clienthello-openssl-sni-alpn.bin'), 'tcp', 443) as { app: string; tls: Record<string, unknown> };
  assert.equal(f.app, 'tls');
  assert.equal(f.tls.sni, 'www.example.com');
  assert.deepEqual(f.tls.alpn, ['h2', 'http/1.1']);
  assert.equal(f.tls.version, 'TLS 1.3');
  assert.match(f.tls.ja4 as string, /^t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
  const curl = facts(cap('tls13-clienthello-curl.bin'), 'tcp', 443) as { tls: Record<string, unknown> };
  assert.equal(curl.tls.sni, 'localhost');
  // Same library (OpenSSL 3.0), same cipher list: the b part agrees; SNI and extensions differ.
  assert.equal((curl.tls.ja4 as string).split('_')[1], (f.tls.ja4 as string).split('_')[1]);
  // nmap's TLSSessionReq probe: TLS 1.2, no SNI, no ALPN.
  const nmap = facts(cap('nmap-sv-tls-probe.bin'), 'tcp', 443) as { tls: Record<string, unknown> };
  assert.match(nmap.tls.ja4 as string, /^t12i\d{4}00_/);
});

test('JA4: the specification\'s hash vectors', () => {
  assert.equal(ja4Hash('002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9'), '8daaf6152771');
  assert.equal(ja4Hash('0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601'), 'e5627efa2ab1');
  assert.equal(ja4Hash('0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01'), '6d807ffa2a79');
  assert.equal(ja4Hash(''), '000000000000');
});

/** Builds a ClientHello record from its parts (RFC 8446 §4.1.2). */
function clientHello(ciphers: number[], exts: [number, Buffer][]): Buffer {
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const extBytes = Buffer.concat(exts.map(([t, d]) => Buffer.concat([u16(t), u16(d.length), d])));
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32, 1), Buffer.from([32]), Buffer.alloc(32, 2), u16(ciphers.length * 2), ...ciphers.map(u16),
    Buffer.from([1, 0]), u16(extBytes.length), extBytes]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(hs.length), hs]);
}
const list16 = (vals: number[]) => { const b = Buffer.alloc(2 + vals.length * 2); b.writeUInt16BE(vals.length * 2); vals.forEach((v, i) => b.writeUInt16BE(v, 2 + i * 2)); return b; };

test('JA4: a Chrome-shaped hello with GREASE gives the published fingerprint t13d1516h2_8daaf6152771_d8a2da3f94cd', () => {
  // Cipher and extension order of a published Chrome 143 JA4_ro (t13d1516h2_1301,...), with GREASE added as Chrome does.
  const ciphers = [0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
  const sni = Buffer.from('\x00\x0e\x00\x00\x0bexample.com', 'latin1');
  const alpn = Buffer.from('\x00\x0c\x02h2\x08http/1.1', 'latin1');
  const sigs = list16([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]);
  const sv = Buffer.from([6, 0x8a, 0x8a, 0x03, 0x04, 0x03, 0x03]);
  const order = [0x0a0a, 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b, 0x3a3a];
  const data: Record<number, Buffer> = { 0x0000: sni, 0x0010: alpn, 0x000d: sigs, 0x002b: sv };
  const hello = parseClientHello(clientHello(ciphers, order.map((t) => [t, data[t] ?? Buffer.alloc(1)])))!;
  assert.ok(hello);
  assert.equal(hello.sni, 'example.com');
  assert.deepEqual(ja4Raw(hello).a, 't13d1516h2');
  assert.equal(ja4(hello), 't13d1516h2_8daaf6152771_d8a2da3f94cd');
});

test('JA4: no SNI, no ALPN, non-alphanumeric ALPN, no signature algorithms', () => {
  const h1 = parseClientHello(clientHello([0x002f], [[0x000a, Buffer.alloc(2)]]))!;
  assert.equal(ja4(h1), `t12i010100_${ja4Hash('002f')}_${ja4Hash('000a')}`);
  const h2 = parseClientHello(clientHello([0x002f], [[0x0010, Buffer.from('\x00\x03\x02\xab\xcd', 'latin1')]]))!;
  assert.equal(ja4Raw(h2).a, 't12i0101ad');
  const h3 = parseClientHello(clientHello([], []))!;
  assert.equal(ja4(h3), 't12i000000_000000000000_000000000000');
});

test('TLS: truncated or bogus hellos give no fingerprint', () => {
  const full = cap('tls13-clienthello-curl.bin');
  for (const n of [5, 9, 40, 100, full.length - 1]) assert.equal(parseClientHello(full.subarray(0, n)), null, `cut at ${n}`);
  assert.equal(parseClientHello(Buffer.from('\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00', 'latin1')), null, 'ServerHello');
  const split = (() => { // the same hello split over two records
    const hs = full.subarray(5);
    const a = hs.subarray(0, 100), b = hs.subarray(100);
    const rec = (x: Buffer) => Buffer.concat([Buffer.from([0x16, 3, 1, x.length >> 8, x.length & 0xff]), x]);
    return Buffer.concat([rec(a), rec(b)]);
  })();
  assert.equal(ja4(parseClientHello(split)!), ja4(parseClientHello(full)!));
});

test('SSH banner', () => {
  assert.equal(parseSshBanner(cap('ssh-openssh-9.2-banner.bin').toString('latin1')), 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6');
  assert.equal(parseSshBanner('SSH-2.0-Go\n'), 'SSH-2.0-Go');
  assert.equal(parseSshBanner('SSH-2.0-x\x01\x02\r\n'), 'SSH-2.0-x..');
  for (const bad of ['', 'SSH', 'SSH-', 'SSH-abc-x', 'HTTP/1.1 200']) assert.equal(parseSshBanner(bad), undefined);
});

test('SIP method and User-Agent (UDP, and TCP like nmap sends it)', () => {
  assert.deepEqual(facts(cap('sipvicious-svmap-options.bin'), 'udp', 5060), { app: 'sip', sip: { method: 'OPTIONS', user_agent: 'friendly-scanner' } });
  assert.deepEqual(facts(cap('nmap-sv-sipoptions-tcp.bin'), 'tcp', 8081), { app: 'sip', sip: { method: 'OPTIONS' } });
});

test('SMB dialects: SMB1 strings, SMB2 revisions, NetBIOS framing, malformed counts', () => {
  assert.deepEqual(parseSmbNegotiate(cap('nmap-smb1-negotiate.bin'))!.dialects, ['NT LM 0.12', '']);
  const w10 = parseSmbNegotiate(con('smb2-negotiate-windows10.bin'))!;
  assert.deepEqual(w10, { version: 2, dialects: ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1'], dialectCount: 5, malformed: false });
  assert.deepEqual(parseSmbNegotiate(cap('smbclient-samba-smb2-negotiate.bin'))!.dialects, ['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1']);
  const vista = parseSmbNegotiate(con('smb-negotiate-pidhigh-cve-2009-3103.bin'))!;
  assert.equal(vista.pidHigh, 0x2600);
  assert.equal(vista.dialects.at(-1), 'SMB 2.002');
  assert.equal(parseSmbNegotiate(con('smb2-negotiate-bad-dialect-count.bin'))!.malformed, true);
  assert.equal(parseSmbNegotiate(Buffer.from('\x00\x00\x00\x05\xffSMBr', 'latin1'))!.malformed, true);
  assert.equal(parseSmbNegotiate(Buffer.from('GET / HTTP/1.1\r\n')), null);
});

test('RDP cookie from the X.224 Connection Request', () => {
  assert.deepEqual(parseRdpConnectionRequest(con('rdp-mstsc-connection-request.bin')), { cookie: 'eltons', requestedProtocols: 0 });
  assert.deepEqual(parseRdpConnectionRequest(cap('nmap-rdp-enum-encryption.bin')), { cookie: 'nmap', requestedProtocols: 4 });
  assert.equal(parseRdpConnectionRequest(Buffer.from([3, 0, 0, 5, 0])), null);
  assert.deepEqual(parseRdpConnectionRequest(Buffer.from([3, 0, 0, 11, 6, 0xe0, 0, 0, 0, 0, 0])), {});
});

test('DNS name and type, UDP and TCP, EDNS buffer size', () => {
  assert.deepEqual(parseDnsQuery(cap('dig-a-udp.bin'), false), { id: cap('dig-a-udp.bin').readUInt16BE(0), qname: 'www.example.com', qtype: 'A', qtypeCode: 1, qdcount: 1, opcode: 0, ednsUdpSize: 1232 });
  assert.equal(parseDnsQuery(cap('dig-any-tcp.bin'), true)!.qtype, 'ANY');
  assert.equal(parseDnsQuery(cap('dig-any-udp.bin'), false)!.ednsUdpSize, 4096);
  assert.equal(parseDnsQuery(cap('dig-a-udp.bin'), true), null, 'UDP bytes read as TCP');
  // A compression loop must terminate.
  const loop = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  assert.equal(parseDnsQuery(loop, false), null);
});

test('NTP mode and version; mode 6 opcode and count', () => {
  assert.deepEqual(parseNtp(cap('ntpdig-mode3.bin')), { version: 4, mode: 3 });
  assert.deepEqual(parseNtp(cap('nmap-ntp-info-mode6-readvar.bin')), { version: 2, mode: 6, opcode: 2, count: 0, data: '' });
  // RFC 9327: the data is at most `count` bytes and never more than the 468 a mode 6 message carries.
  const rv = Buffer.concat([Buffer.from('160200070000000000000007', 'hex'), Buffer.from('leap,xyz', 'latin1')]);
  assert.equal(parseNtp(rv)?.data, 'leap,xy');
  const big = Buffer.concat([Buffer.from('4e0203ec00000000000002c7', 'hex'), Buffer.alloc(800, 0x41)]);
  assert.equal(parseNtp(big)?.data?.length, 468);
  assert.equal(parseNtp(Buffer.from([0xe3, 0, 0])), null, 'mode 3 shorter than 48 bytes');
  assert.equal(parseNtp(Buffer.from([0x07 | (0 << 3)])), null, 'version 0');
});

test('ONC RPC: UDP call, TCP record marking, fragments', () => {
  assert.deepEqual(parseRpcCall(cap('nmap-rpcinfo-dump-udp.bin'), false), { xid: cap('nmap-rpcinfo-dump-udp.bin').readUInt32BE(0), program: 100000, version: 2, procedure: 4, fragments: 0 });
  const frag = parseRpcCall(con('onc-rpc-small-fragments-dump.bin'), true)!;
  assert.equal(frag.fragments, 10);
  assert.equal(frag.minFragment, 4);
  assert.equal(frag.procedure, 4);
  assert.equal(parseRpcCall(Buffer.from([0, 0, 0, 0]), true), null, 'zero-length non-last fragment');
});

const EXTRACTORS: [string, (b: Uint8Array) => unknown][] = [
  ['request', (b) => parseTextRequest(Buffer.from(b).toString('latin1'))],
  ['tls', (b) => { const h = parseClientHello(b); return h && ja4(h); }],
  ['ssh', (b) => parseSshBanner(Buffer.from(b).toString('latin1'))],
  ['smb', parseSmbNegotiate],
  ['rdp', parseRdpConnectionRequest],
  ['dns-udp', (b) => parseDnsQuery(b, false)],
  ['dns-tcp', (b) => parseDnsQuery(b, true)],
  ['ntp', parseNtp],
  ['rpc-udp', (b) => parseRpcCall(b, false)],
  ['rpc-tcp', (b) => parseRpcCall(b, true)],
  ['njrat', (b) => parseNjrat(Buffer.from(b).toString('latin1'), false)],
  ['facts', (b) => extractFacts({ proto: 'tcp', dst_port: 53 }, b, Buffer.from(b).toString('latin1'))],
];

/** Arbitrary bytes, and real samples with random bytes flipped or cut (reaches deeper parser states). */
const seeds = [...captured.values(), ...constructed.values()];
const arbBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat()).map(([s, flips, cut]) => {
    const b = Uint8Array.from(s);
    for (const [i, v] of flips) b[i % b.length] = v;
    return b.subarray(0, b.length === 0 ? 0 : (cut % b.length) + 1);
  }),
);

for (const [name, fn] of EXTRACTORS) {
  test(`fuzz: ${name} never throws on arbitrary or mutated bytes`, () => {
    fc.assert(fc.property(arbBytes, (b) => { fn(b); }), { numRuns: 1500 });
  });
}
