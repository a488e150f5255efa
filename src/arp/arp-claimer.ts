// `-a/--arp-spoof`, done so it cannot steal a live address: sans-IO like the responder (frames and the clock in,
// frames out through the Device, events out through `log`). Full design: docs/arp.md.
//
// Per IPv4 address of the monitored networks:
//
//   (unknown) --ARP request for it--> candidate --N requests spanning >= window--> verifying (our RFC 5227 probes)
//   verifying --no answer within PROBE_WAIT--> claimed (we answer ARP requests for it with our MAC)
//   claimed --request after RECHECK without a check--> verifying again (no answer until the probes are done)
//   any state --evidence the address is alive--> released/forgotten, owner remembered for OWNER_HOLD
//
// Evidence an address is alive (never answered, never claimed): any ARP packet whose sender IP is that address
// (reply, request, gratuitous ARP / RFC 5227 announcement), an RFC 5227 probe for it (someone is about to use
// it), an IPv4 frame with that source address. On a switched LAN the owner's replies to other hosts' requests
// never reach us (they are unicast), which is why a claim waits for our own probes: a live owner answers them
// to our MAC. A probe has sender IP 0.0.0.0, so it changes no one's ARP cache.

import { type Cidr, formatIpv4 } from '../wire/address.ts';
import {
  ARP_DECODE_REASONS, ARP_OP_REPLY, ARP_OP_REQUEST, buildArpFrame, createArpFrameView, readArpFrame, uintToIpv4,
} from '../wire/arp.ts';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_VLAN, formatMac } from '../wire/ethernet.ts';
import type { Device } from '../flow/device.ts';
import { TokenBucket } from '../flow/token-bucket.ts';

/** RFC 5227-style probes sent before a claim, and the spacing between them. */
export const PROBE_COUNT = 2;
export const PROBE_INTERVAL_MS = 500;
/** Silence after the last probe before the address counts as unused. */
export const PROBE_WAIT_MS = 1000;
/** After a check, a requester that asked within this long gets our (late) reply. */
export const LATE_REPLY_MS = 3000;
/** A released or seen address is not claimed again for this long after its owner was last seen. */
export const OWNER_HOLD_MS = 3_600_000;
/** Request counts for an address are forgotten after this long without a request. */
export const CANDIDATE_IDLE_MS = 3_600_000;
/** Table caps (see docs/arp.md for the memory they bound). */
export const MAX_CLAIMED = 65_536;
export const MAX_CANDIDATES = 16_384;
export const MAX_OWNERS = 65_536;
/** ARP replies and probes we send, per second (burst twice that). */
export const REPLY_RATE = 100;
export const PROBE_RATE = 20;
/** Claim/release events logged one by one per minute; beyond that they are counted into one summary line. */
export const LOG_BUDGET_PER_MINUTE = 30;
const MAX_WORK_PER_TICK = 4096;
const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ZERO_MAC = new Uint8Array(6);

export type ReleaseReason = 'arp_reply' | 'arp_request' | 'gratuitous_arp' | 'arp_probe' | 'ip_traffic';
export const RELEASE_REASONS: readonly ReleaseReason[] = ['arp_reply', 'arp_request', 'gratuitous_arp', 'arp_probe', 'ip_traffic'];

export type ArpEvent =
  | { readonly event: 'AddressClaimed'; readonly address: string; readonly requests: number; readonly first_request_ms_ago: number; readonly vlan?: number }
  | { readonly event: 'AddressReleased'; readonly address: string; readonly owner_mac: string; readonly reason: ReleaseReason; readonly claimed_for_ms: number }
  | { readonly event: 'AddressEventsSuppressed'; readonly claimed: number; readonly released: number; readonly period_ms: number };

