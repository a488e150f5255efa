// Fixed-size table of SYNs whose handshake has not completed, so that a SYN-only connection attempt still becomes
// a "syn" record when its timeout passes (lurker's "SYNed" line). Everything lives in typed arrays allocated once:
// a SYN flood cannot grow memory, and when the table is full further SYNs are still answered (the SYN cookie needs
// no state) but not remembered; the caller counts them.
//
// Layout: entry ids 0..capacity-1 hold the data; an open-addressing index (linear probing, load <= 0.5,
// backward-shift deletion) maps the flow hash to an entry id; a doubly-linked list in insertion/refresh order
// makes expiry O(expired).

/** Bytes of the SYN frame kept per entry: Ethernet + 802.1Q + IPv6 + a full 60-byte TCP header = 118. */
export const SYN_FRAME_BYTES = 128;

export class PendingSyns {
  readonly capacity: number;
  readonly #slabBytes: number;
  readonly #mask: number;
  readonly #index: Int32Array; // entry id + 1, 0 = empty
  readonly #hash: Int32Array;
  readonly #first: Float64Array;
  readonly #last: Float64Array;
  readonly #count: Uint16Array;
  readonly #clientIsn: Uint32Array;
  readonly #cookie: Uint32Array;
  readonly #frameLen: Uint16Array;
  readonly #replyLen: Uint16Array;
  /** Per entry: the SYN frame (first SYN_FRAME_BYTES), then optionally our SYN-ACK (for pcap archives). */
  readonly slab: Uint8Array;
  readonly #prev: Int32Array;
  readonly #next: Int32Array;
  readonly #free: Int32Array;
  #freeTop: number;
  #head = -1;
  #tail = -1;
  #size = 0;

