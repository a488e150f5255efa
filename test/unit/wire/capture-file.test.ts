// Capture-file decoders: pcap in both byte orders and both timestamp units, pcapng sections/interfaces/packet
// blocks with timestamp resolutions, any split of the bytes, malformed tables with their reason codes, link types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createCaptureState, decodeCaptureStep, linkPayload, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW, type CapturePacket, type CaptureReason,
} from '../../../src/wire/capture-file.ts';

interface Pkt { ts: number; data: Buffer }

function pcap(pkts: Pkt[], o: { le?: boolean; nanos?: boolean; linkType?: number; version?: number } = {}): Buffer {
  const le = o.le ?? true;
  const w32 = (b: Buffer, v: number, at: number) => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  const h = Buffer.alloc(24);
  w32(h, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  if (le) { h.writeUInt16LE(o.version ?? 2, 4); h.writeUInt16LE(4, 6); } else { h.writeUInt16BE(o.version ?? 2, 4); h.writeUInt16BE(4, 6); }
  w32(h, 65535, 16);
  w32(h, o.linkType ?? LINKTYPE_ETHERNET, 20);
  const recs = pkts.map((p) => {
    const r = Buffer.alloc(16);
    const sec = Math.floor(p.ts / 1000);
    w32(r, sec, 0);
    w32(r, Math.round((p.ts - sec * 1000) * (o.nanos ? 1e6 : 1e3)), 4);
    w32(r, p.data.length, 8);
    w32(r, p.data.length + 5, 12);
    return Buffer.concat([r, p.data]);
  });
  return Buffer.concat([h, ...recs]);
}

function block(type: number, body: Buffer, le = true): Buffer {
  const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
  const total = 12 + body.length + pad.length;
  const b = Buffer.alloc(total);
  if (le) { b.writeUInt32LE(type, 0); b.writeUInt32LE(total, 4); b.writeUInt32LE(total, total - 4); } else { b.writeUInt32BE(type, 0); b.writeUInt32BE(total, 4); b.writeUInt32BE(total, total - 4); }
  body.copy(b, 8);
  return b;
}

function shb(le = true): Buffer {
  const body = Buffer.alloc(16);
  if (le) { body.writeUInt32LE(0x1a2b3c4d, 0); body.writeUInt16LE(1, 4); } else { body.writeUInt32BE(0x1a2b3c4d, 0); body.writeUInt16BE(1, 4); }
  body.fill(0xff, 8, 16); // section length unknown
  return block(0x0a0d0d0a, body, le);
}

function idb(linkType: number, tsresol?: number, le = true): Buffer {
  const opts = tsresol === undefined ? Buffer.alloc(0) : Buffer.from([...(le ? [9, 0, 1, 0] : [0, 9, 0, 1]), tsresol, 0, 0, 0, 0, 0, 0, 0]);
  const body = Buffer.alloc(8 + opts.length);
  if (le) { body.writeUInt16LE(linkType, 0); body.writeUInt32LE(65535, 4); } else { body.writeUInt16BE(linkType, 0); body.writeUInt32BE(65535, 4); }
  opts.copy(body, 8);
  return block(1, body, le);
}

function epb(ifId: number, units: bigint, data: Buffer, le = true): Buffer {
  const body = Buffer.alloc(20 + data.length);
  const w = (v: number, at: number) => (le ? body.writeUInt32LE(v >>> 0, at) : body.writeUInt32BE(v >>> 0, at));
  w(ifId, 0);
  w(Number(units >> 32n), 4);
  w(Number(units & 0xffffffffn), 8);
  w(data.length, 12);
  w(data.length, 16);
  data.copy(body, 20);
  return block(6, body, le);
}

/** Decodes a whole buffer fed in the given chunk sizes, as the reader does (carrying what needs more). */
function decodeAll(file: Buffer, chunks: number[] = [file.length]): { packets: (CapturePacket & { data: Buffer })[]; error?: CaptureReason } {
  const state = createCaptureState();
  const packets: (CapturePacket & { data: Buffer })[] = [];
  let carry = Buffer.alloc(0);
  let pos = 0;
  for (let i = 0; pos < file.length; i++) {
    const n = chunks[i % chunks.length]!;
    const buf = Buffer.concat([carry, file.subarray(pos, pos + n)]);
    pos += n;
    let off = 0;
    for (;;) {
      const r = decodeCaptureStep(buf, off, buf.length, state);
      if (!r.ok) {
        if (r.reason === 'capture.need_more') break;
        return { packets, error: r.reason };
      }
      if (r.value.packet) packets.push({ ...r.value.packet, data: Buffer.from(buf.subarray(r.value.packet.dataOff, r.value.packet.dataOff + r.value.packet.dataLen)) });
      off = r.value.next;
    }
    carry = buf.subarray(off);
  }
  return { packets, ...(carry.length > 0 ? { error: 'capture.need_more' as const } : {}) };
}

const P = [{ ts: 1_764_000_000_123.5, data: Buffer.from('first frame bytes') }, { ts: 1_764_000_001_000, data: Buffer.alloc(1500, 7) }];

test('pcap: both byte orders, microsecond and nanosecond timestamps, the file\'s link type', () => {
  for (const le of [true, false]) {
    for (const nanos of [false, true]) {
      const { packets, error } = decodeAll(pcap(P, { le, nanos, linkType: LINKTYPE_LINUX_SLL }));
      assert.equal(error, undefined);
      assert.equal(packets.length, 2);
      assert.ok(Math.abs(packets[0]!.tsMs - P[0]!.ts) < 0.01, `${le} ${nanos}: ${packets[0]!.tsMs}`);
      assert.deepEqual(packets[1]!.data, P[1]!.data);
      assert.equal(packets[0]!.linkType, LINKTYPE_LINUX_SLL);
      assert.equal(packets[0]!.origLen, P[0]!.data.length + 5);
    }
  }
});

test('pcapng: sections, interfaces with their link types and timestamp resolutions, EPB, SPB, skipped blocks', () => {
  const other = block(0x0bad, Buffer.from('custom block, skipped'));
  const spbBody = Buffer.alloc(4 + 10);
  spbBody.writeUInt32LE(10, 0);
  const file = Buffer.concat([
    shb(), idb(LINKTYPE_ETHERNET), idb(LINKTYPE_RAW, 9), other,
    epb(0, 1_764_000_000_123_456n, P[0]!.data), // microseconds (default resolution)
    epb(1, 1_764_000_000_123_456_789n, P[1]!.data), // nanoseconds (if_tsresol 9)
    block(3, spbBody),
    shb(false), idb(LINKTYPE_LINUX_SLL2, undefined, false), epb(0, 5_000_000n, Buffer.from('big endian'), false),
  ]);
  const { packets, error } = decodeAll(file);
  assert.equal(error, undefined);
  assert.deepEqual(packets.map((p) => p.linkType), [LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2]);
  assert.ok(Math.abs(packets[0]!.tsMs - 1_764_000_000_123.456) < 0.001);
  assert.ok(Math.abs(packets[1]!.tsMs - 1_764_000_000_123.456789) < 0.01);
  assert.equal(packets[2]!.dataLen, 10);
  assert.equal(packets[3]!.tsMs, 5000);
  assert.equal(packets[3]!.data.toString(), 'big endian');
});

test('any split of the bytes gives the same packets (the reader carries what needs more)', () => {
  const files = [pcap(P), pcap(P, { le: false, nanos: true }), Buffer.concat([shb(), idb(1), epb(0, 1n, P[0]!.data), epb(0, 2n, P[1]!.data)])];
  fc.assert(fc.property(fc.constantFrom(...files), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), (file, chunks) => {
    const whole = decodeAll(file);
    const split = decodeAll(file, chunks);
    assert.deepEqual(split.packets.map((p) => p.data), whole.packets.map((p) => p.data));
    assert.equal(split.error, undefined);
  }), { numRuns: 300 });
});

