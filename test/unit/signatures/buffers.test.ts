// Sticky buffers and legacy modifiers: what each request-side buffer holds (Suricata user guide, "HTTP
// Keywords", "DNS Keywords", "TLS Keywords", "SSH Keywords"), including http.uri's normalisation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ja3Hash, ja3String } from '../../../src/classify/extract/ja3.ts';
import { parseClientHello } from '../../../src/classify/extract/tls.ts';
import { normalizeUri, removeDotSegments } from '../../../src/classify/suricata/uri-normalize.ts';
import { fires } from './helpers.ts';

const REQ = 'GET /Shop/../a/./b//c%2e%70hp?q=%41+1 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\nUser-Agent: curl/8.0\r\n' +
  'Cookie: s=1\r\nX-A: one\r\nx-a: two\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nReferer: http://r/\r\n' +
  'Accept: */*\r\nAccept-Encoding: gzip\r\nAccept-Language: en\r\nConnection: close\r\n\r\nbody';

test('http buffers hold what Suricata puts in them', () => {
  const cases: [string, boolean][] = [
    ['http.method; content:"GET"; bsize:3;', true],
    ['http.uri; content:"/a/b/c.php?q=A+1"; bsize:16;', true], // dot segments, //, %2e%70 decoded; + kept
    ['http.uri.raw; content:"/Shop/../a/./b//c%2e%70hp?q=%41+1"; startswith; endswith;', true],
    ['http.protocol; content:"HTTP/1.1"; bsize:8;', true],
    ['http.request_line; content:"GET /Shop"; startswith; content:"HTTP/1.1"; endswith;', true],
    ['http.host; content:"www.example.com"; bsize:15;', true], // lower case, no port
    ['http.host.raw; content:"WWW.Example.COM:8080"; bsize:20;', true],
    ['http.user_agent; content:"curl/8.0"; bsize:8;', true],
    ['http.cookie; content:"s=1"; bsize:3;', true],
    ['http.header; content:"Cookie";', false], // the cookie has its own buffer
    ['http.header; content:"X-A: one, two|0d 0a|";', true], // duplicates merged at the first one's place
    ['http.header; content:"Host: WWW.Example.COM:8080|0d 0a|User-Agent: curl/8.0|0d 0a|"; startswith;', true],
    ['http.header.raw; content:"x-a: two|0d 0a|";', true],
    ['http.header.raw; content:"Cookie: s=1";', true],
    ['http.header_names; content:"|0d 0a|Host|0d 0a|User-Agent|0d 0a|Cookie|0d 0a|X-A|0d 0a|"; startswith;', true],
    ['http.header_names; content:"|0d 0a|Connection|0d 0a 0d 0a|"; endswith;', true],
    ['http.header_names; content:!"|0d 0a|Authorization|0d 0a|";', true],
    ['http.start; content:"GET /Shop/../a/./b//c%2e%70hp?q=%41+1 HTTP/1.1|0d 0a|Host: "; startswith; content:"Connection: close|0d 0a 0d 0a|"; endswith;', true],
    ['http.content_type; content:"text/plain"; bsize:10;', true],
    ['http.content_len; byte_test:0,=,4,0,string,dec;', true],
    ['http.referer; content:"http://r/"; bsize:9;', true],
    ['http.accept; content:"*/*"; bsize:3;', true],
    ['http.accept_enc; content:"gzip"; bsize:4;', true],
    ['http.accept_lang; content:"en"; bsize:2;', true],
    ['http.connection; content:"close"; bsize:5;', true],
    ['http.request_body; content:"body"; bsize:4;', true],
    ['urilen:16;', true],
    ['urilen:33,raw;', true],
    ['urilen:>20;', false],
    ['content:"/a/b/c.php"; http_uri;', true],
    ['content:"GET"; http_method; content:"curl"; http_user_agent; content:"s=1"; http_cookie;', true],
    ['content:"body"; http_client_body;', true],
    ['content:"www.example.com"; http_host;', true],
    ['pcre:"/\\/c\\.php\\?/U";', true],
    ['pcre:"/^curl\\//V";', true],
    ['content:"Host|3a| WWW"; http_raw_header;', true],
  ];
  for (const [options, expected] of cases) assert.equal(fires(options, REQ, {}, 'alert http any any -> any any'), expected, options);
});

test('absent buffers never match, even with negated content (as in Suricata)', () => {
  const bare = 'GET / HTTP/1.0\r\nHost: h\r\n\r\n';
  assert.equal(fires('http.cookie; content:!"x";', bare, {}, 'alert http any any -> any any'), false);
  assert.equal(fires('http.request_body; content:!"x";', bare, {}, 'alert http any any -> any any'), false);
  assert.equal(fires('http.user_agent; content:!"curl";', bare, {}, 'alert http any any -> any any'), false);
  assert.equal(fires('http.uri; content:"/";', 'not http at all', {}, 'alert tcp any any -> any any'), false);
});

