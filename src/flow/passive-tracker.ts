// The client side of every TCP connection and UDP flow in traffic someone else answered (`synbait label` reads it
// from capture files). Sans-IO like the responder and built from the same parts: the hot-path frame decoder,
// TcpFlow's reassembly (StreamBuffer), UdpFlow, the SYN fingerprint and FinishedFlow, so a capture gets the records
// the sensor would have written for the same client bytes. It never sends anything.
//
// Which side is the client: the sender of a SYN without ACK; for a connection seen from its SYN-ACK, the
// receiver; for traffic that starts mid-stream (no handshake in the file), the side that is not in `servers` when
// given, else the side with the higher port when the other is below 1024, else the first sender. UDP: the first
// sender, with the same rules. Time is the packets' own timestamps.

import type { FinishedFlow } from '../record/finished-flow.ts';
import type { EndReason } from '../record/flow-record.ts';
import { synFingerprint } from '../record/finished-flow.ts';
import { createFrameView, parseFrame, type FrameView } from '../wire/frame-view.ts';
import { IPPROTO_TCP } from '../wire/ipv4.ts';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../wire/tcp.ts';
import { copyBytes } from '../wire/bytes.ts';
import { DECODE_REASONS } from '../wire/decode-result.ts';
import { TcpFlow, tupleKey, tupleOf, UdpFlow } from './flows.ts';
import type { Targets } from './targets.ts';

export interface PassiveTrackerConfig {
  readonly flowTimeoutMs: number;
  readonly maxPayload: number;
  /** Connections and flows held at once; beyond it the least recently active one is finished first. */
  readonly maxFlows: number;
  /** The monitored side, when known (-n): its addresses are the servers. */
  readonly servers?: Targets;
  /**
   * Also emit what the servers sent, as flows of their own (source = the server). Never for records: a sensor
   * never sees a server's bytes. The conformance runner uses it to tell an alert on server data from a miss.
   */
  readonly serverStreams?: boolean;
  readonly emit: (flow: FinishedFlow) => void;
}

export class PassiveCounters {
  frames = 0;
  readonly decodeFailures = new Float64Array(DECODE_REASONS.length + 1);
  /** Packets from the server side (not recorded: a record holds what the client sent). */
  serverPackets = 0;
  /** Packets outside `servers` (neither side is monitored). */
  notTarget = 0;
  evicted = 0;
}

/** A TCP connection from its first packet: the client's SYN facts until a flow holds the stream. */
interface Conn {
  /** The client's tuple (tupleKey layout). */
  readonly key: Uint8Array;
  readonly ipVersion: 4 | 6;
  flow: TcpFlow | undefined;
  /** What the server sent (serverStreams only). */
  reply: TcpFlow | undefined;
  serverIsn: number | undefined;
  readonly firstMs: number;
  lastMs: number;
  synFrame: Uint8Array | undefined;
  synCount: number;
  clientIsn: number | undefined;
  packets: number;
  /** The server sent data since the client's last data: the client's next data starts a new message. */
  serverSpoke: boolean;
}

export class PassiveTracker {
  readonly counters = new PassiveCounters();
  readonly #cfg: PassiveTrackerConfig;
  readonly #view: FrameView = createFrameView();
  /** By client tuple key, least recently active first. */
  readonly #tcp = new Map<string, Conn>();
  readonly #udp = new Map<string, UdpFlow>();
  /** Replies to the UDP flows, by the reply's own tuple (serverStreams only). */
  readonly #udpReplies = new Map<string, UdpFlow>();
  /** Connections that ended (FIN, RST), by client key, until their last packets (ACKs, retransmissions) passed. */
  readonly #closed = new Map<string, number>();

  constructor(cfg: PassiveTrackerConfig) {
    this.#cfg = cfg;
  }

  get openFlows(): number {
    return this.#tcp.size + this.#udp.size;
  }