test('malformed files fail with their reason; a truncated record needs more bytes (the reader calls it truncated)', () => {
  const good = pcap(P);
  const tooLarge = Buffer.from(good);
  tooLarge.writeUInt32LE(0x7fffffff, 24 + 8);
  const badTrailer = Buffer.concat([shb(), idb(1)]);
  badTrailer.writeUInt32LE(999, badTrailer.length - 4);
  const cases: [string, Buffer, CaptureReason][] = [
    ['unknown magic', Buffer.from('GET / HTTP/1.1\r\n\r\n'), 'capture.unknown_format'],
    ['pcap version 3', pcap(P, { version: 3 }), 'pcap.bad_version'],
    ['a record length of 2 GB', tooLarge, 'pcap.record_too_large'],
    ['truncated record', good.subarray(0, good.length - 3), 'capture.need_more'],
    ['bad byte-order magic', (() => { const b = shb(); b.writeUInt32LE(0x12345678, 8); return b; })(), 'pcapng.bad_byte_order'],
    ['trailer length differs', badTrailer, 'pcapng.bad_block_length'],
    ['block length not a multiple of 4', (() => { const b = Buffer.concat([shb(), idb(1)]); b.writeUInt32LE(30, shb().length + 4); return b; })(), 'pcapng.bad_block_length'],
    ['packet for an undescribed interface', Buffer.concat([shb(), idb(1), epb(3, 1n, P[0]!.data)]), 'pcapng.unknown_interface'],
    ['packet longer than its block', (() => { const e = epb(0, 1n, P[0]!.data); e.writeUInt32LE(9999, 8 + 12); return Buffer.concat([shb(), idb(1), e]); })(), 'pcapng.bad_packet_length'],
  ];
  for (const [what, file, reason] of cases) assert.equal(decodeAll(file).error, reason, what);
  // a pcapng that starts with a packet block, no section header: not a capture we know
  assert.equal(decodeAll(Buffer.concat([idb(1)])).error, 'capture.unknown_format');
});

