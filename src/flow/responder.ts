// The sans-IO responder (the shape of mscdex/ssh2's Protocol): decoded frames and the clock in, frames out through
// an injected Device, finished flows out through an injected `emit`. No timers, no sockets, no libpcap here.
//
// TCP: a SYN to a monitored address and port gets a SYN-ACK whose ISN is a keyed SYN cookie, so a SYN needs no
// state to be answered; it is only *remembered* (to record SYN-only attempts) in a fixed-size table. An ACK that
// acknowledges a cookie we could have issued opens a flow; its data is ACKed segment by segment and reassembled;
// FIN is answered with FIN-ACK, RST ends the flow, silence ends it after the flow timeout.
// UDP: datagrams are recorded per 4-tuple, never answered.

import type { CapturedFrame } from '../record/captured-frame.ts';
import type { EndReason } from '../record/flow-record.ts';
import * as frameView from '../wire/frame-view.ts';
import type { FrameView } from '../wire/frame-view.ts';
import * as ipv4 from '../wire/ipv4.ts';
import * as tcp from '../wire/tcp.ts';
import { ResponderCounters } from './counters.ts';
import type { Device } from './device.ts';
import * as finished from '../record/finished-flow.ts';
import type { FinishedFlow } from '../record/finished-flow.ts';
import { SynOnlyFlow } from '../record/syn-only-flow.ts';
import * as flows from './flows.ts';
import { Greeter, type GreeterConfig, type SynOffer } from './greeter.ts';
import * as hsip from './halfsiphash.ts';
import { PendingSyns } from './pending-syns.ts';
import * as reply from './reply.ts';
import type { Targets } from './targets.ts';
import { BucketArray, TokenBucket } from './token-bucket.ts';

// Imports used per packet are bound to module constants once: under tsx's CommonJS hooks (the launcher's choice
// on Node 20) every use of an imported binding is a getter call, which on the SYN path costs more than the work.
const { createFrameView, parseFrame } = frameView;
const { IPPROTO_TCP } = ipv4;
const { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } = tcp;
const { synFingerprint } = finished;
const { TcpFlow, UdpFlow, sameTuple, tupleKey } = flows;
type TcpFlow = flows.TcpFlow;
type UdpFlow = flows.UdpFlow;
const { halfSipHash } = hsip;
const { buildAck, buildSynAck, createClientOptions, MAX_REPLY_BYTES, OUR_WSCALE, readClientOptions } = reply;


/** Cookies are valid for the slot they were issued in and the next one: 64 to 128 seconds (like Linux). */
export const COOKIE_SLOT_MS = 64_000;
/** UDP datagrams the host itself sent are remembered this long, so their replies are not recorded as attacks. */
export const LOCAL_UDP_MEMORY_MS = 60_000;
const LOCAL_UDP_MAX = 4096;
/** Work done per `tick` call at most, so expiry never stalls capture for long. */
const MAX_EXPIRIES_PER_TICK = 4096;
const EMPTY = new Uint8Array(0);
/** Length of ResponderConfig.secret. */
export const SECRET_BYTES = 32;

export interface ResponderConfig {
  readonly targets: Targets;
  /**
   * 32 secret random bytes, in disjoint parts: [0, 8) the SYN cookie key, [8, 16) the table hash key, [16, 24) the
   * rate-limit hash key, [24, 28) the TCP timestamp offset, [28, 30) the first IPv4 ID. The last two are public
   * (they appear in our packets), so they never share a byte with a key.
   */
  readonly secret: Uint8Array;
  readonly flowTimeoutMs: number;
  readonly maxPayload: number;
  readonly maxPendingSyns: number;
  readonly maxFlows: number;
  readonly maxBufferedBytes: number;
  readonly synRatePerDest: number;
  readonly synBurstPerDest: number;
  readonly synRateGlobal: number;
  readonly synBurstGlobal: number;
  /** Device MTU; our MSS is derived from it. */
  readonly mtu: number;
  /** Keep each flow's frames for pcap archives. */
  readonly keepFrames: boolean;
  readonly device: Device;
  readonly emit: (flow: FinishedFlow) => void;
  /** Start time, ms since the epoch (seeds the rate limiters). */
  readonly nowMs: number;
  /** Server-first ports and what they say (--greet); undefined or no ports: every port is client-first. */
  readonly greet?: GreeterConfig;
}

