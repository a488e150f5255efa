// The suricata-verify conformance runner on cases of our own, written in suricata-verify's format (test.yaml with
// eve checks, test.rules, input.pcap), built here from frames: the same runner and labeller (synbait label's own
// path) that BENCHMARKS.md reports on a checkout of OISF/suricata-verify. Each case's expectation follows
// Suricata's documented semantics for its keywords (the user guide's payload keywords page; the same rules as
// upstream cases alert-distance-within-1, http-uri-normalization, dns-query, tls-sni, flowbits-set-isset).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../../src/wire/tcp.ts';
import { LINUX_SYN_OPTIONS, tcpFrame, udpFrame } from '../../helpers/frames.ts';
import { pcapOf } from '../../helpers/pcap-file.ts';
import { labelPcap } from '../../conformance/label-pcap.ts';
import { runConformance } from '../../conformance/verify-runner.ts';

const root = mkdtempSync(join(tmpdir(), 'synbait-verify-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

const C = { src: '203.0.113.9', dst: '10.0.0.1', sport: 40000, dport: 80 };
const S = { src: C.dst, dst: C.src, sport: C.dport, dport: C.sport };
function conversation(request: string, response = ''): Buffer[] {
  const out = [
    tcpFrame({ ...C, seq: 100, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(1) }),
    tcpFrame({ ...S, seq: 900, ack: 101, flags: TCP_SYN | TCP_ACK }),
    tcpFrame({ ...C, seq: 101, ack: 901, flags: TCP_ACK }),
    tcpFrame({ ...C, seq: 101, ack: 901, flags: TCP_ACK | TCP_PSH, payload: request }),
  ];
  if (response) out.push(tcpFrame({ ...S, seq: 901, ack: 101 + request.length, flags: TCP_ACK | TCP_PSH, payload: response }));
  out.push(tcpFrame({ ...C, seq: 101 + request.length, ack: 901 + response.length, flags: TCP_FIN | TCP_ACK }));
  return out;
}

/** Client and server taking turns: each client message after the first starts once the server has spoken. */
function turns(...messages: string[]): Buffer[] {
  const out = [
    tcpFrame({ ...C, seq: 100, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(1) }),
    tcpFrame({ ...S, seq: 900, ack: 101, flags: TCP_SYN | TCP_ACK }),
    tcpFrame({ ...C, seq: 101, ack: 901, flags: TCP_ACK }),
  ];
  let c = 101;
  let sv = 901;
  messages.forEach((m, i) => {
    const client = i % 2 === 0;
    const p = Buffer.from(m, 'latin1');
    out.push(client ? tcpFrame({ ...C, seq: c, ack: sv, flags: TCP_ACK | TCP_PSH, payload: p }) : tcpFrame({ ...S, seq: sv, ack: c, flags: TCP_ACK | TCP_PSH, payload: p }));
    if (client) c += p.length;
    else sv += p.length;
  });
  out.push(tcpFrame({ ...C, seq: c, ack: sv, flags: TCP_FIN | TCP_ACK }));
  return out;
}

const alert = (sid: number, count: number) => `  - filter:\n      count: ${count}\n      match:\n        event_type: alert\n        alert.signature_id: ${sid}\n`;
function writeCase(name: string, rules: string, frames: Buffer[], checks: string, extra = ''): void {
  const dir = join(root, 'tests', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test.rules'), rules + '\n');
  writeFileSync(join(dir, 'input.pcap'), pcapOf(frames));
  writeFileSync(join(dir, 'test.yaml'), `${extra}args:\n  - -k none\n\nchecks:\n${checks}`);
}

const GET = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\nHost: victim.example\r\n${headers}\r\n`;

writeCase('own-distance-within',
  'alert tcp any any -> any any (msg:"d/w"; content:"AllWorkAndNoPlayMakesWill"; content:"DullBoy"; distance:1; within:7; sid:2;)\n' +
  'alert tcp any any -> any any (msg:"too far"; content:"AllWorkAndNoPlayMakesWill"; content:"DullBoy"; distance:2; within:7; sid:3;)',
  conversation('xxAllWorkAndNoPlayMakesWill_DullBoy.'), alert(2, 1) + alert(3, 0));
writeCase('own-http-uri-normalised',
  'alert http any any -> any any (msg:"uri"; flow:established,to_server; http.uri; content:"/etc/passwd"; sid:10;)\n' +
  'alert http any any -> any any (msg:"raw"; flow:established,to_server; http.uri.raw; content:"/etc/passwd"; sid:11;)',
  conversation(GET('/cgi-bin/../../%65tc//passwd')), alert(10, 1) + alert(11, 0));
writeCase('own-negated-relative',
  'alert http any any -> any any (msg:"ua without probe"; http.user_agent; content:"curl/"; content:!"probe"; distance:0; sid:20;)',
  conversation(GET('/', 'User-Agent: curl/8.0 probe\r\n')), alert(20, 0));
writeCase('own-flowbits-one-payload',
  'alert http any any -> any any (msg:"set"; http.method; content:"POST"; flowbits:set,post; flowbits:noalert; sid:30;)\n' +
  'alert http any any -> any any (msg:"isset"; flowbits:isset,post; http.request_body; content:"cmd="; sid:31;)',
  conversation('POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\ncmd=id;x'), alert(30, 0) + alert(31, 1));
writeCase('own-dns-query',
  'alert dns any any -> any any (msg:"dns"; dns.query; content:"evil.example"; nocase; endswith; sid:40;)',
  [udpFrame({ src: '203.0.113.9', dst: '10.0.0.53', sport: 53000, dport: 53 }, Buffer.from('12340100000100000000000004' + Buffer.from('EVIL').toString('hex') + '07' + Buffer.from('example').toString('hex') + '0000010001', 'hex'))],
  alert(40, 1));
writeCase('own-byte-test-pcre',
  'alert tcp any any -> any any (msg:"bt"; content:"LEN"; byte_test:4,>,1000,0,relative,string,dec; pcre:"/^\\d{4}Z/R"; sid:50;)',
  conversation('LEN2048Z rest'), alert(50, 1));
// each client message is inspected as its own buffer (Suricata inspects raw stream data chunk by chunk, HTTP request by
// request): a depth-anchored content at the start of a later message, a later keep-alive request's URI, and a later
// message of an SSH session (the application protocol stays the one its first message showed)
const SMB2 = '\x00\x00\x00\x40\xfeSMB' + '\x00'.repeat(60);
writeCase('own-later-messages',
  'alert tcp any any -> any 80 (msg:"anchored"; content:"|fe|SMB"; depth:8; sid:80;)\n' +
  'alert http any any -> any 80 (msg:"second uri"; http.uri; content:"/second"; startswith; sid:81;)\n' +
  'alert tcp any any -> any 80 (msg:"across messages"; content:"first"; content:"|fe|SMB"; distance:0; sid:82;)',
  turns(GET('/first'), 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', GET('/second'), 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', SMB2),
  alert(80, 1) + alert(81, 1) + alert(82, 0));
writeCase('own-ssh-later-message',
  'alert ssh any any -> any 80 (msg:"kex in ssh"; content:"|15 00 00 00 00|"; sid:90;)',
  turns('SSH-2.0-OpenSSH_9.2p1\r\n', 'SSH-2.0-OpenSSH_9.2p1\r\n', '\x00\x00\x00\x0c\x0a\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'),
  alert(90, 1));
// what a sensor never sees: the server's bytes (not applicable), and an argument that changes detection
writeCase('own-server-data', 'alert tcp any any -> any any (msg:"resp"; content:"200 OK"; sid:60;)', conversation(GET('/'), 'HTTP/1.1 200 OK\r\n\r\n'), alert(60, 1));
writeCase('own-odd-argument', 'alert tcp any any -> any any (content:"GET"; sid:70;)', conversation(GET('/')), alert(70, 1), '');
writeFileSync(join(root, 'tests', 'own-odd-argument', 'test.yaml'), `args:\n  - --set detect.profile=custom\n\nchecks:\n${alert(70, 1)}`);

test('our own cases in suricata-verify format: every applicable one agrees (later client messages each inspected); server data and odd arguments are not applicable', async () => {
  const r = await runConformance(root, labelPcap);
  const by = new Map(r.outcomes.map((o) => [o.name, o]));
  for (const name of ['own-distance-within', 'own-http-uri-normalised', 'own-negated-relative', 'own-flowbits-one-payload', 'own-dns-query', 'own-byte-test-pcre', 'own-later-messages', 'own-ssh-later-message']) {
    assert.equal(by.get(name)?.status, 'agreed', `${name}: ${JSON.stringify(by.get(name))}`);
  }
  assert.deepEqual([by.get('own-server-data')?.status, by.get('own-server-data')?.reason], ['not applicable', 'alerts on server data']);
  assert.match(by.get('own-odd-argument')?.reason ?? '', /^argument --set detect/);
  assert.equal(r.applicable, 8);
  assert.equal(r.agreed, 8);
});
