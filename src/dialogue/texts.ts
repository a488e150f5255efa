// The words each greeting says, with defaults that are what common real servers say (none names this project),
// and the rules a replacement must follow (--greet-file, docs/greetings.md). A replacement is checked when the
// sensor starts, so a dialogue never sends something that would break its own protocol.

import type { GreetProtocol } from '../record/dialogue.ts';

export interface GreetingTexts {
  /** busybox telnetd + login. */
  readonly telnet: { readonly banner: string; readonly login_prompt: string; readonly password_prompt: string; readonly failure: string };
  /** vsftpd. */
  readonly ftp: { readonly banner: string };
  /** Postfix; `hostname` is the name it gives in EHLO/HELO replies. */
  readonly smtp: { readonly banner: string; readonly hostname: string };
  /** Dovecot. */
  readonly pop3: { readonly banner: string };
  /** Dovecot; the CAPABILITY reply repeats the banner's [CAPABILITY ...] list. */
  readonly imap: { readonly banner: string };
  /** OpenSSH of Debian 12. */
  readonly ssh: { readonly version: string };
  /** RFB protocol version we offer. */
  readonly vnc: { readonly version: string };
  /** MySQL server version in the protocol-10 handshake. */
  readonly mysql: { readonly version: string };
}

export const DEFAULT_TEXTS: GreetingTexts = Object.freeze({
  telnet: Object.freeze({ banner: '', login_prompt: 'localhost login: ', password_prompt: 'Password: ', failure: '\r\nLogin incorrect\r\n' }),
  ftp: Object.freeze({ banner: '220 (vsFTPd 3.0.3)' }),
  smtp: Object.freeze({ banner: '220 debian ESMTP Postfix (Debian/GNU)', hostname: 'debian' }),
  pop3: Object.freeze({ banner: '+OK Dovecot ready.' }),
  imap: Object.freeze({ banner: '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN] Dovecot ready.' }),
  ssh: Object.freeze({ version: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10' }),
  vnc: Object.freeze({ version: '003.008' }),
  mysql: Object.freeze({ version: '8.0.40' }),
});

/** A replaceable text: which protocol, which key, and what makes a value acceptable (undefined = ok). */
export interface TextRule {
  readonly protocol: GreetProtocol;
  readonly key: string;
  readonly check: (value: string) => string | undefined;
}

const TERMINAL_TEXT = /^[\t\r\n\x20-\x7e]*$/;
const LINE = (prefix: string, label: string) => (v: string) =>
  v.length <= 250 && /^[\x20-\x7e]*$/.test(v) && v.startsWith(prefix) ? undefined : `must be one line of printable ASCII (at most 250 characters) starting with "${label}"`;
const terminal = (max: number) => (v: string) =>
  v.length <= max && TERMINAL_TEXT.test(v) ? undefined : `must be printable ASCII, tabs, CR and LF only, at most ${max} characters`;

export const TEXT_RULES: readonly TextRule[] = [
  { protocol: 'telnet', key: 'banner', check: terminal(1024) },
  { protocol: 'telnet', key: 'login_prompt', check: terminal(128) },
  { protocol: 'telnet', key: 'password_prompt', check: terminal(128) },
  { protocol: 'telnet', key: 'failure', check: terminal(256) },
  { protocol: 'ftp', key: 'banner', check: LINE('220 ', '220 ') },
  { protocol: 'smtp', key: 'banner', check: LINE('220 ', '220 ') },
  {
    protocol: 'smtp', key: 'hostname',
    check: (v) => (/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(v) ? undefined : 'must be a host name (letters, digits, dots, dashes)'),
  },
  { protocol: 'pop3', key: 'banner', check: LINE('+OK', '+OK') },
  { protocol: 'imap', key: 'banner', check: LINE('* OK ', '* OK ') },
  {
    protocol: 'ssh', key: 'version',
    // RFC 4253 4.2: SSH-protoversion-softwareversion SP comments, at most 255 characters with CR LF
    check: (v) => (v.length <= 253 && /^SSH-2\.0-[\x21-\x2c\x2e-\x7e]+(?: [\x20-\x7e]*)?$/.test(v)
      ? undefined : 'must be an SSH 2.0 identification string such as "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5" (RFC 4253 4.2)'),
  },
  { protocol: 'vnc', key: 'version', check: (v) => (['003.003', '003.007', '003.008'].includes(v) ? undefined : 'must be 003.003, 003.007 or 003.008') },
  { protocol: 'mysql', key: 'version', check: (v) => (/^[0-9][\x21-\x7e]{0,59}$/.test(v) ? undefined : 'must be a version such as 8.0.40 (printable, no spaces)') },
];

export function textRule(protocol: string, key: string): TextRule | undefined {
  return TEXT_RULES.find((r) => r.protocol === protocol && r.key === key);
}

/** The defaults with `overrides` (protocol → key → value, already checked) applied. */
export function withOverrides(overrides: ReadonlyMap<GreetProtocol, ReadonlyMap<string, string>>): GreetingTexts {
  const out: Record<string, Record<string, string>> = {};
  for (const [protocol, texts] of Object.entries(DEFAULT_TEXTS)) out[protocol] = { ...(texts as Record<string, string>) };
  for (const [protocol, keys] of overrides) for (const [k, v] of keys) out[protocol]![k] = v;
  return out as unknown as GreetingTexts;
}