export interface ArpClaimerConfig {
  /** The monitored networks; IPv6 ones are ignored (see docs/arp.md). */
  readonly networks: readonly Cidr[];
  /** The sensor's MAC: source of our replies and probes. */
  readonly mac: Uint8Array;
  /** The host's own IPv4 addresses (4 bytes each): never claimed, their traffic always passes. */
  readonly ownAddresses: readonly Uint8Array[];
  /** Never claimed: gateways from the routing table, --arp-exclude. IPv6 entries are ignored. */
  readonly excluded: readonly Cidr[];
  readonly claimRequests: number;
  readonly claimWindowMs: number;
  /** A claimed address is probed again before answering when its last check is older than this. */
  readonly recheckMs: number;
  readonly device: Device;
  readonly log: (e: ArpEvent) => void;
  readonly nowMs: number;
  // tunables with documented defaults (tests shrink them)
  readonly ownerHoldMs?: number;
  readonly candidateIdleMs?: number;
  readonly maxClaimed?: number;
  readonly maxCandidates?: number;
  readonly maxOwners?: number;
  readonly replyRate?: number;
  readonly probeRate?: number;
}

/** One address we are counting requests for, checking, or holding. */
class Tracked {
  first = 0;
  last = 0;
  requests = 0;
  claimedAt = -1;
  checkedAt = -Infinity;
  verifyStart = -1;
  probes = 0;
  lastProbe = -Infinity;
  // the latest requester, for the (late) reply; its MAC as two integers (a Uint8Array each would triple the size)
  reqMacHi = 0;
  reqMacLo = 0;
  reqIp = 0;
  reqVlan = -1;
  reqAt = -Infinity;
}

export class ArpClaimerCounters {
  framesReceived = 0;
  readonly decodeFailures = new Float64Array(ARP_DECODE_REASONS.length);
  ownFrames = 0;
  requestsIneligible = 0;
  requestsOwnerRecent = 0;
  requestsVerifying = 0;
  claims = 0;
  readonly releases = new Float64Array(RELEASE_REASONS.length);
  candidatesDropped = 0;
  repliesSent = 0;
  probesSent = 0;
  replyRateLimited = 0;
  probeRateLimited = 0;
  sendErrors = 0;
  evictedClaimed = 0;
  evictedCandidates = 0;
  evictedOwners = 0;
  notClaimed = 0;
}

export class ArpClaimer {
  readonly counters = new ArpClaimerCounters();
  readonly #cfg: ArpClaimerConfig;
  readonly #mac: Uint8Array;
  readonly #netAddr: Uint32Array;
  readonly #netMask: Uint32Array;
  readonly #netPrefix: Uint8Array;
  readonly #exAddr: Uint32Array;
  readonly #exMask: Uint32Array;
  readonly #own = new Set<number>();
  /** Insertion order = least recently requested first (entries are re-inserted on each request). */
  readonly #candidates = new Map<number, Tracked>();
  readonly #claimed = new Map<number, Tracked>();
  /** Address -> when it was last seen alive. Insertion order = least recently seen first. */
  readonly #owners = new Map<number, number>();
  /** Addresses with a probe round in progress (candidates or claimed). */
  readonly #verifying = new Set<number>();
  readonly #view = createArpFrameView();
  readonly #out = new Uint8Array(64);
  readonly #peer = new Uint8Array(6);
  readonly #replies: TokenBucket;
  readonly #probes: TokenBucket;
  readonly #ownerHold: number;
  readonly #candidateIdle: number;
  readonly #maxClaimed: number;
  readonly #maxCandidates: number;
  readonly #maxOwners: number;
  #logWindow: number;
  #logged = 0;
  #suppressed = { claimed: 0, released: 0 };