  /** One Ethernet frame buf[0, len) captured at `tsMs`. */
  onFrame(buf: Uint8Array, len: number, tsMs: number): void {
    const c = this.counters;
    c.frames++;
    const v = this.#view;
    const reason = parseFrame(buf, len, v, true);
    if (reason !== 0) {
      c.decodeFailures[reason]!++;
      return;
    }
    this.#expire(tsMs);
    if (v.protocol === IPPROTO_TCP) this.#onTcp(buf, len, v, tsMs);
    else this.#onUdp(buf, v, tsMs);
  }

  /** Ends everything still open (the capture ended). */
  finishAll(reason: EndReason = 'capture_end'): void {
    for (const conn of this.#tcp.values()) this.#finishConn(conn, reason);
    for (const f of this.#udp.values()) this.#cfg.emit(f.finished(reason));
    for (const f of this.#udpReplies.values()) this.#cfg.emit(f.finished(reason));
    this.#tcp.clear();
    this.#udp.clear();
    this.#udpReplies.clear();
    this.#closed.clear();
  }

  // --- TCP ---------------------------------------------------------------------------------------------------

  #onTcp(buf: Uint8Array, len: number, v: FrameView, tsMs: number): void {
    const fwd = keyOf(buf, v, false);
    let conn = this.#tcp.get(fwd);
    if (conn) return this.#fromClient(conn, fwd, buf, len, v, tsMs);
    const rev = keyOf(buf, v, true);
    const server = this.#tcp.get(rev);
    if (server) return this.#fromServer(server, rev, buf, v, tsMs);
    if (this.#closed.has(fwd) || this.#closed.has(rev)) return; // the tail of a connection that ended
    const f = v.flags;
    const syn = (f & TCP_SYN) !== 0;
    const clientSends = syn ? (f & TCP_ACK) === 0 : this.#senderIsClient(buf, v);
    if (clientSends === undefined) return;
    // mid-stream, only client data starts a record: a lone ACK, FIN or RST carries nothing to label
    if (!syn && (!clientSends || v.payloadLen === 0 || (f & TCP_RST) !== 0)) return;
    const tuple = clientSends
      ? tupleKey(buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort)
      : tupleKey(buf, v.dstOff, v.srcOff, v.addrLen, v.dstPort, v.srcPort);
    conn = { key: tuple, ipVersion: v.ipVersion, flow: undefined, reply: undefined, serverIsn: undefined, firstMs: tsMs, lastMs: tsMs, synFrame: undefined, synCount: 0, clientIsn: undefined, packets: 0, serverSpoke: false };
    this.#makeRoom();
    if (clientSends) {
      this.#tcp.set(fwd, conn);
      this.#fromClient(conn, fwd, buf, len, v, tsMs);
    } else {
      this.#tcp.set(rev, conn);
      this.#fromServer(conn, rev, buf, v, tsMs);
    }
  }

  #fromClient(conn: Conn, key: string, buf: Uint8Array, len: number, v: FrameView, tsMs: number): void {
    touch(this.#tcp, key, conn);
    conn.lastMs = tsMs;
    const f = v.flags;
    if ((f & TCP_SYN) !== 0) {
      conn.synCount++;
      if (conn.synFrame === undefined) {
        conn.synFrame = copyBytes(buf, 0, Math.min(len, v.payloadOff));
        conn.clientIsn = v.seq;
      }
      // data in a SYN (TCP Fast Open, some scanners) is the stream's first bytes, at ISN + 1
      if (v.payloadLen > 0) this.#data(conn, buf, v, tsMs, (v.seq + 1) >>> 0);
      return;
    }
    conn.packets++;
    if ((f & TCP_RST) !== 0) return this.#end(key, conn, 'rst');
    const flow = this.#data(conn, buf, v, tsMs, v.seq);
    if ((f & TCP_FIN) !== 0 && flow.stream.acceptFin((v.seq + v.payloadLen) >>> 0)) this.#end(key, conn, 'fin');
  }

  /** The segment's data (if any) into the client's stream, opening the flow on first use. */
  #data(conn: Conn, buf: Uint8Array, v: FrameView, tsMs: number, seq: number): TcpFlow {
    const flow = conn.flow ?? this.#openFlow(conn, buf, v, tsMs);
    flow.lastMs = tsMs;
    flow.packets++;
    if (v.payloadLen > 0) {
      flow.segments++;
      if (conn.serverSpoke) {
        flow.markMessage(seq, v.payloadLen);
        conn.serverSpoke = false;
      }
      flow.stream.add(seq, buf, v.payloadOff, v.payloadLen);
    }
    return flow;
  }

  #fromServer(conn: Conn, key: string, buf: Uint8Array, v: FrameView, tsMs: number): void {
    touch(this.#tcp, key, conn);
    conn.lastMs = tsMs;
    this.counters.serverPackets++;
    if ((v.flags & TCP_SYN) !== 0) conn.serverIsn ??= v.seq;
    if (v.payloadLen > 0) conn.serverSpoke = true;
    if (this.#cfg.serverStreams && v.payloadLen > 0) {
      const seq = (v.flags & TCP_SYN) !== 0 ? (v.seq + 1) >>> 0 : v.seq;
      conn.reply ??= new TcpFlow(tupleKey(buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort), conn.ipVersion, tsMs, false, conn.serverIsn ?? ((seq - 1) >>> 0), 0, false, this.#cfg.maxPayload, undefined);
      conn.reply.lastMs = tsMs;
      conn.reply.segments++;
      conn.reply.stream.add(seq, buf, v.payloadOff, v.payloadLen);
    }
    // the server refused or reset the connection: what the client sent so far is the record
    if ((v.flags & TCP_RST) !== 0) this.#end(key, conn, 'server_rst');
  }

  /** The handshake completed (or the client's data shows it did): the stream starts after the client's ISN. */
  #openFlow(conn: Conn, buf: Uint8Array, v: FrameView, tsMs: number): TcpFlow {
    const isn = conn.clientIsn ?? ((v.seq - 1) >>> 0);
    const syn = conn.synFrame ? synFingerprint(conn.synFrame, conn.synCount) : undefined;
    const flow = new TcpFlow(conn.key, conn.ipVersion, conn.synFrame ? conn.firstMs : tsMs, false, isn, 0, false, this.#cfg.maxPayload, syn);
    conn.flow = flow;
    return flow;
  }

  #end(key: string, conn: Conn, reason: EndReason): void {
    this.#tcp.delete(key);
    if (reason === 'fin' || reason === 'rst' || reason === 'server_rst') {
      if (this.#closed.size >= this.#cfg.maxFlows) this.#closed.delete(this.#closed.keys().next().value!);
      this.#closed.set(key, conn.lastMs + this.#cfg.flowTimeoutMs);
    }
    this.#finishConn(conn, reason);
  }

  /** A connection whose client never completed the handshake is a `syn` record, like the sensor's. */
  #finishConn(conn: Conn, reason: EndReason): void {
    if (conn.reply) this.#cfg.emit(conn.reply.finished(reason));
    if (conn.flow) {
      this.#cfg.emit(conn.flow.finished(reason));
      return;
    }
    if (!conn.synFrame) return; // only the server side was seen: no client bytes, no record
    const syn = synFingerprint(conn.synFrame, conn.synCount);
    this.#cfg.emit({
      proto: 'tcp',
      ipVersion: conn.ipVersion,
      ...tupleOf(conn.key),
      state: 'syn',
      firstMs: conn.firstMs,
      lastMs: conn.lastMs,
      payload: new Uint8Array(0),
      truncated: false,
      packets: conn.synCount + conn.packets,
      segments: 0,
      endReason: reason,
      ...(syn ? { syn } : {}),
    });
  }