export class Responder {
  readonly counters = new ResponderCounters();
  readonly #cfg: ResponderConfig;
  readonly #view: FrameView = createFrameView();
  readonly #opts = createClientOptions();
  readonly #out = new Uint8Array(MAX_REPLY_BYTES);
  readonly #words = new Int32Array(12);
  readonly #k: Int32Array; // [cookie0, cookie1, table0, table1, rate0, rate1]
  readonly #pending: PendingSyns;
  readonly #tcp = new Map<number, TcpFlow>();
  readonly #udp = new Map<number, UdpFlow>();
  readonly #localUdp = new Map<number, number>();
  readonly #perDest: BucketArray;
  readonly #global: TokenBucket;
  readonly #tsOffset: number;
  #ipId: number;
  #buffered = 0;
  readonly #greeter: Greeter | undefined;

  constructor(cfg: ResponderConfig) {
    if (cfg.secret.length < SECRET_BYTES) throw new RangeError(`secret must be at least ${SECRET_BYTES} bytes`);
    this.#cfg = cfg;
    const dv = new DataView(cfg.secret.buffer, cfg.secret.byteOffset, cfg.secret.byteLength);
    this.#k = new Int32Array([dv.getInt32(0), dv.getInt32(4), dv.getInt32(8), dv.getInt32(12), dv.getInt32(16), dv.getInt32(20)]);
    this.#pending = new PendingSyns(cfg.maxPendingSyns, cfg.keepFrames);
    this.#perDest = new BucketArray(cfg.synRatePerDest, cfg.synBurstPerDest);
    this.#global = new TokenBucket(cfg.synRateGlobal, cfg.synBurstGlobal, cfg.nowMs);
    this.#tsOffset = dv.getUint32(24);
    this.#ipId = dv.getUint16(28);
    this.#greeter = cfg.greet && !cfg.greet.ports.empty ? this.#createGreeter(cfg.greet) : undefined;
  }

  /** The greeter of --greet ports (its counters), or undefined. */
  get greeter(): Greeter | undefined {
    return this.#greeter;
  }

  get pendingSyns(): number {
    return this.#pending.size;
  }

  get openFlows(): number {
    return this.#tcp.size + this.#udp.size;
  }

  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** One captured frame buf[0, len). `captureTruncated`: the capture cut the frame short. */
  onFrame(buf: Uint8Array, len: number, nowMs: number, captureTruncated = false): void {
    const c = this.counters;
    c.framesReceived++;
    if (captureTruncated) {
      c.captureTruncated++;
      return;
    }
    const v = this.#view;
    const reason = parseFrame(buf, len, v);
    if (reason !== 0) {
      c.decodeFailures[reason]!++;
      return;
    }
    const t = this.#cfg.targets;
    if (!t.matchesAddress(buf, v.dstOff, v.addrLen)) {
      if (v.protocol !== IPPROTO_TCP && t.matchesAddress(buf, v.srcOff, v.addrLen)) this.#noteLocalUdp(buf, v, nowMs);
      else c.notTarget++;
      return;
    }
    if (t.isExcluded(v.dstPort)) {
      c.excludedPort++;
      return;
    }
    if (v.protocol === IPPROTO_TCP) this.#onTcp(buf, len, v, nowMs);
    else this.#onUdp(buf, len, v, nowMs);
  }

