// An SMTP session as Postfix answers it (RFC 5321, PIPELINING RFC 2920, AUTH RFC 4954): EHLO/HELO, MAIL, RCPT
// (every recipient accepted, so relay testers and spammers go on to DATA) and DATA, whose message is read line by
// line up to the announced SIZE (only its length and first Subject are kept; the bytes are in the payload).
// AUTH PLAIN/LOGIN is refused up to maxAttempts times, then the connection closes. The envelope goes in facts.

import type { GreetProtocol } from '../record/dialogue.ts';
import type { Output } from './dialogue.ts';
import { printableText } from './attempts.ts';
import { LineDialogue, splitCommand } from './line-dialogue.ts';
import { SaslExchange, saslMechanism, type SaslStep } from './sasl.ts';

/** Postfix's default message_size_limit, announced in EHLO. */
export const SMTP_SIZE_LIMIT = 10_240_000;
const MAX_RCPTS = 32;
const MAX_ADDRESS = 256;
const AUTH_FAILED = '535 5.7.8 Error: authentication failed: authentication failure\r\n';

interface Envelope {
  helo: string | undefined;
  mailFrom: string | undefined;
  readonly rcptTo: string[];
  messages: number;
  dataBytes: number;
  subject: string | undefined;
}

export class SmtpDialogue extends LineDialogue {
  readonly protocol: GreetProtocol = 'smtp';
  readonly #env: Envelope = { helo: undefined, mailFrom: undefined, rcptTo: [], messages: 0, dataBytes: 0, subject: undefined };
  #inMail = false;
  #rcpts = 0;
  /** Reading a message: its size so far, and whether its headers are still going on. */
  #data: { size: number; headers: boolean } | undefined;
  #sasl: SaslExchange | undefined;
  #queue = 0;

  start(out: Output): void {
    out.text(`${this.ctx.texts.smtp.banner}\r\n`);
  }

  protected tooMany(out: Output): void {
    out.text(`421 4.7.0 ${this.ctx.texts.smtp.hostname} Error: too many errors\r\n`);
  }

  override facts(): Record<string, unknown> {
    const e = this.#env;
    return {
      ...(e.helo !== undefined ? { helo: e.helo } : {}),
      ...(e.mailFrom !== undefined ? { mail_from: e.mailFrom } : {}),
      ...(e.rcptTo.length > 0 ? { rcpt_to: [...e.rcptTo] } : {}),
      ...(e.messages > 0 ? { messages: e.messages, data_bytes: e.dataBytes } : {}),
      ...(e.subject !== undefined ? { subject: e.subject } : {}),
      ...this.attempts.facts(),
    };
  }

  protected line(line: string, overflow: number, out: Output): void {
    if (this.#data) {
      this.#dataLine(line, overflow, out);
      return;
    }
    if (!this.command(out)) return;
    if (this.#sasl) {
      this.#step(this.#sasl.response(line), out);
      return;
    }
    if (overflow > 0) {
      out.text('500 5.5.2 Error: line too long\r\n');
      return;
    }
    this.#command(splitCommand(line), out);
  }