test('decoding never throws and never reads outside the bytes given', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, asPcapng) => {
    const head = asPcapng ? shb() : pcap([]);
    const buf = Buffer.concat([head, Buffer.from(bytes)]);
    const state = createCaptureState();
    let off = 0;
    for (let i = 0; i < 1000; i++) {
      const r = decodeCaptureStep(buf, off, buf.length, state);
      if (!r.ok) break;
      if (r.value.packet) assert.ok(r.value.packet.dataOff + r.value.packet.dataLen <= buf.length);
      assert.ok(r.value.next > off && r.value.next <= buf.length);
      off = r.value.next;
    }
  }), { numRuns: 2000 });
});

test('link types: where the IP packet starts, and its EtherType', () => {
  const ip4 = Buffer.from([0x45, 0, 0, 20]);
  const ip6 = Buffer.from([0x60, 0, 0, 0]);
  const sll = Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x86, 0xdd]), ip6]);
  assert.deepEqual(linkPayload(LINKTYPE_LINUX_SLL, sll, 0, sll.length), { ipOff: 16, etherType: 0x86dd });
  const sll2 = Buffer.concat([Buffer.from([0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0]), ip4]);
  assert.deepEqual(linkPayload(LINKTYPE_LINUX_SLL2, sll2, 0, sll2.length), { ipOff: 20, etherType: 0x0800 });
  assert.deepEqual(linkPayload(LINKTYPE_RAW, ip6, 0, ip6.length), { ipOff: 0, etherType: 0x86dd });
  assert.deepEqual(linkPayload(LINKTYPE_NULL, Buffer.concat([Buffer.from([2, 0, 0, 0]), ip4]), 0, 8), { ipOff: 4, etherType: 0x0800 });
  assert.deepEqual(linkPayload(LINKTYPE_LOOP, Buffer.concat([Buffer.from([0, 0, 0, 30]), ip6]), 0, 8), { ipOff: 4, etherType: 0x86dd });
  assert.equal(linkPayload(LINKTYPE_LINUX_SLL, sll, 0, 10), null, 'too short for its header');
  assert.equal(linkPayload(147, sll, 0, sll.length), null, 'a link type we do not read');
});