  constructor(cfg: ArpClaimerConfig) {
    if (cfg.mac.length !== 6) throw new RangeError('mac must be 6 bytes');
    if (cfg.claimRequests < 1) throw new RangeError('claimRequests must be at least 1');
    this.#cfg = cfg;
    this.#mac = Uint8Array.from(cfg.mac);
    const v4 = cfg.networks.filter((n) => n.version === 4);
    this.#netAddr = Uint32Array.from(v4, (n) => ipUint(n.bytes));
    this.#netMask = Uint32Array.from(v4, (n) => prefixMask(n.prefix));
    this.#netPrefix = Uint8Array.from(v4, (n) => n.prefix);
    const ex = cfg.excluded.filter((n) => n.version === 4);
    this.#exAddr = Uint32Array.from(ex, (n) => ipUint(n.bytes));
    this.#exMask = Uint32Array.from(ex, (n) => prefixMask(n.prefix));
    for (const a of cfg.ownAddresses) if (a.length === 4) this.#own.add(ipUint(a));
    this.#replies = new TokenBucket(cfg.replyRate ?? REPLY_RATE, 2 * (cfg.replyRate ?? REPLY_RATE), cfg.nowMs);
    this.#probes = new TokenBucket(cfg.probeRate ?? PROBE_RATE, 2 * (cfg.probeRate ?? PROBE_RATE), cfg.nowMs);
    this.#ownerHold = cfg.ownerHoldMs ?? OWNER_HOLD_MS;
    this.#candidateIdle = cfg.candidateIdleMs ?? CANDIDATE_IDLE_MS;
    this.#maxClaimed = cfg.maxClaimed ?? MAX_CLAIMED;
    this.#maxCandidates = cfg.maxCandidates ?? MAX_CANDIDATES;
    this.#maxOwners = cfg.maxOwners ?? MAX_OWNERS;
    this.#logWindow = cfg.nowMs;
  }

  /** True when at least one IPv4 network is monitored (else -a does nothing). */
  get active(): boolean {
    return this.#netAddr.length > 0;
  }

  get candidateCount(): number {
    return this.#candidates.size;
  }

  get ownerCount(): number {
    return this.#owners.size;
  }

  get claimedCount(): number {
    return this.#claimed.size;
  }