  /**
   * Ends flows whose timeout passed, at most `budget` of them (so the caller can slice the work between capture
   * callbacks). Returns true when the budget ran out before everything due was done: call again soon.
   */
  tick(nowMs: number, budget = MAX_EXPIRIES_PER_TICK): boolean {
    if (this.#greeter?.tick(nowMs, budget)) return true;
    const timeout = this.#cfg.flowTimeoutMs;
    const p = this.#pending;
    for (let id = p.oldest(); id !== -1; id = p.oldest()) {
      if (p.lastSeen(id) + timeout > nowMs) break;
      if (budget-- <= 0) return true;
      this.#finishPending(id, 'timeout');
    }
    for (const [key, f] of this.#tcp) {
      if (f.lastMs + timeout > nowMs) break;
      if (budget-- <= 0) return true;
      this.#tcp.delete(key);
      if (!f.closed) this.#finishTcp(f, 'timeout');
      this.#account(f, true);
    }
    for (const [key, f] of this.#udp) {
      if (f.lastMs + timeout > nowMs) break;
      if (budget-- <= 0) return true;
      this.#udp.delete(key);
      this.#finishUdp(f, 'timeout');
      this.#account(f, true);
    }
    for (const [key, expires] of this.#localUdp) {
      if (expires > nowMs) break;
      this.#localUdp.delete(key);
    }
    return false;
  }

  /** Ends every open flow and pending SYN now. */
  finishAll(reason: EndReason = 'shutdown'): void {
    while (this.finishSome(reason, Infinity));
  }

  /**
   * Ends at most `budget` open flows and pending SYNs now (shutdown, in slices between which the event loop turns);
   * true while some are left.
   */
  finishSome(reason: EndReason, budget: number): boolean {
    for (let id = this.#pending.oldest(); id !== -1; id = this.#pending.oldest()) {
      if (budget-- <= 0) return true;
      this.#finishPending(id, reason);
    }
    for (const [key, f] of this.#tcp) {
      if (budget-- <= 0) return true;
      this.#tcp.delete(key);
      if (!f.closed) this.#finishTcp(f, reason);
      this.#account(f, true);
    }
    for (const [key, f] of this.#udp) {
      if (budget-- <= 0) return true;
      this.#udp.delete(key);
      this.#finishUdp(f, reason);
      this.#account(f, true);
    }
    this.#buffered = 0;
    this.#greeter?.clear();
    return false;
  }

  // --- TCP ---------------------------------------------------------------------------------------------------

  #onTcp(buf: Uint8Array, len: number, v: FrameView, nowMs: number): void {
    const f = v.flags;
    if ((f & TCP_SYN) !== 0) {
      if ((f & TCP_ACK) !== 0) {
        this.counters.cookieInvalid++; // a SYN-ACK to us: backscatter or our own connections, never ours to answer
        return;
      }
      this.#onSyn(buf, len, v, nowMs);
      return;
    }
    const th = this.#tupleHash(buf, v);
    const key = th * 65536 + v.srcPort;
    const flow = this.#tcp.get(key);
    if (flow !== undefined && sameTuple(flow.key, buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort)) {
      this.#onFlowSegment(flow, key, buf, len, v, nowMs);
      return;
    }
    if ((f & TCP_RST) !== 0) {
      const id = this.#pending.find(th, buf, v.srcOff, v.dstOff, v.addrLen, v.l4Off);
      // a scanner's RST after our SYN-ACK carries seq = its ISN + 1 (RFC 9293 3.10.7.3 checks for a SYN-RECEIVED peer)
      if (id !== -1 && v.seq === ((this.#pending.clientIsn(id) + 1) >>> 0)) this.#finishPending(id, 'rst');
      else this.counters.rstIgnored++;
      return;
    }
    if ((f & TCP_ACK) === 0) {
      this.counters.cookieInvalid++;
      return;
    }
    const isn = (v.ack - 1) >>> 0;
    const slot = Math.floor(nowMs / COOKIE_SLOT_MS);
    if (!this.#cookieMatches(th, slot, isn) && !this.#cookieMatches(th, slot - 1, isn)) {
      this.counters.cookieInvalid++;
      return;
    }
    // the handshake completed: a flow exists from now on
    const id = this.#pending.find(th, buf, v.srcOff, v.dstOff, v.addrLen, v.l4Off);
    let firstMs = nowMs;
    let clientIsn = (v.seq - 1) >>> 0;
    let syn;
    let synFrames: CapturedFrame[] | undefined;
    const greet = this.#greeter?.protocolAt(v.dstPort);
    let offer: SynOffer | undefined;
    let rttMs = -1;
    if (id !== -1) {
      if (greet !== undefined) {
        offer = this.#greeter!.synOffer(this.#pending.synFrameView(id));
        rttMs = nowMs - this.#pending.lastSeen(id);
      }
      firstMs = this.#pending.firstSeen(id);
      clientIsn = this.#pending.clientIsn(id);
      syn = synFingerprint(this.#pending.synFrameView(id), this.#pending.synCount(id));
      if (this.#cfg.keepFrames) {
        synFrames = [{ tsMs: firstMs, data: this.#pending.synFrame(id) }];
        const reply = this.#pending.replyFrame(id);
        if (reply) synFrames.push({ tsMs: firstMs, data: reply });
      }
      this.#pending.remove(id);
    }
    if (flow !== undefined) {
      // the same 48-bit key for another tuple: finish the older flow rather than mix them
      this.#tcp.delete(key);
      if (!flow.closed) this.#finishTcp(flow, 'evicted');
      this.#account(flow, true);
    }
    this.#makeRoom(nowMs);
    const nf = new TcpFlow(
      tupleKey(buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort), v.ipVersion, firstMs, this.#cfg.keepFrames,
      clientIsn, (isn + 1) >>> 0, (isn & 1) === 1, this.#cfg.maxPayload, syn,
    );
    if (synFrames && nf.frames) for (const fr of synFrames) nf.frames.push(fr);
    this.#tcp.set(key, nf);
    this.counters.flowsAcked++;
    if (greet !== undefined) this.#greeter!.open(nf, greet, buf, v, offer, rttMs, nowMs);
    this.#onFlowSegment(nf, key, buf, len, v, nowMs);
  }

  #onSyn(buf: Uint8Array, len: number, v: FrameView, nowMs: number): void {
    const c = this.counters;
    c.synsReceived++;
    const th = this.#tupleHash(buf, v);
    const key = th * 65536 + v.srcPort;
    const flow = this.#tcp.get(key);
    if (flow !== undefined && sameTuple(flow.key, buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort)) {
      // a new connection on a tuple we still hold: the old one is over
      this.#tcp.delete(key);
      if (!flow.closed) this.#finishTcp(flow, 'evicted');
      this.#account(flow, true);
    }
    const p = this.#pending;
    let id = p.find(th, buf, v.srcOff, v.dstOff, v.addrLen, v.l4Off);
    if (id !== -1) {
      c.synsRetransmitted++;
      p.touch(id, nowMs);
    }
    if (this.#perDest.enabled && !this.#perDest.tryTake(this.#destHash(buf, v), nowMs)) {
      c.rateLimitedDest++;
      return;
    }
    if (!this.#global.tryTake(nowMs)) {
      c.rateLimitedGlobal++;
      return;
    }
    const o = this.#opts;
    readClientOptions(buf, v, o);
    const slot = Math.floor(nowMs / COOKIE_SLOT_MS);
    const ws = o.wscale >= 0 ? 1 : 0;
    const isn = ((this.#cookie(th, slot, ws) & ~1) | ws) >>> 0;
    const mss = this.#cfg.mtu - (v.ipVersion === 4 ? 40 : 60);
    const out = this.#out;
    const n = buildSynAck(buf, v, o, out, isn, this.#tsNow(nowMs), mss);
    if (this.#cfg.device.send(out, n)) c.synAcksSent++;
    else c.sendErrors++;
    if (id === -1) {
      id = p.insert(th, buf, len, nowMs, v.seq, isn);
      if (id === -1) c.pendingSynTableFull++;
      else if (this.#cfg.keepFrames) p.setReply(id, out, n);
    }
  }

  #onFlowSegment(flow: TcpFlow, key: number, buf: Uint8Array, len: number, v: FrameView, nowMs: number): void {
    const c = this.counters;
    flow.lastMs = nowMs;
    flow.packets++;
    // re-insert: Map order is then least-recently-active first, which expiry and eviction walk
    this.#tcp.delete(key);
    this.#tcp.set(key, flow);
    const f = v.flags;
    const o = this.#opts;
    readClientOptions(buf, v, o);
    const out = this.#out;
    const window = flow.windowScaled ? 65535 >> OUR_WSCALE : 65535;
    const s = flow.stream;
    if (flow.closed) {
      if ((f & TCP_FIN) !== 0) {
        // our FIN-ACK was lost: say it again
        const n = buildAck(buf, v, o, out, (flow.sndNxt - 1) >>> 0, s.rcvNxt, TCP_FIN | TCP_ACK, window, this.#tsNow(nowMs), this.#nextIpId());
        if (this.#cfg.device.send(out, n)) c.finsSent++;
        else c.sendErrors++;
      }
      return;
    }
    if ((f & TCP_RST) !== 0) {
      const rel = (v.seq - s.rcvNxt) | 0;
      if (rel >= -1 && rel <= 65535) {
        this.#tcp.delete(key);
        this.#finishTcp(flow, 'rst');
        this.#account(flow, true);
      } else {
        c.rstIgnored++;
      }
      return;
    }
    flow.keepFrame(nowMs, buf, len);
    let reply = false;
    if (v.payloadLen > 0) {
      const r = s.add(v.seq, buf, v.payloadOff, v.payloadLen);
      if (r === 'in_order') flow.segments++;
      else if (r === 'out_of_order') { flow.segments++; c.segmentsOutOfOrder++; }
      else if (r === 'duplicate') c.segmentsDuplicate++;
      else c.segmentsOutOfWindow++;
      reply = true;
    }
    let fin = false;
    if ((f & TCP_FIN) !== 0) {
      if (s.acceptFin((v.seq + v.payloadLen) >>> 0)) fin = true;
      else reply = true; // FIN beyond a gap: ask for the missing bytes again
    }
    // a greeted flow answers with data when it has some: that segment acknowledges the client's bytes too
    if (flow.greeting !== undefined && this.#greeter!.onSegment(flow, v, o, nowMs)) reply = false;
    if (fin) {
      // after our own FIN (a dialogue that ended) the client's FIN only needs its ACK
      const ours = flow.greeting?.finSent !== true;
      const n = buildAck(buf, v, o, out, flow.sndNxt, s.rcvNxt, ours ? TCP_FIN | TCP_ACK : TCP_ACK, window, this.#tsNow(nowMs), this.#nextIpId());
      if (ours) flow.sndNxt = (flow.sndNxt + 1) >>> 0;
      if (!this.#cfg.device.send(out, n)) c.sendErrors++;
      else if (ours) c.finsSent++;
      else c.acksSent++;
      flow.keepFrame(nowMs, out, n);
      flow.closed = true;
      this.#finishTcp(flow, 'fin');
    } else if (reply) {
      const n = buildAck(buf, v, o, out, flow.sndNxt, s.rcvNxt, TCP_ACK, window, this.#tsNow(nowMs), this.#nextIpId());
      if (this.#cfg.device.send(out, n)) c.acksSent++;
      else c.sendErrors++;
      flow.keepFrame(nowMs, out, n);
    }
    this.#account(flow, flow.closed);
    this.#enforceBytes();
  }

  // --- UDP ---------------------------------------------------------------------------------------------------

  #onUdp(buf: Uint8Array, len: number, v: FrameView, nowMs: number): void {
    const th = this.#tupleHash(buf, v);
    const key = th * 65536 + v.srcPort;
    if (this.#localUdp.size > 0) {
      const expires = this.#localUdp.get(key);
      if (expires !== undefined && expires > nowMs) {
        this.counters.udpLocalReply++;
        return;
      }
    }
    let flow = this.#udp.get(key);
    if (flow !== undefined && !sameTuple(flow.key, buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort)) {
      this.#udp.delete(key);
      this.#finishUdp(flow, 'evicted');
      this.#account(flow, true);
      flow = undefined;
    }
    if (flow === undefined) {
      this.#makeRoom(nowMs);
      flow = new UdpFlow(tupleKey(buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort), v.ipVersion, nowMs, this.#cfg.keepFrames, this.#cfg.maxPayload);
      this.counters.flowsUdp++;
    } else {
      this.#udp.delete(key);
    }
    this.#udp.set(key, flow);
    flow.lastMs = nowMs;
    flow.packets++;
    flow.segments++;
    flow.add(buf, v.payloadOff, v.payloadLen);
    flow.keepFrame(nowMs, buf, len);
    this.#account(flow, false);
    this.#enforceBytes();
  }

  /** The host sent a datagram (src is ours): remember the reverse tuple so the reply is not taken for an attack. */
  #noteLocalUdp(buf: Uint8Array, v: FrameView, nowMs: number): void {
    const w = this.#words;
    const n = this.#fillWords(buf, v.dstOff, v.srcOff, v.addrLen, v.dstPort, v.srcPort);
    const th = halfSipHash(this.#k[2]!, this.#k[3]!, w, n);
    const key = th * 65536 + v.dstPort;
    this.#localUdp.delete(key);
    if (this.#localUdp.size >= LOCAL_UDP_MAX) {
      const oldest = this.#localUdp.keys().next();
      if (!oldest.done) this.#localUdp.delete(oldest.value);
    }
    this.#localUdp.set(key, nowMs + LOCAL_UDP_MEMORY_MS);
  }

  // --- finishing -----------------------------------------------------------------------------------------------

  #finishPending(id: number, reason: EndReason): void {
    const p = this.#pending;
    const firstMs = p.firstSeen(id);
    const frames: CapturedFrame[] | undefined = this.#cfg.keepFrames ? [{ tsMs: firstMs, data: p.synFrame(id) }] : undefined;
    const reply = this.#cfg.keepFrames ? p.replyFrame(id) : undefined;
    if (frames && reply) frames.push({ tsMs: firstMs, data: reply });
    // read in place: the flow keeps what its record needs of the stored SYN, not the frame
    const frame = p.synFrameView(id);
    const flow = SynOnlyFlow.fromFrame(frame, firstMs, p.lastSeen(id), p.synCount(id), reason, frames) ?? this.#plainSynFlow(frame, id, reason, frames);
    p.remove(id);
    this.counters.finishedSyn++;
    this.#cfg.emit(flow);
  }

  /** A stored SYN whose TCP header does not decode as a fingerprint (it passed parseFrame): recorded all the same. */
  #plainSynFlow(frame: Uint8Array, id: number, reason: EndReason, frames: CapturedFrame[] | undefined): FinishedFlow {
    const p = this.#pending;
    const link = frame[12] === 0x81 ? 18 : 14;
    const v6 = frame[link]! >> 4 === 6;
    const al = v6 ? 16 : 4;
    const srcOff = link + (v6 ? 8 : 12);
    const l4 = link + (v6 ? 40 : 20);
    return {
      proto: 'tcp', ipVersion: v6 ? 6 : 4,
      src: frame.slice(srcOff, srcOff + al), dst: frame.slice(srcOff + al, srcOff + 2 * al),
      srcPort: (frame[l4]! << 8) | frame[l4 + 1]!, dstPort: (frame[l4 + 2]! << 8) | frame[l4 + 3]!,
      state: 'syn', firstMs: p.firstSeen(id), lastMs: p.lastSeen(id), payload: EMPTY, truncated: false,
      packets: p.synCount(id), segments: 0, endReason: reason, frames,
    };
  }

  #finishTcp(f: TcpFlow, reason: EndReason): void {
    this.counters.finishedAcked++;
    this.counters.bytesTruncated += f.stream.overflow;
    this.#cfg.emit(f.finished(reason));
  }

  #finishUdp(f: UdpFlow, reason: EndReason): void {
    this.counters.finishedUdp++;
    this.counters.bytesTruncated += f.overflow;
    this.#cfg.emit(f.finished(reason));
  }

  // --- caps ----------------------------------------------------------------------------------------------------

  /** Keeps the running total of buffered bytes; `gone` when the flow left the tables. */
  #account(f: TcpFlow | UdpFlow, gone: boolean): void {
    if (gone && f instanceof TcpFlow && f.greeting) this.#greeter!.detach(f);
    const now = gone ? 0 : f.bufferedBytes;
    this.#buffered += now - f.accounted;
    f.accounted = now;
  }

  /** Before a new flow: finish the least recently active ones while the flow cap is reached. */
  #makeRoom(nowMs: number): void {
    while (this.#tcp.size + this.#udp.size >= this.#cfg.maxFlows) {
      this.counters.evictedMaxFlows++;
      this.#evictOldest(nowMs);
    }
  }

  #enforceBytes(): void {
    while (this.#buffered > this.#cfg.maxBufferedBytes && this.#tcp.size + this.#udp.size > 0) {
      this.counters.evictedMaxBytes++;
      this.#evictOldest(0);
    }
  }

  #evictOldest(_nowMs: number): void {
    const t = this.#tcp.entries().next();
    const u = this.#udp.entries().next();
    const pickTcp = !t.done && (u.done || t.value[1].lastMs <= u.value[1].lastMs);
    if (pickTcp) {
      const [key, f] = t.value!;
      this.#tcp.delete(key);
      if (!f.closed) this.#finishTcp(f, 'evicted');
      this.#account(f, true);
    } else if (!u.done) {
      const [key, f] = u.value;
      this.#udp.delete(key);
      this.#finishUdp(f, 'evicted');
      this.#account(f, true);
    }
  }

  // --- hashing -------------------------------------------------------------------------------------------------

  #fillWords(buf: Uint8Array, aOff: number, bOff: number, addrLen: number, aPort: number, bPort: number): number {
    const w = this.#words;
    let n = 0;
    for (let i = 0; i < addrLen; i += 4) w[n++] = (buf[aOff + i]! << 24) | (buf[aOff + i + 1]! << 16) | (buf[aOff + i + 2]! << 8) | buf[aOff + i + 3]!;
    for (let i = 0; i < addrLen; i += 4) w[n++] = (buf[bOff + i]! << 24) | (buf[bOff + i + 1]! << 16) | (buf[bOff + i + 2]! << 8) | buf[bOff + i + 3]!;
    w[n++] = (aPort << 16) | bPort;
    return n;
  }

  #tupleHash(buf: Uint8Array, v: FrameView): number {
    const n = this.#fillWords(buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort);
    return halfSipHash(this.#k[2]!, this.#k[3]!, this.#words, n);
  }

  /** The keyed cookie; its low bit carries "the client offered window scaling", which is hashed too. */
  #cookie(th: number, slot: number, ws: number): number {
    const w = this.#words;
    w[0] = th | 0;
    w[1] = slot | 0;
    w[2] = ws;
    return halfSipHash(this.#k[0]!, this.#k[1]!, w, 3);
  }

  #cookieMatches(th: number, slot: number, isn: number): boolean {
    return ((this.#cookie(th, slot, isn & 1) ^ isn) & ~1) === 0;
  }

  /** The SYN-ACK's destination: /32 for IPv4, /64 for IPv6. */
  #destHash(buf: Uint8Array, v: FrameView): number {
    return this.#destHashAt(buf, v.srcOff, v.addrLen);
  }

  #destHashAt(buf: Uint8Array, o: number, addrLen: 4 | 16): number {
    const w = this.#words;
    w[0] = (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
    if (addrLen === 4) return halfSipHash(this.#k[4]!, this.#k[5]!, w, 1);
    w[1] = (buf[o + 4]! << 24) | (buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!;
    return halfSipHash(this.#k[4]!, this.#k[5]!, w, 2);
  }

  #createGreeter(greet: GreeterConfig): Greeter {
    return new Greeter({
      ...greet, device: this.#cfg.device, mtu: this.#cfg.mtu, perDest: this.#perDest, global: this.#global,
      destHash: (b, off, len) => this.#destHashAt(b, off, len), tsNow: (now) => this.#tsNow(now), nextIpId: () => this.#nextIpId(),
    });
  }

  #tsNow(nowMs: number): number {
    return (Math.floor(nowMs) + this.#tsOffset) >>> 0;
  }

  #nextIpId(): number {
    this.#ipId = (this.#ipId + 1) & 0xffff;
    return this.#ipId;
  }
}
