// Payload shapes (what counts as "the same payload"), novelty, and safe rendering of hostile bytes for Slack and
// the generic webhook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NoveltyWindow } from '../../../../src/sinks/alerts/novelty.ts';
import { normaliseText, payloadShape } from '../../../../src/sinks/alerts/payload-shape.ts';
import { defang, escapeBytes, slackAlert, slackDigest, webhookAlert, WEBHOOK_SCHEMA_VERSION } from '../../../../src/sinks/alerts/render.ts';
import { Digest } from '../../../../src/sinks/alerts/digest.ts';
import { LABEL, makeRecord } from '../../../helpers/records.ts';

const http = (host: string, path = '/w00tw00t.at.blackhats.romanian.anti-sec:)', extra = '') =>
  Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ZmEu\r\n${extra}\r\n`);

test('one shape for the same request to different targets, with different numbers, nonces and tokens', () => {
  const a = payloadShape(http('192.0.2.50:8080', '/index.php?id=1&t=1712345678', 'Cookie: sid=abc\r\nX-Nonce: 9f86d081884c7d65\r\n'))!;
  const b = payloadShape(http('example.org', '/index.php?id=42&t=1799999999', 'Cookie: sid=zzzzzz\r\nX-Nonce: 2c26b46b68ffc68f\r\n'))!;
  const c = payloadShape(http('[2001:db8::1]:80', '/index.php?id=7&t=1', 'Cookie: x\r\nX-Nonce: aaaaaaaabbbbbbbb\r\n'))!;
  assert.equal(a.kind, 'text');
  assert.match(a.hash, /^[0-9a-f]{16}$/);
  assert.equal(a.hash, b.hash);
  assert.equal(a.hash, c.hash);
  // what a tool does differently is a different shape
  assert.notEqual(payloadShape(http('x', '/phpmyadmin/'))!.hash, payloadShape(http('x', '/wp-login.php'))!.hash);
  assert.notEqual(payloadShape(Buffer.from('GET / HTTP/1.1\r\nUser-Agent: curl/8.0\r\n\r\n'))!.hash,
    payloadShape(Buffer.from('GET / HTTP/1.1\r\nUser-Agent: masscan/1.3\r\n\r\n'))!.hash);
  assert.equal(normaliseText(Buffer.from('Host: 10.1.2.3:8080\r\nX: 10.1.2.3 port 8080 id 0xdeadbeef00\r\n')),
    'host: *\r\nx: <ip> port 0 id <hex>\r\n');
  assert.equal(payloadShape(new Uint8Array(0)), undefined, 'a bare SYN has no shape');
});

test('binary payloads: TLS by JA4 (random bytes ignored), others by magic bytes and size class', () => {
  const hello = (rnd: number) => Uint8Array.from([0x16, 0x03, 0x01, 0x00, 0xf0, 0x01, ...Array.from({ length: 200 }, (_, i) => (i * rnd) & 0xff)]);
  const facts = { app: 'tls', tls: { ja4: 't13d1516h2_8daaf6152771_02713d6af862' } };
  assert.equal(payloadShape(hello(7), facts)!.hash, payloadShape(hello(13), facts)!.hash);
  assert.equal(payloadShape(hello(7), facts)!.kind, 'tls');
  assert.notEqual(payloadShape(hello(7), facts)!.hash, payloadShape(hello(7), { tls: { ja4: 't12d0000' } })!.hash);
  const bin = (len: number, b0: number) => Uint8Array.from({ length: len }, (_, i) => (i < 4 ? b0 + i : (i * 131) & 0xff));
  assert.equal(payloadShape(bin(300, 0x80))!.hash, payloadShape(bin(400, 0x80))!.hash, 'same magic, same power of two');
  assert.notEqual(payloadShape(bin(300, 0x80))!.hash, payloadShape(bin(600, 0x80))!.hash);
  assert.notEqual(payloadShape(bin(300, 0x80))!.hash, payloadShape(bin(300, 0x90))!.hash);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (b) => {
    const s = payloadShape(b);
    assert.ok(b.length === 0 ? s === undefined : /^[0-9a-f]{16}$/.test(s!.hash));
  }));
});

test('novelty: new once per window (last-seen), bounded by an LRU cap', () => {
  const n = new NoveltyWindow(1000, 3);
  assert.equal(n.touch('a', 0), true);
  assert.equal(n.touch('a', 500), false);
  assert.equal(n.touch('a', 1400), false, 'seen 900 ms ago: still within the window');
  assert.equal(n.touch('a', 2401), true, 'quiet for longer than the window');
  n.touch('b', 2500);
  n.touch('c', 2600);
  n.touch('d', 2700); // evicts the least recently seen: a
  assert.equal(n.size, 3);
  assert.equal(n.evictions, 1);
  assert.equal(n.touch('b', 2800), false);
  assert.equal(n.touch('a', 2800), true, 'evicted keys alert again');
});

const HOSTILE = Buffer.concat([
  Buffer.from('POST /cgi-bin/x HTTP/1.1\r\nHost: <!channel> @here @everyone <@U123> <http://evil.example/|click me>\r\n'),
  Buffer.from('X: ``` closes the block? `inline` & &amp; > < https://evil.example/p?q=1 ftp://f.example/\r\n\r\n'),
  Buffer.from([0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x07, 0x7f, 0xff, 0xe2, 0x80, 0xae, 0x5c]),
]);