  /** Claimed addresses as text (for tests and debugging; allocates). */
  claimedAddresses(): string[] {
    return [...this.#claimed.keys()].map(formatUint);
  }

  isClaimed(address: Uint8Array): boolean {
    return address.length === 4 && this.#claimed.has(ipUint(address));
  }

  /**
   * Every captured frame, before the responder. ARP frames are consumed (returns false); IPv4 frames return
   * false when their destination is a monitored address that is neither claimed nor ours, so the responder
   * never answers for a live neighbour (promiscuous capture, stale ARP caches); everything else returns true.
   * IPv4 work: two integer Map lookups when something is tracked, plus the network check of the destination.
   */
  onFrame(buf: Uint8Array, len: number, nowMs: number): boolean {
    if (len < 14) return true;
    let type = (buf[12]! << 8) | buf[13]!;
    let p = 14;
    if (type === ETHERTYPE_VLAN) {
      if (len < 18) return true;
      type = (buf[16]! << 8) | buf[17]!;
      p = 18;
    }
    if (type === ETHERTYPE_IPV4) {
      if (len < p + 20 || this.#netAddr.length === 0) return true;
      const src = u32(buf, p + 12);
      if (this.#claimed.size + this.#candidates.size !== 0 && (this.#claimed.has(src) || this.#candidates.has(src))) {
        this.#noteAlive(src, buf, 6, 'ip_traffic', nowMs);
      }
      const dst = u32(buf, p + 16);
      // our own outbound UDP must reach the responder too: it remembers it so the replies are not taken for attacks
      if (this.#claimed.has(dst) || this.#own.has(dst) || this.#own.has(src) || !this.#inNetworks(dst)) return true;
      this.counters.notClaimed++;
      return false;
    }
    if (type === ETHERTYPE_ARP) {
      this.#onArp(buf, len, nowMs);
      return false;
    }
    return true;
  }

  /** Advances probe rounds, expires idle state. Call every few hundred ms; bounded work per call. */
  tick(nowMs: number): void {
    for (const ip of this.#verifying) this.#advanceVerify(ip, nowMs);
    let budget = MAX_WORK_PER_TICK;
    for (const [ip, t] of this.#candidates) {
      if (budget-- <= 0 || nowMs - t.last <= this.#candidateIdle) break;
      if (t.verifyStart >= 0) continue;
      this.#candidates.delete(ip);
    }
    for (const [ip, seen] of this.#owners) {
      if (budget-- <= 0 || nowMs - seen <= this.#ownerHold) break;
      this.#owners.delete(ip);
    }
    this.#rollLogWindow(nowMs);
  }


  // --- ARP ---------------------------------------------------------------------------------------------------

  #onArp(buf: Uint8Array, len: number, nowMs: number): void {
    const c = this.counters;
    const v = this.#view;
    const r = readArpFrame(buf, len, v);
    if (r === 0) return;
    c.framesReceived++;
    if (r < 0) {
      c.decodeFailures[-r - 1]!++;
      return;
    }
    // a copy of one of our own frames (a loop, a mirror port): never evidence of anything
    if (sameMac(buf, v.ethSrcOff, this.#mac) || sameMac(buf, v.shaOff, this.#mac)) {
      c.ownFrames++;
      return;
    }
    const { spa, tpa, op } = v;
    if (spa !== 0) {
      // RFC 826: the sender fields say "spa is at sha", whatever the opcode
      const announce = spa === tpa;
      this.#noteAlive(spa, buf, v.shaOff, announce ? 'gratuitous_arp' : op === ARP_OP_REPLY ? 'arp_reply' : 'arp_request', nowMs);
      if (announce) return;
    } else if (op === ARP_OP_REQUEST) {
      // RFC 5227 probe: someone is about to use tpa. Answering would make it give the address up; instead we do.
      this.#noteAlive(tpa, buf, v.shaOff, 'arp_probe', nowMs);
      return;
    }
    if (op === ARP_OP_REQUEST) this.#onRequest(tpa, buf, nowMs);
  }

  #onRequest(ip: number, buf: Uint8Array, nowMs: number): void {
    const c = this.counters;
    const claimed = this.#claimed.get(ip);
    if (claimed !== undefined) {
      this.#claimed.delete(ip); // re-insert: least recently requested first
      this.#claimed.set(ip, claimed);
      this.#noteRequester(claimed, buf, nowMs);
      if (claimed.verifyStart >= 0) {
        c.requestsVerifying++;
      } else if (nowMs - claimed.checkedAt > this.#cfg.recheckMs) {
        c.requestsVerifying++;
        this.#startVerify(ip, claimed, nowMs);
      } else {
        this.#reply(ip, claimed, nowMs);
      }
      return;
    }
    if (!this.#eligible(ip)) {
      c.requestsIneligible++;
      return;
    }
    const seen = this.#owners.get(ip);
    if (seen !== undefined) {
      if (nowMs - seen < this.#ownerHold) {
        c.requestsOwnerRecent++;
        return;
      }
      this.#owners.delete(ip);
    }
    let t = this.#candidates.get(ip);
    if (t === undefined) {
      if (this.#candidates.size >= this.#maxCandidates) this.#evictCandidate();
      t = new Tracked();
      t.first = nowMs;
    } else {
      this.#candidates.delete(ip);
      if (nowMs - t.last > this.#candidateIdle) {
        t.first = nowMs;
        t.requests = 0;
      }
    }
    this.#candidates.set(ip, t);
    t.last = nowMs;
    t.requests++;
    this.#noteRequester(t, buf, nowMs);
    if (t.verifyStart >= 0) {
      c.requestsVerifying++;
      return;
    }
    if (t.requests >= this.#cfg.claimRequests && nowMs - t.first >= this.#cfg.claimWindowMs) this.#startVerify(ip, t, nowMs);
  }

  #noteRequester(t: Tracked, buf: Uint8Array, nowMs: number): void {
    const v = this.#view;
    const o = v.shaOff;
    t.reqMacHi = (buf[o]! << 8) | buf[o + 1]!;
    t.reqMacLo = ((buf[o + 2]! << 24) | (buf[o + 3]! << 16) | (buf[o + 4]! << 8) | buf[o + 5]!) >>> 0;
    t.reqIp = v.spa;
    t.reqVlan = v.vlanTci;
    t.reqAt = nowMs;
  }

  // --- verification: our probes ----------------------------------------------------------------------------

  #startVerify(ip: number, t: Tracked, nowMs: number): void {
    t.verifyStart = nowMs;
    t.probes = 0;
    t.lastProbe = -Infinity;
    this.#verifying.add(ip);
    this.#advanceVerify(ip, nowMs);
  }

  #advanceVerify(ip: number, nowMs: number): void {
    const t = this.#claimed.get(ip) ?? this.#candidates.get(ip);
    if (t === undefined || t.verifyStart < 0) {
      this.#verifying.delete(ip);
      return;
    }
    if (t.probes < PROBE_COUNT) {
      if (nowMs - t.lastProbe >= PROBE_INTERVAL_MS && this.#probe(ip, t, nowMs)) {
        t.probes++;
        t.lastProbe = nowMs;
      }
      return;
    }
    if (nowMs - t.lastProbe < PROBE_WAIT_MS) return;
    // nobody answered our probes: the address is unused
    this.#verifying.delete(ip);
    t.verifyStart = -1;
    t.checkedAt = nowMs;
    if (t.claimedAt < 0) {
      this.#candidates.delete(ip);
      if (this.#claimed.size >= this.#maxClaimed) this.#evictClaimed();
      t.claimedAt = nowMs;
      this.#claimed.set(ip, t);
      this.counters.claims++;
      this.#emit({
        event: 'AddressClaimed', address: formatUint(ip), requests: t.requests, first_request_ms_ago: nowMs - t.first,
        ...(t.reqVlan >= 0 ? { vlan: t.reqVlan & 0xfff } : {}),
      }, nowMs);
    }
    // the requester that asked last is most likely still resolving (Linux asks 3 times, 1 s apart)
    if (nowMs - t.reqAt <= LATE_REPLY_MS) this.#reply(ip, t, nowMs);
  }

  // --- evidence of life --------------------------------------------------------------------------------------

  /** `ip` is in use by the station at buf[macOff, macOff+6): forget any candidate, release any claim. */
  #noteAlive(ip: number, buf: Uint8Array, macOff: number, reason: ReleaseReason, nowMs: number): void {
    if (!this.#inNetworks(ip)) return;
    const claimed = this.#claimed.get(ip);
    if (claimed !== undefined) {
      this.#claimed.delete(ip);
      this.#verifying.delete(ip);
      this.counters.releases[RELEASE_REASONS.indexOf(reason)]!++;
      this.#emit({
        event: 'AddressReleased', address: formatUint(ip), owner_mac: formatMac(buf, macOff), reason,
        claimed_for_ms: nowMs - claimed.claimedAt,
      }, nowMs);
    } else if (this.#candidates.delete(ip)) {
      this.#verifying.delete(ip);
      this.counters.candidatesDropped++;
    }
    // re-insert: least recently seen first
    if (!this.#owners.delete(ip) && this.#owners.size >= this.#maxOwners) {
      const oldest = this.#owners.keys().next();
      if (!oldest.done) this.#owners.delete(oldest.value);
      this.counters.evictedOwners++;
    }
    this.#owners.set(ip, nowMs);
  }

  // --- sending -------------------------------------------------------------------------------------------------

  #reply(ip: number, t: Tracked, nowMs: number): void {
    const c = this.counters;
    if (!this.#replies.tryTake(nowMs)) {
      c.replyRateLimited++;
      return;
    }
    const peer = this.#peer;
    peer[0] = t.reqMacHi >>> 8; peer[1] = t.reqMacHi & 0xff;
    peer[2] = t.reqMacLo >>> 24; peer[3] = (t.reqMacLo >>> 16) & 0xff; peer[4] = (t.reqMacLo >>> 8) & 0xff; peer[5] = t.reqMacLo & 0xff;
    const n = buildArpFrame(this.#out, peer, this.#mac, t.reqVlan, {
      op: ARP_OP_REPLY, senderMac: this.#mac, senderIp: uintToIpv4(ip), targetMac: peer, targetIp: uintToIpv4(t.reqIp),
    });
    if (this.#cfg.device.send(this.#out, n)) c.repliesSent++;
    else c.sendErrors++;
  }

