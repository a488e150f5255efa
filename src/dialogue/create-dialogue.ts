// One dialogue per greeted connection, by protocol.

import type { GreetProtocol } from '../record/dialogue.ts';
import type { Dialogue, DialogueContext } from './dialogue.ts';
import { FtpDialogue } from './ftp.ts';
import { ImapDialogue } from './imap.ts';
import { MysqlDialogue } from './mysql.ts';
import { Pop3Dialogue } from './pop3.ts';
import { SmtpDialogue } from './smtp.ts';
import { SshDialogue } from './ssh.ts';
import { TelnetDialogue } from './telnet.ts';
import { VncDialogue } from './vnc.ts';

const MAKERS: Readonly<Record<GreetProtocol, (ctx: DialogueContext) => Dialogue>> = {
  telnet: (c) => new TelnetDialogue(c),
  ftp: (c) => new FtpDialogue(c),
  smtp: (c) => new SmtpDialogue(c),
  pop3: (c) => new Pop3Dialogue(c),
  imap: (c) => new ImapDialogue(c),
  vnc: (c) => new VncDialogue(c),
  mysql: (c) => new MysqlDialogue(c),
  ssh: (c) => new SshDialogue(c),
};

export function createDialogue(protocol: GreetProtocol, ctx: DialogueContext): Dialogue {
  return MAKERS[protocol](ctx);
}