test('Slack: hostile payload bytes are escaped, defanged, truncated; no mention, no link, no unfurl', () => {
  const { record, payload } = makeRecord({ payload: Buffer.concat([HOSTILE, Buffer.alloc(2000, 0x41)]), labels: [LABEL] });
  (record as { facts?: unknown }).facts = { app: 'http', http: { method: 'POST', path: '/cgi-bin/`x`<!here>', user_agent: 'Mozilla http://ua.example @channel' } };
  const msg = slackAlert({ record, payload, shape: payloadShape(payload), reasons: [{ kind: 'new_label', label: LABEL }] });
  assert.equal(msg.unfurl_links, false);
  assert.equal(msg.unfurl_media, false);
  const text = String(msg.text);
  // nothing but printable ASCII, newlines and a few of our own typographic characters
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    assert.ok((c >= 0x20 && c < 0x7f) || c === 0x0a || ['→', '·', '…', 'ˋ', '\u200b'].includes(ch), `unexpected character U+${c.toString(16)}`);
  }
  assert.ok(!/[<>]/.test(text), 'no unescaped < or > (Slack control characters)');
  assert.ok(!/&(?!amp;|lt;|gt;)/.test(text), 'every & is an entity');
  assert.ok(!/@(channel|here|everyone)/.test(text), 'no mention survives');
  assert.ok(!/https?:\/\/|ftp:\/\//i.test(text), 'no URL survives');
  assert.match(text, /hxxps:\/\/evil\.example/);
  assert.match(text, /\\x00\\x1b\[31m\\x07\\x7f\\xff/, 'control bytes shown as escapes');
  assert.match(text, /\\r\\n/);
  assert.equal(text.split('```').length - 1, 2, 'exactly one code block: the payload cannot close it');
  assert.match(text, /first 400 of \d+ bytes/);
  assert.match(text, /ZmEu Scanner Detection/);
  assert.ok(text.length < 4000);
});

test('generic webhook: versioned JSON with the record, its labels and the reasons; big payloads cut', () => {
  const { record, payload } = makeRecord({ payload: Buffer.alloc(20_000, 0x42), labels: [LABEL] });
  const shape = payloadShape(payload)!;
  const body = webhookAlert({ record, payload, shape, reasons: [{ kind: 'new_shape', shape }] }, Date.parse('2030-01-01T00:00:02Z'));
  const round = JSON.parse(JSON.stringify(body)) as Record<string, any>;
  assert.equal(round.version, WEBHOOK_SCHEMA_VERSION);
  assert.equal(round.type, 'alert');
  assert.equal(round.sent_at, '2030-01-01T00:00:02.000Z');
  assert.deepEqual(round.labels, [LABEL]);
  assert.deepEqual(round.reasons, [{ kind: 'new_shape', shape: shape.hash, shape_kind: 'text' }]);
  assert.equal(round.record.flow_id, record.flow_id);
  assert.equal(round.record.payload_len, 20_000);
  assert.equal(Buffer.from(round.record.payload, 'base64').length, 16 * 1024);
  assert.equal(round.payload_truncated, true);
});

test('digest: counts per label, shape and port; capped tables; Slack rendering is escaped too', () => {
  const d = new Digest(0);
  for (let i = 0; i < 30; i++) {
    const { record, payload } = makeRecord({ src: `203.0.113.${i}`, payload: http(`h${i}`, '/x?<!channel>'), labels: [LABEL], port: i < 20 ? 80 : 8080 });
    d.add(record, payload, payloadShape(payload), i < 25 ? 'seen_before' : 'rate_limited');
  }
  const { record } = makeRecord({ port: 22 });
  d.add(record, new Uint8Array(0), undefined, 'seen_before');
  d.noteDropped(2);
  const snap = d.take(3_600_000);
  assert.equal(snap.records, 31);
  assert.deepEqual(snap.notAlerted, { seen_before: 26, rate_limited: 5 });
  assert.deepEqual(snap.labels, [{ id: 'sb-1003', name: 'ZmEu Scanner Detection', count: 30 }]);
  assert.equal(snap.shapes.length, 1);
  assert.equal(snap.shapes[0]!.count, 30);
  assert.deepEqual(snap.ports, [{ proto: 'tcp', port: 80, count: 20 }, { proto: 'tcp', port: 8080, count: 10 }, { proto: 'tcp', port: 22, count: 1 }]);
  assert.equal(snap.empty, 1);
  assert.equal(snap.dropped, 2);
  assert.ok(d.isEmpty, 'take() starts afresh');
  const text = String(slackDigest(snap, 'unit').text);
  assert.ok(!/[<>]/.test(text));
  assert.ok(!/@channel/.test(text));
  assert.match(text, /30 × \*ZmEu Scanner Detection\*/);
  assert.match(text, /tcp\/80 × 20/);
});

test('escapeBytes and defang', () => {
  assert.equal(escapeBytes(Buffer.from('a\\b\r\n\tc\x00'), 100), 'a\\\\b\\r\\n\n\\tc\\x00');
  assert.equal(escapeBytes(Buffer.from('abcdef'), 3), 'abc');
  assert.equal(defang('see http://a.b/ and HTTPS://c.d and ftp://e and ssh://f @here'), 'see hxxp://a.b/ and HXXPS://c.d and fxp://e and ssh[:]//f @\u200bhere');
});