test('http.uri normalisation follows the IDS personality', () => {
  assert.equal(normalizeUri('//index.html'), '/index.html');
  assert.equal(normalizeUri('/a\\b'), '/a/b');
  assert.equal(normalizeUri('/a%2fb'), '/a/b');
  assert.equal(normalizeUri('/cgi-bin/.%2e/.%2e/etc/passwd'), '/etc/passwd');
  assert.equal(normalizeUri('/%u0041%uff21'), '/AA'); // %u decoding, full-width best fit
  assert.equal(normalizeUri('/caf%C3%A9'), '/caf\xe9'); // UTF-8 to one byte
  assert.equal(normalizeUri('/x%E2%82%AC'), '/x?'); // no best fit
  assert.equal(normalizeUri('/x%ZZ'), '/x%ZZ'); // invalid escapes stay
  assert.equal(normalizeUri('/p?a=%2e%2e/b+c'), '/p?a=../b+c'); // query: decoded, not path-normalised
  assert.equal(removeDotSegments('/a/b/c/./../../g'), '/a/g'); // RFC 3986 §5.2.4 example
  assert.equal(removeDotSegments('mid/content=5/../6'), 'mid/6');
  assert.equal(normalizeUri('/..'), '/');
});

test('an absolute request target: http.uri is its path, http.host its authority', () => {
  const req = 'GET http://Evil.example:81/x/../y HTTP/1.1\r\nHost: other\r\n\r\n';
  assert.equal(fires('http.uri; content:"/y"; bsize:2;', req, {}, 'alert http any any -> any any'), true);
  assert.equal(fires('http.host; content:"evil.example"; bsize:12;', req, {}, 'alert http any any -> any any'), true);
});

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

test('TLS: SNI, JA3 (checked against tshark), JA4, version', () => {
  const hello = readFileSync(here('../../fixtures/samples/captured/tls-clienthello-openssl-sni-alpn.bin'));
  const h = parseClientHello(hello)!;
  // tshark 4.0 (tls.handshake.ja3_full / ja3) on this ClientHello written to a pcap with text2pcap
  assert.equal(ja3String(h), '771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,0-11-10-35-16-22-23-13-43-45-51,29-23-30-25-24-256-257-258-259-260,0-1-2');
  assert.equal(ja3Hash(h), '5a1edc7f170af1014fc65c994878e63c');
  const tls = 'alert tls any any -> any any';
  assert.equal(fires('tls.sni; content:"www.example.com"; bsize:15;', hello, {}, tls), true);
  assert.equal(fires('tls.sni; dotprefix; content:".example.com"; endswith;', hello, {}, tls), true);
  assert.equal(fires('tls.sni; dotprefix; content:".www.example.com"; startswith;', hello, {}, tls), true);
  assert.equal(fires('ja3.hash; content:"5a1edc7f170af1014fc65c994878e63c";', hello, {}, tls), true);
  assert.equal(fires('ja3_hash; content:"5a1edc7f170af1014fc65c994878e63c";', hello, {}, tls), true);
  assert.equal(fires('ja3.string; content:"771,"; startswith;', hello, {}, tls), true);
  assert.equal(fires('ja4.hash; content:"t13d"; startswith;', hello, {}, tls), true);
  assert.equal(fires('tls.version:1.2;', hello, {}, tls), true); // the ClientHello's legacy_version
  assert.equal(fires('tls.version:1.0;', hello, {}, tls), false);
  assert.equal(fires('content:"|16 03|"; depth:2;', hello, {}, tls), true);
});

test('DNS query name, SSH banner parts', () => {
  // a DNS query for www.Evil.example, type A (RFC 1035 §4.1)
  const q = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    Buffer.from('\x03www\x04Evil\x07example\x00\x00\x01\x00\x01', 'latin1')]);
  const dns = 'alert dns any any -> any any';
  assert.equal(fires('dns.query; content:"www.Evil.example"; bsize:16;', q, { proto: 'udp', dst_port: 53 }, dns), true);
  assert.equal(fires('dns.query; dotprefix; content:".evil.example"; nocase; endswith;', q, { proto: 'udp', dst_port: 53 }, dns), true);
  assert.equal(fires('dns_query; content:"evil";', q, { proto: 'udp', dst_port: 53 }, dns), false);
  assert.equal(fires('dns.query; content:"Evil";', q, { proto: 'udp', dst_port: 5000 }, dns), false); // not DNS by port
  const ssh = 'SSH-2.0-libssh2_1.10.0 comment\r\n';
  assert.equal(fires('ssh.proto; content:"2.0"; bsize:3;', ssh, { dst_port: 22 }, 'alert ssh any any -> any any'), true);
  assert.equal(fires('ssh.software; content:"libssh2_1.10.0"; bsize:14;', ssh, { dst_port: 22 }, 'alert ssh any any -> any any'), true);
  assert.equal(fires('ssh_software; content:"libssh"; startswith;', ssh, { dst_port: 22 }, 'alert ssh any any -> any any'), true);
});
