// A telnet login as busybox telnetd + login present it: option negotiation, `login: `, `Password: `, and
// `Login incorrect` up to maxAttempts times, then the connection closes. Bots (Mirai and its descendants) type
// their credential pairs here; humans' terminals get their characters echoed (we WILL ECHO, as a login does
// with the terminal in no-echo mode for the password) and backspace works.

import type { GreetProtocol } from '../record/dialogue.ts';
import { Attempts } from './attempts.ts';
import { ByteDialogue } from './byte-dialogue.ts';
import { MAX_COMMANDS, MAX_LINE, type Output } from './dialogue.ts';
import { LineReader } from './line-reader.ts';
import { TelnetOptions } from './telnet-options.ts';

const BS = 0x08;
const DEL = 0x7f;
const NAK = 0x15; // ^U: kill the line
/** The banner and prompt follow the negotiation this much later, as login's output follows telnetd's. */
export const LOGIN_DELAY_MS = 50;

export class TelnetDialogue extends ByteDialogue {
  readonly protocol: GreetProtocol = 'telnet';
  readonly #opts = new TelnetOptions();
  readonly #lines = new LineReader({ crEnds: true });
  readonly #attempts = new Attempts();
  #askingPassword = false;
  #user = '';
  #commands = 0;

  start(out: Output): void {
    this.#opts.start(out);
    out.pause(LOGIN_DELAY_MS);
    const t = this.ctx.texts.telnet;
    out.text(t.banner);
    out.text(t.login_prompt);
  }

  protected byte(b: number, out: Output): void {
    const d = this.#opts.byte(b, out);
    if (d >= 0) this.#data(d, out);
  }

  facts(): Record<string, unknown> {
    return {
      ...this.#attempts.facts(),
      ...(this.#opts.terminal !== undefined ? { terminal: this.#opts.terminal } : {}),
      ...(this.#opts.windowSize !== undefined ? { window_size: this.#opts.windowSize } : {}),
    };
  }

  get #echoing(): boolean {
    return this.#opts.weEcho && !this.#askingPassword;
  }

  #data(b: number, out: Output): void {
    if (b === BS || b === DEL) {
      if (this.#lines.erase() && this.#echoing) out.text('\b \b');
      return;
    }
    if (b === NAK) {
      this.#lines.clear();
      return;
    }
    const line = this.#lines.push(b);
    if (line === null) {
      if (this.#echoing && b >= 0x20 && b <= 0x7e && this.#lines.pending <= MAX_LINE) out.bytes(Uint8Array.of(b));
      return;
    }
    if (this.#echoing) out.text('\r\n');
    this.#line(line, out);
  }

  #line(line: string, out: Output): void {
    const t = this.ctx.texts.telnet;
    if (++this.#commands > MAX_COMMANDS) {
      this.ended = true;
      return;
    }
    if (!this.#askingPassword) {
      // an empty user name asks again, as login does
      if (line.trim() === '') {
        out.text(t.login_prompt);
        return;
      }
      this.#user = line;
      this.#askingPassword = true;
      out.text(t.password_prompt);
      return;
    }
    this.#attempts.add(this.#user, line);
    this.#askingPassword = false;
    out.text(t.failure);
    if (this.#attempts.count >= this.ctx.maxAttempts) this.ended = true;
    else out.text(t.login_prompt);
  }
}
