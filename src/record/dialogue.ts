// What a greeted flow's dialogue leaves in its record: the protocol we spoke, every byte we sent, and the order in
// which the two sides took turns, so that a reader can show the conversation (docs/record-schema.md, `dialogue`).

/** The server-first protocols synbait can greet with (--greet PORT=PROTOCOL). */
export const GREET_PROTOCOLS = ['telnet', 'ftp', 'smtp', 'pop3', 'imap', 'vnc', 'mysql', 'ssh'] as const;
export type GreetProtocol = (typeof GREET_PROTOCOLS)[number];

export function isGreetProtocol(s: string): s is GreetProtocol {
  return (GREET_PROTOCOLS as readonly string[]).includes(s);
}

/** `s`: bytes we sent; `c`: client bytes the dialogue read. */
export type TurnSide = 's' | 'c';
export type Turn = readonly [TurnSide, number];

/** Turns kept per record at most; later turns are counted in `turnsTruncated`. */
export const MAX_TURNS = 64;

/** The dialogue of a finished flow, as the responder hands it over (private copies). */
export interface FinishedDialogue {
  readonly protocol: GreetProtocol;
  /** Every byte we sent, in sequence order (the greeting first). */
  readonly server: Uint8Array;
  /** Bytes of the payload the dialogue read; the rest arrived after it ended. */
  readonly clientLen: number;
  readonly turns: readonly Turn[];
  readonly turnsTruncated: boolean;
  /** The dialogue reached its end (we said our last words and closed). */
  readonly ended: boolean;
  /** Our data segments sent again after a retransmission timeout. */
  readonly retransmits: number;
}

/** The record field (JSON). */
export interface DialogueRecord {
  readonly protocol: GreetProtocol;
  /** Base64 of `FinishedDialogue.server`. */
  readonly server: string;
  readonly client_len: number;
  readonly turns: readonly Turn[];
  readonly turns_truncated?: true;
  readonly ended: boolean;
  readonly retransmits: number;
}

export function dialogueRecord(d: FinishedDialogue): DialogueRecord {
  return {
    protocol: d.protocol,
    server: Buffer.from(d.server.buffer, d.server.byteOffset, d.server.byteLength).toString('base64'),
    client_len: d.clientLen,
    turns: d.turns,
    ...(d.turnsTruncated ? { turns_truncated: true as const } : {}),
    ended: d.ended,
    retransmits: d.retransmits,
  };
}
