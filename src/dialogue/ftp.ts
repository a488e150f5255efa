// An FTP login as vsftpd 3.0 answers it with anonymous and local logins refused (RFC 959 5.4 reply codes):
// USER gets 331, PASS gets 530 Login incorrect, and after maxAttempts failures the connection closes (vsftpd's
// max_login_fails). FEAT, OPTS, NOOP and QUIT work before login, as in vsftpd; everything else asks for a login.

import type { GreetProtocol } from '../record/dialogue.ts';
import type { Output } from './dialogue.ts';
import { LineDialogue, splitCommand } from './line-dialogue.ts';

const FEATURES = '211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n';
const PLEASE_LOGIN = '530 Please login with USER and PASS.\r\n';

export class FtpDialogue extends LineDialogue {
  readonly protocol: GreetProtocol = 'ftp';
  #user: string | undefined;

  start(out: Output): void {
    out.text(`${this.ctx.texts.ftp.banner}\r\n`);
  }

  protected tooMany(out: Output): void {
    out.text('421 Timeout.\r\n');
  }

  protected line(line: string, overflow: number, out: Output): void {
    const overlong = overflow > 0;
    if (!this.command(out)) return;
    if (overlong) {
      out.text('500 Input line too long.\r\n');
      return;
    }
    const { verb, arg } = splitCommand(line.replace(/^[\xff\xf4\xf2]+/, '')); // Telnet IP/DM before ABOR (RFC 959 4.1.3)
    switch (verb) {
      case 'USER':
        this.#user = arg;
        out.text('331 Please specify the password.\r\n');
        return;
      case 'PASS':
        if (this.#user === undefined) {
          out.text('503 Login with USER first.\r\n');
          return;
        }
        this.failedLogin(this.#user, arg, out, '530 Login incorrect.\r\n');
        this.#user = undefined;
        return;
      case 'QUIT':
        this.close(out, '221 Goodbye.\r\n');
        return;
      case 'FEAT':
        out.text(FEATURES);
        return;
      case 'OPTS':
        out.text(/^utf8 on$/i.test(arg.trim()) ? '200 Always in UTF8 mode.\r\n' : '501 Option not understood.\r\n');
        return;
      case 'NOOP':
        out.text('200 NOOP ok.\r\n');
        return;
      default:
        out.text(PLEASE_LOGIN);
    }
  }
}
