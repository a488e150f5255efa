// The shared shape of the line-based dialogues (FTP, SMTP, POP3, IMAP): client bytes become lines (line-reader.ts),
// each line is one command answered in order (so pipelined commands get their replies in order, RFC 2920), at most
// MAX_COMMANDS of them, and a dialogue may ask for a number of raw bytes (an IMAP literal) between two lines.

import type { GreetProtocol } from '../record/dialogue.ts';
import { Attempts } from './attempts.ts';
import { type Dialogue, type DialogueContext, MAX_COMMANDS, type Output } from './dialogue.ts';
import { LineReader } from './line-reader.ts';

export abstract class LineDialogue implements Dialogue {
  abstract readonly protocol: GreetProtocol;
  protected readonly ctx: DialogueContext;
  protected readonly attempts = new Attempts();
  readonly #lines = new LineReader();
  #commands = 0;
  #raw = 0;
  ended = false;

  constructor(ctx: DialogueContext) {
    this.ctx = ctx;
  }

  abstract start(out: Output): void;

  /** One complete client line (without CR LF); `overflow`: its bytes beyond MAX_LINE (read, not kept). */
  protected abstract line(line: string, overflow: number, out: Output): void;

  /** The reply when the client used up MAX_COMMANDS (the dialogue then ends). */
  protected abstract tooMany(out: Output): void;

  /** One byte asked for with expectRaw; `last` on the final one. */
  protected rawByte(_b: number, _last: boolean, _out: Output): void {}

  facts(): Record<string, unknown> {
    return this.attempts.facts();
  }

  feed(buf: Uint8Array, off: number, len: number, out: Output): number {
    for (let i = 0; i < len; i++) {
      if (this.ended) return i;
      const b = buf[off + i]!;
      if (this.#raw > 0) {
        this.#raw--;
        this.rawByte(b, this.#raw === 0, out);
        continue;
      }
      const line = this.#lines.push(b);
      if (line !== null) this.line(line, this.#lines.lastOverflow, out);
    }
    return len;
  }

  /** Counts one command; false (and the dialogue ends after `tooMany`) once there were too many. */
  protected command(out: Output): boolean {
    if (++this.#commands <= MAX_COMMANDS) return true;
    this.tooMany(out);
    this.ended = true;
    return false;
  }

  protected expectRaw(n: number): void {
    this.#raw = n;
  }

  /** Says `text` and ends the dialogue. */
  protected close(out: Output, text: string): void {
    out.text(text);
    this.ended = true;
  }

  /** A failed login: counted, and the dialogue ends after the reply once maxAttempts is reached. */
  protected failedLogin(user: string, password: string, out: Output, reply: string, farewell = ''): void {
    this.attempts.add(user, password);
    out.text(reply);
    if (this.attempts.count >= this.ctx.maxAttempts) this.close(out, farewell);
  }
}

/** "VERB rest": the verb upper-cased (at most 16 characters), the rest after one space. */
export function splitCommand(line: string): { verb: string; arg: string } {
  const sp = line.indexOf(' ');
  const verb = (sp < 0 ? line : line.slice(0, sp)).slice(0, 16).toUpperCase();
  return { verb, arg: sp < 0 ? '' : line.slice(sp + 1) };
}
