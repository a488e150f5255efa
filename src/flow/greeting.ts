// The send side of one greeted flow (RFC 9293 3.3.1, 3.8): sequence offsets into the transcript, the client's
// window and MSS, the retransmission timer. Offsets count from our ISN + 1; once the dialogue has ended its FIN
// is one more virtual byte at offset transcript.length, so data and FIN share the same acknowledgement and
// retransmission logic.

import type { Dialogue } from '../dialogue/dialogue.ts';
import type { FinishedDialogue, GreetProtocol } from '../record/dialogue.ts';
import type { TcpFlow } from './flows.ts';
import type { ReplyEndpoints } from './reply.ts';
import type { Timed } from './timer-queue.ts';
import { Transcript } from './transcript.ts';

/** Fixed memory of a greeting besides its buffers, for the responder's byte cap (an estimate). */
const GREETING_OVERHEAD = 512;

export class Greeting implements Timed {
  readonly flow: TcpFlow;
  readonly protocol: GreetProtocol;
  readonly dialogue: Dialogue;
  readonly transcript = new Transcript();
  /** The client's frame up to its TCP header (link and IP), from which every segment we send is built. */
  readonly hdr: Uint8Array;
  readonly ep: ReplyEndpoints;
  /** Our sequence number of transcript byte 0. */
  readonly base: number;
  /** Data bytes per segment: the client's MSS, less our options. */
  readonly mss: number;
  /** The client's window scale shift when both sides agreed to scaling (RFC 7323 2.3), else 0. */
  readonly wndShift: number;
  readonly hasTs: boolean;
  /** The client's latest TSval, echoed in our segments. */
  tsRecent = 0;
  /** The client's receive window, in bytes. */
  sndWnd: number;
  /** Oldest unacknowledged offset, next offset to send, highest offset sent. */
  sndUna = 0;
  sndNxt = 0;
  sndMax = 0;
  /** The dialogue ended: a FIN follows its last byte. */
  finQueued = false;
  readonly rtoMs: number;
  backoff = 0;
  retries = 0;
  deadline = Infinity;
  heapIndex = -1;
  /** Bytes from transcript.pauseAt on are held until then (ms since the epoch); 0 when nothing is held. */
  holdUntil = 0;
  /** Client bytes the dialogue read. */
  clientLen = 0;
  retransmits = 0;

  constructor(o: {
    flow: TcpFlow; protocol: GreetProtocol; dialogue: Dialogue; hdr: Uint8Array; ep: ReplyEndpoints; base: number;
    mss: number; wndShift: number; hasTs: boolean; tsRecent: number; window: number; rtoMs: number;
  }) {
    this.flow = o.flow;
    this.protocol = o.protocol;
    this.dialogue = o.dialogue;
    this.hdr = o.hdr;
    this.ep = o.ep;
    this.base = o.base >>> 0;
    this.mss = o.mss;
    this.wndShift = o.wndShift;
    this.hasTs = o.hasTs;
    this.tsRecent = o.tsRecent;
    this.sndWnd = o.window * 2 ** o.wndShift;
    this.rtoMs = o.rtoMs;
  }

  /** The offset just past what there is to send: the data, plus the FIN once queued. */
  get end(): number {
    return this.transcript.length + (this.finQueued ? 1 : 0);
  }

  /** The offset up to which there is something to send at `nowMs` (held bytes excluded). */
  limit(nowMs: number): number {
    if (this.holdUntil !== 0 && nowMs < this.holdUntil) return this.transcript.pauseAt;
    this.holdUntil = 0;
    return this.transcript.length;
  }

  /** Our FIN was sent (at least once). */
  get finSent(): boolean {
    return this.finQueued && this.sndMax === this.transcript.length + 1;
  }

  get bufferedBytes(): number {
    return this.transcript.capacity + this.hdr.length + GREETING_OVERHEAD;
  }

  /** The record's view: what was sent, and the turns up to it. */
  finished(): FinishedDialogue {
    const sent = Math.min(this.sndMax, this.transcript.length);
    return {
      protocol: this.protocol,
      server: this.transcript.view(0, sent).slice(),
      clientLen: this.clientLen,
      turns: this.transcript.turns(sent),
      turnsTruncated: this.transcript.turnsTruncated,
      ended: this.finQueued,
      retransmits: this.retransmits,
    };
  }
}
