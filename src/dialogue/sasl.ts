// The two SASL mechanisms password guessers use over SMTP AUTH (RFC 4954), POP3 AUTH (RFC 5034) and IMAP
// AUTHENTICATE (RFC 3501 6.2.2): PLAIN (RFC 4616: base64 of authzid NUL authcid NUL passwd, possibly as an
// initial response) and LOGIN (draft-murchison-sasl-login: base64 user name, then base64 password, each after a
// "Username:"/"Password:" challenge). "*" cancels an exchange (RFC 4954 4).

export type SaslStep =
  | { readonly kind: 'challenge'; readonly b64: string } // send this challenge (base64, may be empty)
  | { readonly kind: 'done'; readonly user: string; readonly password: string }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'invalid' }; // not base64, or not a PLAIN message

export const SASL_MECHANISMS = ['PLAIN', 'LOGIN'] as const;

const USERNAME_CHALLENGE = 'VXNlcm5hbWU6'; // "Username:"
const PASSWORD_CHALLENGE = 'UGFzc3dvcmQ6'; // "Password:"

/** Base64 (RFC 4648 section 4, padding optional as some clients omit it) to latin1, or null. */
export function decodeBase64(s: string): string | null {
  const t = s.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 === 1) return null;
  return Buffer.from(t, 'base64').toString('latin1');
}

export class SaslExchange {
  readonly mechanism: 'PLAIN' | 'LOGIN';
  #user: string | undefined;

  constructor(mechanism: 'PLAIN' | 'LOGIN') {
    this.mechanism = mechanism;
  }

  /** The first step, with the client's initial response if it sent one ("=" is an empty one, RFC 4954 4). */
  start(initial: string | undefined): SaslStep {
    if (initial === undefined || initial === '') {
      return { kind: 'challenge', b64: this.mechanism === 'PLAIN' ? '' : USERNAME_CHALLENGE };
    }
    return this.response(initial === '=' ? '' : initial);
  }

  /** The client's answer to our last challenge. */
  response(line: string): SaslStep {
    if (line.trim() === '*') return { kind: 'cancelled' };
    const text = decodeBase64(line);
    if (text === null) return { kind: 'invalid' };
    if (this.mechanism === 'PLAIN') {
      const parts = text.split('\0');
      if (parts.length !== 3) return { kind: 'invalid' };
      return { kind: 'done', user: parts[1]!, password: parts[2]! };
    }
    if (this.#user === undefined) {
      this.#user = text;
      return { kind: 'challenge', b64: PASSWORD_CHALLENGE };
    }
    return { kind: 'done', user: this.#user, password: text };
  }
}

/** The mechanism named by an AUTH/AUTHENTICATE argument, or undefined when we do not offer it. */
export function saslMechanism(name: string): 'PLAIN' | 'LOGIN' | undefined {
  const n = name.toUpperCase();
  return n === 'PLAIN' || n === 'LOGIN' ? n : undefined;
}
