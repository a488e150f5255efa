// An IMAP login as Dovecot answers it before authentication (RFC 3501, SASL-IR RFC 4959, LITERAL+ RFC 7888):
// LOGIN and AUTHENTICATE PLAIN/LOGIN are read and refused with NO [AUTHENTICATIONFAILED] up to maxAttempts times,
// then the connection closes. Literals are read in bounded buffers; a too large one is refused (synchronising)
// or skipped (non-synchronising).

import type { GreetProtocol } from '../record/dialogue.ts';
import { MAX_LINE, type Output } from './dialogue.ts';
import { type ImapPart, imapTokens, literalAtEnd } from './imap-args.ts';
import { LineDialogue } from './line-dialogue.ts';
import { SaslExchange, saslMechanism, type SaslStep } from './sasl.ts';

const DEFAULT_CAPS = 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN';
const MAX_PARTS = 8;
const TAG = /^[\x21-\x7e]{1,64}$/;
const FAILED = 'NO [AUTHENTICATIONFAILED] Authentication failed.';

export class ImapDialogue extends LineDialogue {
  readonly protocol: GreetProtocol = 'imap';
  #parts: ImapPart[] = [];
  #literal = '';
  #keepLiteral = false;
  #sasl: { exchange: SaslExchange; tag: string } | undefined;

  start(out: Output): void {
    out.text(`${this.ctx.texts.imap.banner}\r\n`);
  }

  protected tooMany(out: Output): void {
    out.text('* BYE Too many invalid IMAP commands.\r\n');
  }

  protected override rawByte(b: number, last: boolean, _out: Output): void {
    if (this.#keepLiteral) this.#literal += String.fromCharCode(b);
    if (!last) return;
    if (this.#keepLiteral) this.#parts.push({ literal: this.#literal });
    this.#literal = '';
  }

  protected line(line: string, overflow: number, out: Output): void {
    const overlong = overflow > 0;
    if (this.#sasl) {
      if (this.command(out)) this.#step(this.#sasl.exchange.response(line), this.#sasl.tag, out);
      return;
    }
    const lit = overlong ? undefined : literalAtEnd(line);
    if (lit && this.#parts.length < MAX_PARTS) {
      this.#parts.push({ text: lit.head });
      this.#keepLiteral = lit.size <= MAX_LINE;
      if (this.#keepLiteral || lit.plus) {
        if (!lit.plus) out.text('+ OK\r\n');
        if (lit.size > 0) {
          this.expectRaw(lit.size);
          return;
        }
        this.#parts.push({ literal: '' });
        return;
      }
    } else {
      this.#parts.push({ text: line });
    }
    const parts = this.#parts;
    this.#parts = [];
    if (!this.command(out)) return;
    if (overlong || (lit && !this.#keepLiteral && !lit.plus)) {
      out.text(`${tagOf(parts)} BAD Error in IMAP command received by server.\r\n`);
      return;
    }
    this.#dispatch(imapTokens(parts), out);
  }

  #dispatch(tokens: string[], out: Output): void {
    const [tag, cmd] = tokens;
    if (tag === undefined || cmd === undefined || !TAG.test(tag)) {
      out.text('* BAD Error in IMAP command received by server.\r\n');
      return;
    }
    switch (cmd.toUpperCase()) {
      case 'CAPABILITY':
        out.text(`* CAPABILITY ${this.#capabilities()}\r\n${tag} OK Pre-login capabilities listed, post-login capabilities have more.\r\n`);
        return;
      case 'LOGIN':
        if (tokens.length < 4) out.text(`${tag} BAD Missing arguments\r\n`);
        else this.failedLogin(tokens[2]!, tokens[3]!, out, `${tag} ${FAILED}\r\n`);
        return;
      case 'AUTHENTICATE':
        this.#authenticate(tag, tokens[2], tokens[3], out);
        return;
      case 'LOGOUT':
        this.close(out, `* BYE Logging out\r\n${tag} OK Logout completed.\r\n`);
        return;
      case 'NOOP':
        out.text(`${tag} OK NOOP completed.\r\n`);
        return;
      case 'ID':
        out.text(`* ID NIL\r\n${tag} OK ID completed.\r\n`);
        return;
      default:
        out.text(`${tag} BAD Error in IMAP command received by server.\r\n`);
    }
  }

  #authenticate(tag: string, name: string | undefined, initial: string | undefined, out: Output): void {
    const mech = name === undefined ? undefined : saslMechanism(name);
    if (!mech) {
      out.text(`${tag} NO Unsupported authentication mechanism.\r\n`);
      return;
    }
    const exchange = new SaslExchange(mech);
    this.#sasl = { exchange, tag };
    this.#step(exchange.start(initial), tag, out);
  }

  #step(step: SaslStep, tag: string, out: Output): void {
    if (step.kind === 'challenge') {
      out.text(`+ ${step.b64}\r\n`);
      return;
    }
    this.#sasl = undefined;
    if (step.kind === 'done') this.failedLogin(step.user, step.password, out, `${tag} ${FAILED}\r\n`);
    else if (step.kind === 'cancelled') out.text(`${tag} BAD Authentication aborted by client.\r\n`);
    else out.text(`${tag} BAD Invalid base64 data in continued response\r\n`);
  }

  /** The banner's [CAPABILITY ...] list, so the two agree when the banner is replaced. */
  #capabilities(): string {
    const m = /\[CAPABILITY ([^\]]*)\]/.exec(this.ctx.texts.imap.banner);
    return m ? m[1]! : DEFAULT_CAPS;
  }
}

function tagOf(parts: readonly ImapPart[]): string {
  const first = parts[0];
  const t = first && 'text' in first ? first.text.split(' ')[0] ?? '' : '';
  return TAG.test(t) ? t : '*';
}
