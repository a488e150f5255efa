// The contract of a server-first dialogue: a small sans-IO state machine over the client's reassembled byte stream.
// It says its greeting, reads what the client sends, answers, and ends (the responder then closes with a FIN).
// The same machine runs live in the responder and again, without output, in the classifier over a record's
// payload (replay.ts): so its decisions depend only on the bytes, never on how they were split into segments,
// on time, or on what it sent.

import type { GreetProtocol } from '../record/dialogue.ts';
import type { GreetingTexts } from './texts.ts';

/** Where a dialogue writes what the server says. Bounded by its owner; writing never fails. */
export interface Output {
  /** Appends bytes. */
  bytes(data: Uint8Array): void;
  /** Appends a string, one byte per character (latin1). */
  text(s: string): void;
  /**
   * What is written after this goes out `ms` after the greeting, in a segment of its own: a telnetd negotiates
   * at once and its login process prints the prompt a moment later, and some clients (hydra) read only the
   * prompt that arrives after the negotiation. Only the first pause of a greeting counts.
   */
  pause(ms: number): void;
}

export interface DialogueContext {
  readonly texts: GreetingTexts;
  /** Failed logins before the server closes (telnet, ftp, pop3, imap, smtp AUTH). */
  readonly maxAttempts: number;
  /** 32 bytes unique to the connection, for what real servers randomise (cookies, challenges, salts, ids). */
  readonly seed: Uint8Array;
  /** The client's address as text (MySQL names it in its refusal). */
  readonly peer: string;
}

/** One login attempt: user and password as printable text. */
export interface Credential {
  readonly user: string;
  readonly password: string;
}

export interface Dialogue {
  readonly protocol: GreetProtocol;
  /** The greeting, on connect. */
  start(out: Output): void;
  /**
   * Client bytes buf[off, off+len), in stream order. Returns how many were read: fewer than `len` once the
   * dialogue has ended (the rest came after its last words).
   */
  feed(buf: Uint8Array, off: number, len: number, out: Output): number;
  /** True once the server said its last words: the responder sends a FIN after them. */
  readonly ended: boolean;
  /** What the client said, for the record's facts (bounded). */
  facts(): Record<string, unknown>;
}

/** Longest client line a dialogue keeps (the rest of the line is read and counted, not kept). */
export const MAX_LINE = 512;
/** Client lines (commands) a dialogue answers at most before it closes. */
export const MAX_COMMANDS = 64;
/** Login attempts kept in facts at most (the count goes on). */
export const MAX_ATTEMPTS_KEPT = 16;
/** Longest user name or password kept in facts. */
export const MAX_CREDENTIAL = 128;
/** Upper bound of --greet-max-attempts. */
export const MAX_ATTEMPTS_LIMIT = 16;