  // --- UDP ---------------------------------------------------------------------------------------------------

  #onUdp(buf: Uint8Array, v: FrameView, tsMs: number): void {
    const fwd = keyOf(buf, v, false);
    let flow = this.#udp.get(fwd);
    if (!flow) {
      if (this.#udp.has(keyOf(buf, v, true))) {
        this.counters.serverPackets++;
        if (this.#cfg.serverStreams) this.#udpReply(fwd, buf, v, tsMs);
        return;
      }
      const client = this.#senderIsClient(buf, v);
      if (client !== true) {
        if (client === false) this.counters.serverPackets++;
        return;
      }
      this.#makeRoom();
      flow = new UdpFlow(tupleKey(buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort), v.ipVersion, tsMs, false, this.#cfg.maxPayload);
    }
    touch(this.#udp, fwd, flow);
    flow.lastMs = tsMs;
    flow.packets++;
    flow.segments++;
    flow.add(buf, v.payloadOff, v.payloadLen);
  }

  #udpReply(key: string, buf: Uint8Array, v: FrameView, tsMs: number): void {
    let r = this.#udpReplies.get(key);
    if (!r) {
      if (this.#udpReplies.size >= this.#cfg.maxFlows) return;
      r = new UdpFlow(tupleKey(buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort), v.ipVersion, tsMs, false, this.#cfg.maxPayload);
      this.#udpReplies.set(key, r);
    }
    r.lastMs = tsMs;
    r.packets++;
    r.segments++;
    r.add(buf, v.payloadOff, v.payloadLen);
  }

  /**
   * For a packet of a conversation seen for the first time without a handshake: true when its sender is the
   * client, false when it is the server, undefined when neither side is monitored (with `servers`).
   */
  #senderIsClient(buf: Uint8Array, v: FrameView): boolean | undefined {
    const servers = this.#cfg.servers;
    if (servers) {
      if (servers.matchesAddress(buf, v.dstOff, v.addrLen)) return true;
      if (servers.matchesAddress(buf, v.srcOff, v.addrLen)) return false;
      this.counters.notTarget++;
      return undefined;
    }
    if (v.srcPort < 1024 && v.dstPort >= 1024) return false;
    return true;
  }

  // --- caps and time -----------------------------------------------------------------------------------------

  #expire(nowMs: number): void {
    const timeout = this.#cfg.flowTimeoutMs;
    for (const [key, conn] of this.#tcp) {
      if (conn.lastMs + timeout > nowMs) break;
      this.#end(key, conn, 'timeout');
    }
    for (const [key, f] of this.#udp) {
      if (f.lastMs + timeout > nowMs) break;
      this.#udp.delete(key);
      this.#cfg.emit(f.finished('timeout'));
    }
    for (const [key, until] of this.#closed) {
      if (until > nowMs) break;
      this.#closed.delete(key);
    }
  }

  #makeRoom(): void {
    while (this.#tcp.size + this.#udp.size >= this.#cfg.maxFlows) {
      this.counters.evicted++;
      const t = this.#tcp.entries().next();
      const u = this.#udp.entries().next();
      if (!t.done && (u.done || t.value[1].lastMs <= u.value[1].lastMs)) this.#end(t.value[0], t.value[1], 'evicted');
      else if (!u.done) {
        this.#udp.delete(u.value[0]);
        this.#cfg.emit(u.value[1].finished('evicted'));
      }
    }
  }
}

/** The conversation's key as the client sees it: the packet's own tuple, or reversed (a packet from the server). */
function keyOf(buf: Uint8Array, v: FrameView, reversed: boolean): string {
  const k = reversed
    ? tupleKey(buf, v.dstOff, v.srcOff, v.addrLen, v.dstPort, v.srcPort)
    : tupleKey(buf, v.srcOff, v.dstOff, v.addrLen, v.srcPort, v.dstPort);
  return String.fromCharCode(...k);
}

/** Moves an entry to the back of its map (most recently active), keeping expiry and eviction in activity order. */
function touch<T>(map: Map<string, T>, key: string, value: T): void {
  map.delete(key);
  map.set(key, value);
}
