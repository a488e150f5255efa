// A POP3 login as Dovecot answers it (RFC 1939, CAPA RFC 2449, AUTH RFC 5034): USER/PASS and AUTH PLAIN/LOGIN
// are read and refused with "-ERR [AUTH] Authentication failed." up to maxAttempts times, then the connection
// closes.

import type { GreetProtocol } from '../record/dialogue.ts';
import type { Output } from './dialogue.ts';
import { LineDialogue, splitCommand } from './line-dialogue.ts';
import { SaslExchange, saslMechanism, type SaslStep } from './sasl.ts';

const CAPA = '+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n';
const FAILED = '-ERR [AUTH] Authentication failed.\r\n';

export class Pop3Dialogue extends LineDialogue {
  readonly protocol: GreetProtocol = 'pop3';
  #user: string | undefined;
  #sasl: SaslExchange | undefined;

  start(out: Output): void {
    out.text(`${this.ctx.texts.pop3.banner}\r\n`);
  }

  protected tooMany(out: Output): void {
    out.text('-ERR Too many bad commands.\r\n');
  }

  protected line(line: string, overflow: number, out: Output): void {
    const overlong = overflow > 0;
    if (!this.command(out)) return;
    if (this.#sasl) {
      this.#step(this.#sasl.response(line), out);
      return;
    }
    if (overlong) {
      out.text('-ERR Input line too long.\r\n');
      return;
    }
    const { verb, arg } = splitCommand(line);
    switch (verb) {
      case 'USER':
        this.#user = arg;
        out.text('+OK\r\n');
        return;
      case 'PASS':
        if (this.#user === undefined) out.text('-ERR No username given.\r\n');
        else this.failedLogin(this.#user, arg, out, FAILED);
        return;
      case 'AUTH':
        this.#auth(arg, out);
        return;
      case 'CAPA':
        out.text(CAPA);
        return;
      case 'QUIT':
        this.close(out, '+OK Logging out\r\n');
        return;
      case 'NOOP':
        out.text('+OK\r\n');
        return;
      default:
        out.text('-ERR Unknown command.\r\n');
    }
  }

  #auth(arg: string, out: Output): void {
    const [name, initial] = arg.split(' ');
    if (name === undefined || name === '') {
      out.text('+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n');
      return;
    }
    const mech = saslMechanism(name);
    if (!mech) {
      out.text('-ERR Unsupported authentication mechanism.\r\n');
      return;
    }
    this.#sasl = new SaslExchange(mech);
    this.#step(this.#sasl.start(initial), out);
  }

  #step(step: SaslStep, out: Output): void {
    if (step.kind === 'challenge') {
      out.text(`+ ${step.b64}\r\n`);
      return;
    }
    this.#sasl = undefined;
    if (step.kind === 'done') this.failedLogin(step.user, step.password, out, FAILED);
    else if (step.kind === 'cancelled') out.text('-ERR Authentication aborted by client.\r\n');
    else out.text('-ERR Invalid base64 data in continued response\r\n');
  }
}
