// Payloads built to hit the classifier's worst cases: they pass many prefilters and stress every decoder
// (shared by classify-fuzz.test.ts and test/bench/classify-bench.ts).
import { Buffer } from 'node:buffer';
import { INSPECT_LIMIT } from '../../../src/classify/index.ts';

const fill = (head: string, unit: string, tail = '') => {
  const room = INSPECT_LIMIT - head.length - tail.length;
  return Buffer.from(head + unit.repeat(Math.max(0, Math.floor(room / unit.length))) + tail, 'latin1');
};

export function adversarialPayloads(): [string, Buffer][] {
  return [
    ['8 KiB of one byte', Buffer.alloc(INSPECT_LIMIT, 0x61)],
    ['8 KiB of percent signs in a URI', fill('GET /', '%', ' HTTP/1.1\r\n\r\n')],
    ['double-encoded escapes (%252e) in a URI', fill('GET /cgi-bin/', '%252e%', ' HTTP/1.1\r\n\r\n')],
    ['one huge header line', fill('GET / HTTP/1.1\r\nX-Long: ', 'A', '\r\n\r\n')],
    ['many tiny headers', fill('GET / HTTP/1.1\r\n', 'a:b\r\n', '\r\n')],
    ['nested ${ lookups (log4j prefilter bait)', fill('GET / HTTP/1.1\r\nX: ', '${', '\r\n\r\n')],
    ['${jndi-ish near misses', fill('GET / HTTP/1.1\r\nX: ', '${${lowe', '\r\n\r\n')],
    ['wget/bins near misses (Mirai regex bait)', fill('GET /shell?', 'wget /bins/', ' HTTP/1.1\r\n\r\n')],
    ['NewInternalClient repeated (Realtek regex bait)', fill('POST /picsdesc.xml HTTP/1.1\r\nSOAPAction: AddPortMapping\r\n\r\n', '<NewInternalClient>aaaa')],
    ['njRAT separator flood', fill('123\x00ll', "|'|'|")],
    ['Gh0st-like header then noise', fill('Gh0st\x00\x01\x00\x00\x00\x01\x00\x00x\x9c', 'x\x9c')],
    ['TLS record header with a huge declared hello', Buffer.concat([Buffer.from([0x16, 3, 1, 0xff, 0xff, 1, 0xff, 0xff, 0xff]), Buffer.alloc(INSPECT_LIMIT - 9, 0x0a)])],
    ['TLS records of one byte each', Buffer.concat(Array.from({ length: INSPECT_LIMIT / 6 }, () => Buffer.from([0x16, 3, 1, 0, 1, 1])))],
    ['RPC record marks of 4 bytes each', Buffer.concat(Array.from({ length: INSPECT_LIMIT / 8 }, () => Buffer.from([0, 0, 0, 4, 0, 0, 0, 0])))],
    ['SMB1 negotiate with thousands of dialects', Buffer.concat([Buffer.from('\x00\x00\x1f\xf0\xffSMBr' + '\x00'.repeat(27) + '\x00\xff\xff', 'latin1'), Buffer.from('\x02A\x00'.repeat(2700), 'latin1')])],
    ['DNS with a compression pointer chain', Buffer.concat([Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from(Array.from({ length: 4000 }, (_, i) => [0xc0, 12 + ((i + 1) * 2) % 4000]).flat())])],
    ['traversal segments', fill('GET /', '../', ' HTTP/1.1\r\n\r\n')],
    ['$IFS near misses (IFS regex bait)', fill('GET /?a=', '$IFSx%24IFS', ' HTTP/1.1\r\n\r\n')],
    ['DOCTYPE without external id (XXE regex bait)', fill('POST /x HTTP/1.1\r\nContent-Type: application/xml\r\n\r\n', '<!DOCTYPE a ')],
    ['busybox lower-case applets (Mirai canary bait)', fill('', '/bin/busybox ps;')],
    ['wget then bins.sh far apart (loader regex bait)', fill('GET /?x=wget', ' ', 'bins.sh HTTP/1.1\r\n\r\n')],
    ['peerPin flood (Realtek formWsc bait)', fill('POST /boafrm/formWsc HTTP/1.1\r\n\r\n', 'peerPin=1234&')],
    ['ping_size flood (Reaper apply.cgi bait)', fill('POST /apply.cgi HTTP/1.1\r\n\r\n', 'ping_size=1234')],
    ['njRAT check-in with no recurring splitter', fill('8100\x00ll', 'abcdefghijklmnopq')],
    ['njRAT check-in of one repeated byte', fill('8100\x00ll', '|')],
    ['request line of spaces before the protocol', fill('GET /', ' ', 'x HTTP/1.1\r\n\r\n')],
    ['random bytes', Buffer.from(Array.from({ length: INSPECT_LIMIT }, (_, i) => (i * 2654435761) >>> 24))],
  ];
}