  constructor(capacity: number, keepReplies: boolean) {
    this.capacity = capacity;
    this.#slabBytes = keepReplies ? SYN_FRAME_BYTES * 2 : SYN_FRAME_BYTES;
    let n = 2;
    while (n < capacity * 2) n <<= 1;
    this.#mask = n - 1;
    this.#index = new Int32Array(n);
    this.#hash = new Int32Array(capacity);
    this.#first = new Float64Array(capacity);
    this.#last = new Float64Array(capacity);
    this.#count = new Uint16Array(capacity);
    this.#clientIsn = new Uint32Array(capacity);
    this.#cookie = new Uint32Array(capacity);
    this.#frameLen = new Uint16Array(capacity);
    this.#replyLen = new Uint16Array(capacity);
    this.slab = new Uint8Array(capacity * this.#slabBytes);
    this.#prev = new Int32Array(capacity);
    this.#next = new Int32Array(capacity);
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.#free[i] = capacity - 1 - i;
    this.#freeTop = capacity;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Finds the entry for the 4-tuple of the frame in `buf` (addresses at srcOff/dstOff, addrLen bytes each, ports
   * at l4Off). Returns the entry id or -1.
   */
  find(hash: number, buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, l4Off: number): number {
    hash |= 0; // stored as int32
    const mask = this.#mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = this.#index[i]!;
      if (slot === 0) return -1;
      const id = slot - 1;
      if (this.#hash[id] === hash && this.#sameTuple(id, buf, srcOff, dstOff, addrLen, l4Off)) return id;
    }
  }

  /** Adds an entry (the caller checked `find` first). Returns the id, or -1 when the table is full. */
  insert(hash: number, buf: Uint8Array, frameLen: number, nowMs: number, clientIsn: number, cookie: number): number {
    if (this.#freeTop === 0) return -1;
    const id = this.#free[--this.#freeTop]!;
    hash |= 0;
    this.#hash[id] = hash;
    this.#first[id] = nowMs;
    this.#last[id] = nowMs;
    this.#count[id] = 1;
    this.#clientIsn[id] = clientIsn;
    this.#cookie[id] = cookie;
    const n = frameLen < SYN_FRAME_BYTES ? frameLen : SYN_FRAME_BYTES;
    const base = id * this.#slabBytes;
    const slab = this.slab;
    for (let k = 0; k < n; k++) slab[base + k] = buf[k]!;
    this.#frameLen[id] = n;
    this.#replyLen[id] = 0;
    const mask = this.#mask;
    let i = hash & mask;
    while (this.#index[i] !== 0) i = (i + 1) & mask;
    this.#index[i] = id + 1;
    this.#linkTail(id);
    this.#size++;
    return id;
  }

  /** Keeps our SYN-ACK beside the SYN (only when constructed with keepReplies). */
  setReply(id: number, frame: Uint8Array, len: number): void {
    if (this.#slabBytes === SYN_FRAME_BYTES) return;
    const n = len < SYN_FRAME_BYTES ? len : SYN_FRAME_BYTES;
    this.slab.set(frame.subarray(0, n), id * this.#slabBytes + SYN_FRAME_BYTES);
    this.#replyLen[id] = n;
  }

  /** A retransmitted SYN: count it and move the entry to the young end. */
  touch(id: number, nowMs: number): void {
    if (this.#count[id]! < 0xffff) this.#count[id]!++;
    this.#last[id] = nowMs;
    this.#unlink(id);
    this.#linkTail(id);
  }

  remove(id: number): void {
    const mask = this.#mask;
    let i = this.#hash[id]! & mask;
    while (this.#index[i] !== id + 1) i = (i + 1) & mask;
    // backward-shift deletion keeps probe chains intact without tombstones
    for (let j = (i + 1) & mask; this.#index[j] !== 0; j = (j + 1) & mask) {
      const home = this.#hash[this.#index[j]! - 1]! & mask;
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        this.#index[i] = this.#index[j]!;
        i = j;
      }
    }
    this.#index[i] = 0;
    this.#unlink(id);
    this.#free[this.#freeTop++] = id;
    this.#size--;
  }

  /** The entry that has been quiet longest, or -1. */
  oldest(): number {
    return this.#head;
  }

  firstSeen(id: number): number { return this.#first[id]!; }
  lastSeen(id: number): number { return this.#last[id]!; }
  synCount(id: number): number { return this.#count[id]!; }
  clientIsn(id: number): number { return this.#clientIsn[id]!; }
  cookie(id: number): number { return this.#cookie[id]!; }

  /** A copy of the stored SYN frame. */
  synFrame(id: number): Uint8Array {
    const base = id * this.#slabBytes;
    return this.slab.slice(base, base + this.#frameLen[id]!);
  }

  /** The stored SYN in place (no copy): valid until the entry is removed or its slot reused. */
  synFrameView(id: number): Uint8Array {
    const base = id * this.#slabBytes;
    return this.slab.subarray(base, base + this.#frameLen[id]!);
  }

  /** A copy of the stored SYN-ACK, or undefined. */
  replyFrame(id: number): Uint8Array | undefined {
    const n = this.#replyLen[id]!;
    if (n === 0) return undefined;
    const base = id * this.#slabBytes + SYN_FRAME_BYTES;
    return this.slab.slice(base, base + n);
  }

  #sameTuple(id: number, buf: Uint8Array, srcOff: number, dstOff: number, addrLen: number, l4Off: number): boolean {
    const base = id * this.#slabBytes;
    const slab = this.slab;
    // stored frames have the same layout as `buf` when the link header length and IP version agree
    const link = slab[base + 12] === 0x81 ? 18 : 14;
    const isV6 = addrLen === 16;
    if ((slab[base + link] ?? 0) >> 4 !== (isV6 ? 6 : 4)) return false;
    const sSrc = base + link + (isV6 ? 8 : 12);
    const sDst = sSrc + addrLen;
    const sL4 = base + link + (isV6 ? 40 : 20);
    for (let k = 0; k < addrLen; k++) {
      if (slab[sSrc + k] !== buf[srcOff + k] || slab[sDst + k] !== buf[dstOff + k]) return false;
    }
    return slab[sL4] === buf[l4Off] && slab[sL4 + 1] === buf[l4Off + 1] &&
      slab[sL4 + 2] === buf[l4Off + 2] && slab[sL4 + 3] === buf[l4Off + 3];
  }

  #linkTail(id: number): void {
    this.#prev[id] = this.#tail;
    this.#next[id] = -1;
    if (this.#tail === -1) this.#head = id;
    else this.#next[this.#tail] = id;
    this.#tail = id;
  }

  #unlink(id: number): void {
    const p = this.#prev[id]!;
    const n = this.#next[id]!;
    if (p === -1) this.#head = n;
    else this.#next[p] = n;
    if (n === -1) this.#tail = p;
    else this.#prev[n] = p;
  }
}
