// Telnet's command layer (RFC 854, RFC 855): IAC sequences are taken out of the data stream and option
// negotiation is answered, so the login dialogue sees only what the user typed. Each side's state per option
// follows RFC 1143's Q method without its queue bits (we never change our mind): a request is acknowledged only
// when it changes the state, so two well-behaved peers can never loop, and a refusal (DONT/WONT) is three bytes
// for three received, so a hostile peer gets no amplification. Subnegotiation is read for NAWS (RFC 1073: the
// window size) and TERMINAL-TYPE (RFC 1091: we ask for it once the client agrees), each in a bounded buffer.

import type { Output } from './dialogue.ts';

export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_TTYPE = 24;
export const OPT_NAWS = 31;
const TTYPE_IS = 0;
const TTYPE_SEND = 1;

/** What busybox telnetd sends on connect: DO ECHO, DO NAWS, WILL ECHO, WILL SGA. */
export const INITIAL_NEGOTIATION = Uint8Array.of(IAC, DO, OPT_ECHO, IAC, DO, OPT_NAWS, IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA);

const NO = 0;
const YES = 1;
const WANT_YES = 2;
/** Options we do (WILL) and options we want the client to do (DO). */
const OURS = new Set([OPT_ECHO, OPT_SGA]);
const THEIRS = new Set([OPT_ECHO, OPT_NAWS, OPT_TTYPE]);
/** Subnegotiation bytes kept at most (NAWS needs 4, a terminal type name 40). */
const SB_MAX = 64;
/** Negotiation replies per session at most; after that requests are read and ignored. */
const MAX_REPLIES = 128;

/** Parser states. */
const ST_DATA = 0;
const ST_IAC = 1;
const ST_VERB = 2;
const ST_SB = 3;
const ST_SB_IAC = 4;

export class TelnetOptions {
  readonly #us = new Uint8Array(256);
  readonly #him = new Uint8Array(256);
  readonly #sb = new Uint8Array(SB_MAX);
  #sbLen = 0;
  #sbOpt = -1;
  #state = ST_DATA;
  #verb = 0;
  #replies = 0;
  #askedTtype = false;
  terminal: string | undefined;
  windowSize: string | undefined;

  /** Our opening requests (sent with the greeting): the states they leave pending. */
  start(out: Output): void {
    out.bytes(INITIAL_NEGOTIATION);
    this.#him[OPT_ECHO] = WANT_YES;
    this.#him[OPT_NAWS] = WANT_YES;
    this.#us[OPT_ECHO] = WANT_YES;
    this.#us[OPT_SGA] = WANT_YES;
  }

  /** True once the client agreed that we echo (it then stops echoing locally). */
  get weEcho(): boolean {
    return this.#us[OPT_ECHO] === YES;
  }

  /** One received byte: returns it when it is data (IAC IAC gives 255), else -1. */
  byte(b: number, out: Output): number {
    switch (this.#state) {
      case ST_DATA:
        if (b !== IAC) return b;
        this.#state = ST_IAC;
        return -1;
      case ST_IAC:
        return this.#afterIac(b);
      case ST_VERB:
        this.#state = ST_DATA;
        this.#negotiate(this.#verb, b, out);
        return -1;
      case ST_SB:
        if (b === IAC) this.#state = ST_SB_IAC;
        else this.#sbByte(b);
        return -1;
      case ST_SB_IAC:
        if (b === SE) {
          this.#state = ST_DATA;
          this.#subnegotiation();
        } else {
          // IAC IAC inside is a data 255; anything else is a broken sequence we read past
          if (b === IAC) this.#sbByte(b);
          this.#state = ST_SB;
        }
        return -1;
      default:
        return -1;
    }
  }

  #afterIac(b: number): number {
    if (b === IAC) {
      this.#state = ST_DATA;
      return IAC;
    }
    if (b >= WILL && b <= DONT) {
      this.#verb = b;
      this.#state = ST_VERB;
    } else if (b === SB) {
      this.#sbLen = 0;
      this.#sbOpt = -1;
      this.#state = ST_SB;
    } else {
      // NOP, DM, BRK, IP, AO, AYT, EC, EL, GA and unknown commands: nothing to answer on a login prompt
      this.#state = ST_DATA;
    }
    return -1;
  }

  #sbByte(b: number): void {
    if (this.#sbOpt < 0) this.#sbOpt = b;
    else if (this.#sbLen < SB_MAX) this.#sb[this.#sbLen++] = b;
  }

  #reply(out: Output, verb: number, opt: number): void {
    if (this.#replies >= MAX_REPLIES) return;
    this.#replies++;
    out.bytes(Uint8Array.of(IAC, verb, opt));
  }

  #negotiate(verb: number, opt: number, out: Output): void {
    const theirs = verb === WILL || verb === WONT;
    const table = theirs ? this.#him : this.#us;
    const wanted = theirs ? THEIRS.has(opt) : OURS.has(opt);
    const yes = theirs ? DO : WILL;
    const no = theirs ? DONT : WONT;
    const st = table[opt]!;
    if (verb === WILL || verb === DO) {
      if (st === WANT_YES) table[opt] = YES;
      else if (st === NO) {
        if (wanted) {
          table[opt] = YES;
          this.#reply(out, yes, opt);
        } else {
          this.#reply(out, no, opt);
        }
      }
      if (theirs && opt === OPT_TTYPE && table[opt] === YES) this.#askTerminal(out);
    } else if (st === YES) {
      table[opt] = NO;
      this.#reply(out, no, opt);
    } else if (st === WANT_YES) {
      table[opt] = NO;
    }
  }

  #askTerminal(out: Output): void {
    if (this.#askedTtype || this.#replies >= MAX_REPLIES) return;
    this.#askedTtype = true;
    this.#replies++;
    out.bytes(Uint8Array.of(IAC, SB, OPT_TTYPE, TTYPE_SEND, IAC, SE));
  }

  #subnegotiation(): void {
    const b = this.#sb;
    if (this.#sbOpt === OPT_NAWS && this.#sbLen >= 4 && this.windowSize === undefined) {
      this.windowSize = `${(b[0]! << 8) | b[1]!}x${(b[2]! << 8) | b[3]!}`;
    } else if (this.#sbOpt === OPT_TTYPE && this.#sbLen >= 2 && b[0] === TTYPE_IS && this.terminal === undefined) {
      let name = '';
      for (let i = 1; i < this.#sbLen && name.length < 40; i++) name += b[i]! >= 0x20 && b[i]! <= 0x7e ? String.fromCharCode(b[i]!) : '.';
      this.terminal = name;
    }
  }
}
