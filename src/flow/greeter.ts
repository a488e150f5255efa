// Server-first protocols in the sans-IO responder: on a greeted port, a completed handshake (never a bare SYN, so
// nothing here can be aimed at a spoofed victim) gets a dialogue (src/dialogue/) whose words we send as data
// segments. They carry our sequence numbers from the SYN cookie on (RFC 9293 3.4), stay within the client's
// window and MSS, start with at most 10 segments in flight (RFC 6928), and are retransmitted on a timer (RFC 6298:
// the first RTO from the handshake's round trip, doubled per try, at most MAX_RETRIES tries) until ACKed; a
// closed window is probed on the same timer (RFC 9293 3.8.6.1). Each segment spends a token from the same
// per-destination and global budgets as our SYN-ACKs. When the dialogue ends, a FIN follows its last byte.

import { createDialogue } from '../dialogue/create-dialogue.ts';
import type { GreetingTexts } from '../dialogue/texts.ts';
import type { GreetProtocol } from '../record/dialogue.ts';
import { createFrameView, type FrameView, parseFrame } from '../wire/frame-view.ts';
import { formatIp } from '../wire/address.ts';
import { copyBytes } from '../wire/bytes.ts';
import * as tcp from '../wire/tcp.ts';
import { buildDataSegment, SEGMENT_OVERHEAD } from './data-segment.ts';
import type { Device } from './device.ts';
import type { TcpFlow } from './flows.ts';
import { GreetCounters } from './greet-counters.ts';
import type { GreetPorts } from './greet-ports.ts';
import { Greeting } from './greeting.ts';
import { halfSipHash } from './halfsiphash.ts';
import { type ClientOptions, createClientOptions, OUR_WSCALE, readClientOptions } from './reply.ts';
import { TimerQueue } from './timer-queue.ts';
import type { BucketArray, TokenBucket } from './token-bucket.ts';

const { TCP_ACK, TCP_FIN, TCP_PSH } = tcp;

/** RFC 6298 2.1: the RTO before a round trip is measured. */
export const INITIAL_RTO_MS = 1000;
/** Linux's lower bound of the RTO (RFC 6298 says 1 s; Linux uses 200 ms, and so do we). */
export const MIN_RTO_MS = 200;
export const MAX_RTO_MS = 60_000;
/** Retransmissions of one segment before we give up (the flow then ends by its timeout). */
export const MAX_RETRIES = 5;
/** RFC 6928: the initial window, in segments; our data never needs more. */
const INITIAL_WINDOW_SEGMENTS = 10;
/** RFC 9293 3.7.1 default send MSS when the SYN carried none (or was not remembered): 536 (IPv4), 1220 (IPv6). */
const DEFAULT_MSS = { 4: 536, 6: 1220 } as const;
const TS_OPTION_BYTES = 12;

export interface GreeterConfig {
  readonly ports: GreetPorts;
  readonly texts: GreetingTexts;
  readonly maxAttempts: number;
  /** 8 random bytes keying the per-connection randomness (cookies, challenges); never the SYN-cookie key. */
  readonly seedKey: Uint8Array;
}

export interface GreeterDeps extends GreeterConfig {
  readonly device: Device;
  readonly mtu: number;
  readonly perDest: BucketArray;
  readonly global: TokenBucket;
  /** The per-destination bucket of the address at buf[off, off + addrLen). */
  readonly destHash: (buf: Uint8Array, off: number, addrLen: 4 | 16) => number;
  readonly tsNow: (nowMs: number) => number;
  readonly nextIpId: () => number;
}

/** What the client's SYN offered (from the pending-SYN table), -1 where unknown. */
export interface SynOffer {
  readonly mss: number;
  readonly wscale: number;
}

export class Greeter {
  readonly counters = new GreetCounters();
  readonly #d: GreeterDeps;
  readonly #timers = new TimerQueue<Greeting>();
  readonly #out: Uint8Array;
  readonly #opts: ClientOptions = createClientOptions();
  readonly #synView: FrameView = createFrameView();
  readonly #words = new Int32Array(12);
  readonly #k0: number;
  readonly #k1: number;

  constructor(deps: GreeterDeps) {
    this.#d = deps;
    this.#out = new Uint8Array(deps.mtu + SEGMENT_OVERHEAD);
    const k = new DataView(deps.seedKey.buffer, deps.seedKey.byteOffset, deps.seedKey.byteLength);
    this.#k0 = k.getInt32(0);
    this.#k1 = k.getInt32(4);
  }

  /** The protocol greeted on `port`, or undefined (one table read: this is on the flow-opening path). */
  protocolAt(port: number): GreetProtocol | undefined {
    return this.#d.ports.at(port);
  }

