// A responder with --greet ports, driven like the real one (every frame through one shared buffer that is
// overwritten afterwards), with a fake Device, and a client that speaks TCP to it: handshake, data, ACKs of what
// it received. Time only moves when the test says so.

import { Responder, type ResponderConfig } from '../../src/flow/responder.ts';
import { GreetPorts, type GreetPortRange } from '../../src/flow/greet-ports.ts';
import { compileTargets } from '../../src/flow/targets.ts';
import { DEFAULT_TEXTS } from '../../src/dialogue/texts.ts';
import type { FinishedFlow } from '../../src/record/finished-flow.ts';
import { parseCidr } from '../../src/wire/address.ts';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, type TcpOption } from '../../src/wire/tcp.ts';
import { FakeDevice } from './fake-device.ts';
import { decodeReply, LINUX_SYN_OPTIONS, tcpFrame, type DecodedReply } from './frames.ts';

export const T0 = 1_800_000_000_000;

export { FakeDevice };

export interface Segment extends DecodedReply {
  readonly data: Buffer;
}

export const segmentOf = (frame: Buffer): Segment => {
  const d = decodeReply(frame);
  return { ...d, data: frame.subarray(frame.length - d.payloadLen) };
};

export const DEFAULT_GREET: readonly GreetPortRange[] = [
  { from: 23, to: 23, protocol: 'telnet' }, { from: 2323, to: 2323, protocol: 'telnet' }, { from: 2222, to: 2222, protocol: 'ssh' },
  { from: 21, to: 21, protocol: 'ftp' }, { from: 25, to: 25, protocol: 'smtp' }, { from: 110, to: 110, protocol: 'pop3' },
  { from: 143, to: 143, protocol: 'imap' }, { from: 5900, to: 5900, protocol: 'vnc' }, { from: 3306, to: 3306, protocol: 'mysql' },
];

export function greetSetup(over: Partial<ResponderConfig> = {}, ports: readonly GreetPortRange[] = DEFAULT_GREET) {
  const device = new FakeDevice();
  const flows: FinishedFlow[] = [];
  const r = new Responder({
    targets: compileTargets([parseCidr('198.18.0.0/24')!, parseCidr('fd5b::/64')!], [{ from: 22, to: 22 }]),
    secret: Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1),
    flowTimeoutMs: 5000, maxPayload: 65536, maxPendingSyns: 1024, maxFlows: 1000, maxBufferedBytes: 64 * 1024 * 1024,
    synRatePerDest: 0, synBurstPerDest: 1, synRateGlobal: 0, synBurstGlobal: 1, mtu: 1500, keepFrames: false,
    device, emit: (f) => flows.push(f), nowMs: T0,
    greet: { ports: new GreetPorts(ports), texts: DEFAULT_TEXTS, maxAttempts: 3, seedKey: Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2) },
    ...over,
  });
  const shared = Buffer.alloc(65600);
  const feed = (frame: Buffer, now: number) => {
    frame.copy(shared);
    r.onFrame(shared, frame.length, now);
    shared.fill(0xee);
  };
  return { r, device, flows, feed };
}

export type GreetHarness = ReturnType<typeof greetSetup>;

export interface ClientSpec {
  src?: string;
  dst?: string;
  sport?: number;
  dport: number;
  /** SYN options (default: Linux's, MSS 1460, timestamps, window scale 7). */
  synOptions?: TcpOption[];
  /** The window field of the client's segments (default 502, i.e. 64 KiB at scale 7). */
  window?: number;
  /** Delay between SYN and handshake ACK (the measured round trip). */
  rttMs?: number;
  /** Segments carry timestamps (as Linux's do). */
  timestamps?: boolean;
}

/** A TCP client of the harness: tracks what it received and ACKs it. */
export class Client {
  readonly h: GreetHarness;
  readonly spec: Required<Omit<ClientSpec, 'synOptions'>> & { synOptions: TcpOption[] };
  seq = 1000;
  /** The next byte expected from the server (its ISN + 1 after the handshake). */
  rcvNxt = 0;
  ours = 0;
  received = Buffer.alloc(0);
  now: number;

  constructor(h: GreetHarness, spec: ClientSpec, now = T0) {
    this.h = h;
    this.spec = {
      src: '203.0.113.9', dst: '198.18.0.1', sport: 40000, window: 502, rttMs: 20, timestamps: true,
      synOptions: LINUX_SYN_OPTIONS(77), ...spec,
    };
    this.now = now;
  }

  #ep() {
    const s = this.spec;
    return { src: s.src, dst: s.dst, sport: s.sport, dport: s.dport };
  }

  #opts(): TcpOption[] {
    return this.spec.timestamps ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', value: Math.floor(this.now) % 1e9, echo: 5 }] : [];
  }

  /** SYN, then (after rttMs) the ACK; returns what the server sent in answer to the ACK. */
  connect(): Segment[] {
    this.h.feed(tcpFrame({ ...this.#ep(), seq: this.seq, flags: TCP_SYN, options: this.spec.synOptions }), this.now);
    const [synAck] = this.h.device.take();
    if (!synAck) throw new Error('no SYN-ACK');
    this.ours = decodeReply(synAck).tcp.seq;
    this.rcvNxt = (this.ours + 1) >>> 0;
    this.seq++;
    this.now += this.spec.rttMs;
    return this.ack();
  }

  /** A segment (data and/or FIN) with our ACK of everything received so far; returns what came back. */
  send(data: string | Uint8Array = '', extra = 0, window = this.spec.window): Segment[] {
    const payload = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    const flags = TCP_ACK | (payload.length > 0 ? TCP_PSH : 0) | extra;
    this.h.feed(tcpFrame({ ...this.#ep(), seq: this.seq, ack: this.rcvNxt, flags, window, options: this.#opts(), payload }), this.now);
    this.seq = (this.seq + payload.length + ((extra & TCP_FIN) !== 0 ? 1 : 0)) >>> 0;
    return this.take();
  }

  ack(window = this.spec.window): Segment[] {
    return this.send('', 0, window);
  }

  /** What the server sent since the last look, taken in: in-order data advances rcvNxt (no ACK sent). */
  take(): Segment[] {
    const segs = this.h.device.take().map(segmentOf);
    for (const s of segs) this.absorb(s);
    return segs;
  }

  absorb(s: Segment): void {
    if (s.tcp.seq === this.rcvNxt && s.data.length > 0) {
      this.received = Buffer.concat([this.received, s.data]);
      this.rcvNxt = (this.rcvNxt + s.data.length) >>> 0;
    }
    if ((s.tcp.flags & TCP_FIN) !== 0 && ((s.tcp.seq + s.data.length) >>> 0) === this.rcvNxt) this.rcvNxt = (this.rcvNxt + 1) >>> 0;
  }

  /** Advances time and runs the responder's timers. */
  wait(ms: number): Segment[] {
    this.now += ms;
    this.h.r.tick(this.now);
    return this.h.device.take().map(segmentOf);
  }
}