  #command({ verb, arg }: { verb: string; arg: string }, out: Output): void {
    const host = this.ctx.texts.smtp.hostname;
    switch (verb) {
      case 'EHLO':
      case 'HELO':
        if (arg.trim() === '') {
          out.text(`501 Syntax: ${verb} hostname\r\n`);
          return;
        }
        this.#env.helo ??= printableText(arg.trim(), MAX_ADDRESS);
        this.#reset();
        out.text(verb === 'HELO' ? `250 ${host}\r\n` : ehloReply(host));
        return;
      case 'MAIL': return this.#mail(arg, out);
      case 'RCPT': return this.#rcpt(arg, out);
      case 'DATA': return this.#startData(out);
      case 'AUTH': return this.#auth(arg, out);
      case 'RSET':
        this.#reset();
        out.text('250 2.0.0 Ok\r\n');
        return;
      case 'NOOP':
        out.text('250 2.0.0 Ok\r\n');
        return;
      case 'VRFY':
        out.text(`252 2.0.0 ${printableText(arg, MAX_ADDRESS)}\r\n`);
        return;
      case 'QUIT':
        this.close(out, '221 2.0.0 Bye\r\n');
        return;
      case 'STARTTLS':
        out.text('502 5.5.1 Error: command not implemented\r\n');
        return;
      default:
        out.text('502 5.5.2 Error: command not recognized\r\n');
    }
  }

  #reset(): void {
    this.#inMail = false;
    this.#rcpts = 0;
  }

  #mail(arg: string, out: Output): void {
    if (this.#inMail) return out.text('503 5.5.1 Error: nested MAIL command\r\n');
    const addr = address(arg, 'FROM');
    if (addr === undefined) return out.text('501 5.5.4 Syntax: MAIL FROM:<address>\r\n');
    this.#env.mailFrom ??= addr;
    this.#inMail = true;
    out.text('250 2.1.0 Ok\r\n');
  }

  #rcpt(arg: string, out: Output): void {
    if (!this.#inMail) return out.text('503 5.5.1 Error: need MAIL command\r\n');
    const addr = address(arg, 'TO');
    if (addr === undefined) return out.text('501 5.5.4 Syntax: RCPT TO:<address>\r\n');
    const r = this.#env.rcptTo;
    if (r.length < MAX_RCPTS && !r.includes(addr)) r.push(addr);
    this.#rcpts++;
    out.text('250 2.1.5 Ok\r\n');
  }

  #startData(out: Output): void {
    if (!this.#inMail) return out.text('503 5.5.1 Error: need RCPT command\r\n');
    if (this.#rcpts === 0) return out.text('554 5.5.1 Error: no valid recipients\r\n');
    this.#data = { size: 0, headers: true };
    out.text('354 End data with <CR><LF>.<CR><LF>\r\n');
  }

  #dataLine(line: string, overflow: number, out: Output): void {
    const d = this.#data!;
    if (line === '.' && overflow === 0) {
      this.#data = undefined;
      this.#reset();
      const e = this.#env;
      e.messages++;
      e.dataBytes += d.size;
      if (d.size > SMTP_SIZE_LIMIT) return out.text('552 5.3.4 Error: message file too big\r\n');
      out.text(`250 2.0.0 Ok: queued as ${this.#queueId()}\r\n`);
      return;
    }
    // the line, its CR LF, minus the dot of dot-stuffing (RFC 5321 4.5.2)
    d.size += line.length + overflow + 2 - (line.startsWith('.') ? 1 : 0);
    if (d.headers) {
      if (line === '') d.headers = false;
      else if (this.#env.subject === undefined && /^subject:/i.test(line)) this.#env.subject = printableText(line.slice(8).trim(), 200);
    }
  }

  #auth(arg: string, out: Output): void {
    if (this.#inMail) return out.text('503 5.5.1 Error: MAIL transaction in progress\r\n');
    const [name, initial] = arg.split(' ');
    const mech = name === undefined ? undefined : saslMechanism(name);
    if (!mech) return out.text('535 5.7.8 Error: authentication failed: Invalid authentication mechanism\r\n');
    this.#sasl = new SaslExchange(mech);
    this.#step(this.#sasl.start(initial), out);
  }

  #step(step: SaslStep, out: Output): void {
    if (step.kind === 'challenge') return out.text(`334 ${step.b64}\r\n`);
    this.#sasl = undefined;
    if (step.kind === 'done') {
      const host = this.ctx.texts.smtp.hostname;
      this.failedLogin(step.user, step.password, out, AUTH_FAILED, `421 4.7.0 ${host} Error: too many errors\r\n`);
    } else if (step.kind === 'cancelled') {
      out.text('501 5.7.0 Authentication aborted\r\n');
    } else {
      out.text('501 5.5.2 Cannot decode response\r\n');
    }
  }

  /** A Postfix-style short queue id: 10 hex digits, unique per message of the connection. */
  #queueId(): string {
    const s = this.ctx.seed;
    const n = this.#queue++;
    let id = '';
    for (let i = 0; i < 5; i++) id += ((s[i]! + n * 37) & 0xff).toString(16).padStart(2, '0');
    return id.toUpperCase();
  }
}

function ehloReply(host: string): string {
  const ext = ['PIPELINING', `SIZE ${SMTP_SIZE_LIMIT}`, 'VRFY', 'ETRN', 'AUTH PLAIN LOGIN', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8'];
  return [host, ...ext].map((l, i, all) => `250${i === all.length - 1 ? ' ' : '-'}${l}\r\n`).join('');
}

/** The address of "FROM:<a@b> params" (or a bare address, as Postfix accepts), printable and bounded. */
function address(arg: string, key: 'FROM' | 'TO'): string | undefined {
  const m = new RegExp(`^${key}:\\s*(?:<([^>]*)>|(\\S+))`, 'i').exec(arg);
  if (!m) return undefined;
  return printableText(m[1] ?? m[2] ?? '', MAX_ADDRESS);
}