  /** The MSS and window scale a stored SYN frame offered (the pending-SYN table keeps its first 128 bytes). */
  synOffer(frame: Uint8Array): SynOffer | undefined {
    const v = this.#synView;
    if (parseFrame(frame, frame.length, v) !== 0) return undefined;
    const o = this.#opts;
    readClientOptions(frame, v, o);
    return { mss: o.mss, wscale: o.wscale };
  }

  /** Forgets every timer (shutdown: the flows are gone). */
  clear(): void {
    for (let t = this.#timers.peek(); t !== undefined; t = this.#timers.peek()) this.#timers.remove(t);
  }

  /** Greeted flows waiting for an ACK or a window. */
  get timersArmed(): number {
    return this.#timers.size;
  }

  /**
   * A handshake completed on a greeted port (buf/v: the client's ACK). The greeting is queued; it goes out with
   * the answer to this same segment (`onSegment`).
   */
  open(flow: TcpFlow, protocol: GreetProtocol, buf: Uint8Array, v: FrameView, syn: SynOffer | undefined, rttMs: number, nowMs: number): void {
    const o = this.#opts;
    readClientOptions(buf, v, o);
    const hdr = copyBytes(buf, 0, v.l4Off); // the capture's buffer is reused for the next frame
    const ipLen = v.ipVersion === 4 ? 20 : 40;
    const mss = Math.min(syn && syn.mss > 0 ? syn.mss : DEFAULT_MSS[v.ipVersion], this.#d.mtu - ipLen - 20) - (o.hasTs ? TS_OPTION_BYTES : 0);
    const dialogue = createDialogue(protocol, {
      texts: this.#d.texts, maxAttempts: this.#d.maxAttempts, seed: this.#seed(flow), peer: formatIp(hdr.subarray(v.srcOff, v.srcOff + v.addrLen)),
    });
    const g = new Greeting({
      flow, protocol, dialogue, hdr, base: flow.sndNxt, mss: Math.max(1, mss),
      ep: { linkLen: v.linkLen, ipVersion: v.ipVersion, srcOff: v.srcOff, dstOff: v.dstOff, srcPort: v.srcPort, dstPort: v.dstPort },
      wndShift: flow.windowScaled && syn && syn.wscale >= 0 ? Math.min(syn.wscale, 14) : 0,
      hasTs: o.hasTs, tsRecent: o.tsVal, window: v.window,
      rtoMs: rttMs >= 0 ? Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, 3 * rttMs)) : INITIAL_RTO_MS,
    });
    flow.greeting = g;
    flow.stream.tap = (b, off, len) => this.#clientData(g, b, off, len);
    dialogue.start(g.transcript);
    if (g.transcript.pauseAt >= 0 && g.transcript.pauseAt < g.transcript.length) g.holdUntil = nowMs + g.transcript.pauseMs;
    if (g.transcript.overflow) this.#end(g);
    this.counters.greeted[protocol]++;
  }

  /**
   * After the responder took in a segment of a greeted flow (its data already went to the dialogue through the
   * stream tap): the ACK and window it carries, then whatever there is to send. True when a segment went out (it
   * acknowledged the client's data too, so no separate ACK is needed).
   */
  onSegment(flow: TcpFlow, v: FrameView, o: ClientOptions, nowMs: number): boolean {
    const g = flow.greeting!;
    if (o.hasTs) g.tsRecent = o.tsVal;
    if ((v.flags & TCP_ACK) !== 0) {
      const ackOff = (v.ack - g.base) | 0;
      if (ackOff > g.sndUna && ackOff <= g.sndMax) {
        g.sndUna = ackOff;
        if (g.sndNxt < g.sndUna) g.sndNxt = g.sndUna;
        g.retries = 0;
        g.backoff = 0;
        this.#timers.remove(g);
      }
      // RFC 9293 3.10.7.4: the window of a segment that acknowledges nothing older than SND.UNA
      if (ackOff >= g.sndUna && ackOff <= g.sndMax) g.sndWnd = v.window * 2 ** g.wndShift;
    }
    return this.#transmit(g, nowMs);
  }

  /** Fires due timers, at most `budget`; true when more are due. */
  tick(nowMs: number, budget: number): boolean {
    for (let t = this.#timers.peek(); t !== undefined && t.deadline <= nowMs; t = this.#timers.peek()) {
      if (budget-- <= 0) return true;
      this.#timers.remove(t);
      this.#timeout(t, nowMs);
    }
    return false;
  }

  /** The flow left the tables: forget its timer. */
  detach(flow: TcpFlow): void {
    const g = flow.greeting;
    if (!g) return;
    this.#timers.remove(g);
    flow.stream.tap = undefined;
  }