  /** Sends one RFC 5227 probe for ip; false when rate-limited (tried again on the next tick). */
  #probe(ip: number, t: Tracked, nowMs: number): boolean {
    const c = this.counters;
    if (!this.#probes.tryTake(nowMs)) {
      c.probeRateLimited++;
      return false;
    }
    const n = buildArpFrame(this.#out, BROADCAST, this.#mac, t.reqVlan, {
      op: ARP_OP_REQUEST, senderMac: this.#mac, senderIp: uintToIpv4(0), targetMac: ZERO_MAC, targetIp: uintToIpv4(ip),
    });
    if (this.#cfg.device.send(this.#out, n)) c.probesSent++;
    else c.sendErrors++;
    return true;
  }

  // --- tables and policy ---------------------------------------------------------------------------------------

  #evictCandidate(): void {
    for (const [ip, t] of this.#candidates) {
      if (t.verifyStart >= 0) continue;
      this.#candidates.delete(ip);
      this.counters.evictedCandidates++;
      return;
    }
  }

  /** The least recently requested claim goes (it is quiet; a later request claims it again). */
  #evictClaimed(): void {
    const oldest = this.#claimed.keys().next();
    if (oldest.done) return;
    this.#claimed.delete(oldest.value);
    this.#verifying.delete(oldest.value);
    this.counters.evictedClaimed++;
  }

  #inNetworks(ip: number): boolean {
    const a = this.#netAddr;
    const m = this.#netMask;
    for (let k = 0; k < a.length; k++) if (((ip & m[k]!) >>> 0) === a[k]) return true;
    return false;
  }

  /** Unicast, inside a network, not its network/broadcast address, not ours, not excluded (gateways...). */
  #eligible(ip: number): boolean {
    const first = ip >>> 24;
    if (first === 0 || first === 127 || first >= 224) return false;
    if (this.#own.has(ip)) return false;
    let inside = false;
    for (let k = 0; k < this.#netAddr.length; k++) {
      const m = this.#netMask[k]!;
      const net = this.#netAddr[k]!;
      if (((ip & m) >>> 0) !== net) continue;
      // RFC 919/922: all-zeros and all-ones host parts; a /31 (RFC 3021) and a /32 have none
      if (this.#netPrefix[k]! <= 30 && (ip === net || ip === ((net | ~m) >>> 0))) return false;
      inside = true;
    }
    if (!inside) return false;
    for (let k = 0; k < this.#exAddr.length; k++) if (((ip & this.#exMask[k]!) >>> 0) === this.#exAddr[k]) return false;
    return true;
  }

  // --- events ----------------------------------------------------------------------------------------------------

  #emit(e: ArpEvent, nowMs: number): void {
    this.#rollLogWindow(nowMs);
    if (this.#logged < LOG_BUDGET_PER_MINUTE) {
      this.#logged++;
      this.#cfg.log(e);
    } else if (e.event === 'AddressClaimed') {
      this.#suppressed.claimed++;
    } else if (e.event === 'AddressReleased') {
      this.#suppressed.released++;
    }
  }

  #rollLogWindow(nowMs: number): void {
    if (nowMs - this.#logWindow < 60_000) return;
    const s = this.#suppressed;
    if (s.claimed + s.released > 0) {
      this.#cfg.log({ event: 'AddressEventsSuppressed', claimed: s.claimed, released: s.released, period_ms: nowMs - this.#logWindow });
    }
    this.#suppressed = { claimed: 0, released: 0 };
    this.#logged = 0;
    this.#logWindow = nowMs;
  }
}

function ipUint(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

function u32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function formatUint(ip: number): string {
  return formatIpv4(uintToIpv4(ip), 0);
}

function sameMac(buf: Uint8Array, off: number, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (buf[off + i] !== mac[i]) return false;
  return true;
}