  #clientData(g: Greeting, buf: Uint8Array, off: number, len: number): void {
    if (g.finQueued || g.flow.closed) return;
    g.transcript.beforeClient();
    const n = g.dialogue.feed(buf, off, len, g.transcript);
    g.clientLen += n;
    g.transcript.client(n);
    if (g.dialogue.ended || g.transcript.overflow) this.#end(g);
  }

  #end(g: Greeting): void {
    g.finQueued = true;
    this.counters.dialoguesEnded++;
  }

  /** Sends new segments while the window allows; arms the timer while something is unacknowledged or waiting. */
  #transmit(g: Greeting, nowMs: number): boolean {
    const limit = g.limit(nowMs);
    let sent = false;
    for (;;) {
      if (g.sndNxt < limit) {
        const room = Math.min(g.sndWnd, INITIAL_WINDOW_SEGMENTS * g.mss) - (g.sndNxt - g.sndUna);
        if (room <= 0 || !this.#segment(g, Math.min(limit - g.sndNxt, g.mss, room), nowMs)) break;
      } else if (g.finQueued && g.sndNxt === limit && limit === g.transcript.length) {
        if (!this.#segment(g, 0, nowMs)) break; // the FIN alone
      } else {
        break;
      }
      sent = true;
    }
    if (g.heapIndex < 0 && g.sndUna < g.end) {
      const at = nowMs + this.#rto(g);
      this.#timers.set(g, g.holdUntil > nowMs ? Math.min(at, g.holdUntil) : at);
    }
    return sent;
  }

  /** Go back to the oldest unacknowledged byte and send one segment (a 1-byte probe into a closed window). */
  #timeout(g: Greeting, nowMs: number): void {
    if (g.flow.closed || g.sndUna >= g.end) return;
    if (g.holdUntil !== 0 && nowMs >= g.holdUntil) {
      // the held part of the greeting is due: new data, not a retransmission
      this.#transmit(g, nowMs);
      return;
    }
    if (++g.retries > MAX_RETRIES) {
      this.counters.retransmitGiveUps++;
      return;
    }
    g.backoff++;
    g.sndNxt = g.sndUna;
    const dataLeft = g.limit(nowMs) - g.sndNxt;
    const len = dataLeft > 0 ? Math.min(dataLeft, g.mss, Math.max(1, Math.min(g.sndWnd, INITIAL_WINDOW_SEGMENTS * g.mss))) : 0;
    if (this.#segment(g, len, nowMs)) {
      g.retransmits++;
      this.counters.retransmissions++;
    }
    if (g.sndUna < g.end) this.#timers.set(g, nowMs + this.#rto(g));
  }

  #rto(g: Greeting): number {
    return Math.min(MAX_RTO_MS, g.rtoMs * 2 ** g.backoff);
  }

  /** One segment of `len` data bytes from sndNxt (with the FIN when it reaches the end); false when not sent. */
  #segment(g: Greeting, len: number, nowMs: number): boolean {
    const d = this.#d;
    const flow = g.flow;
    if ((d.perDest.enabled && !d.perDest.tryTake(d.destHash(g.hdr, g.ep.srcOff, g.ep.ipVersion === 4 ? 4 : 16), nowMs)) || !d.global.tryTake(nowMs)) {
      this.counters.rateLimited++;
      return false;
    }
    const fin = g.finQueued && g.sndNxt + len === g.transcript.length;
    const flags = TCP_ACK | (len > 0 ? TCP_PSH : 0) | (fin ? TCP_FIN : 0);
    const window = flow.windowScaled ? 65535 >> OUR_WSCALE : 65535;
    const ts = g.hasTs ? { tsVal: d.tsNow(nowMs), tsEcr: g.tsRecent } : null;
    const data = g.transcript.view(0, g.transcript.length);
    const n = buildDataSegment(g.hdr, g.ep, this.#out, (g.base + g.sndNxt) >>> 0, flow.stream.rcvNxt, flags, window, ts, d.nextIpId(), data, g.sndNxt, len);
    if (!d.device.send(this.#out, n)) {
      this.counters.sendErrors++;
      return false;
    }
    this.counters.dataSegmentsSent++;
    this.counters.dataBytesSent += len;
    flow.keepFrame(nowMs, this.#out, n);
    g.sndNxt += len + (fin ? 1 : 0);
    if (g.sndNxt > g.sndMax) g.sndMax = g.sndNxt;
    flow.sndNxt = (g.base + g.sndMax) >>> 0;
    return true;
  }

  /** 32 bytes unique to the connection: HalfSipHash of its tuple, its ISN and a counter, under our own key. */
  #seed(flow: TcpFlow): Uint8Array {
    const w = this.#words;
    const k = flow.key;
    let n = 0;
    for (let i = 0; i + 4 <= k.length; i += 4) w[n++] = (k[i]! << 24) | (k[i + 1]! << 16) | (k[i + 2]! << 8) | k[i + 3]!;
    w[n++] = flow.clientIsn | 0;
    const out = new Uint8Array(32);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) {
      w[n] = i;
      dv.setInt32(i * 4, halfSipHash(this.#k0, this.#k1, w, n + 1));
    }
    return out;
  }
}
