// FTP, SMTP, POP3 and IMAP dialogues over byte literals: the replies real servers give (vsftpd, Postfix,
// Dovecot), refused logins up to the limit, the SMTP envelope, SASL PLAIN/LOGIN, IMAP literals, pipelining,
// and hostile input (endless lines, too many commands, garbage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_COMMANDS } from '../../../src/dialogue/dialogue.ts';
import { SMTP_SIZE_LIMIT } from '../../../src/dialogue/smtp.ts';
import { decodeBase64 } from '../../../src/dialogue/sasl.ts';
import type { GreetProtocol } from '../../../src/record/dialogue.ts';
import { open, runWhole, say } from '../../helpers/dialogue-harness.ts';

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

test('ftp: vsftpd\'s banner, USER 331, PASS 530, three failures close the connection', () => {
  const { d, out, greeting } = open('ftp');
  assert.equal(greeting, '220 (vsFTPd 3.0.3)\r\n');
  assert.equal(say(d, out, 'PASS early\r\n').reply, '503 Login with USER first.\r\n');
  assert.equal(say(d, out, 'user anonymous\r\n').reply, '331 Please specify the password.\r\n', 'verbs are case-insensitive');
  assert.equal(say(d, out, 'PASS a@b.c\r\n').reply, '530 Login incorrect.\r\n');
  assert.equal(say(d, out, 'SYST\r\nFEAT\r\n').reply, '530 Please login with USER and PASS.\r\n211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n');
  const { reply, read } = say(d, out, 'USER root\r\nPASS root\r\nUSER admin\r\nPASS admin\r\nUSER x\r\n');
  assert.equal(reply, '331 Please specify the password.\r\n530 Login incorrect.\r\n331 Please specify the password.\r\n530 Login incorrect.\r\n');
  assert.equal(d.ended, true);
  assert.equal(read, 'USER root\r\nPASS root\r\nUSER admin\r\nPASS admin\r\n'.length, 'what followed the last refusal was not read');
  assert.deepEqual(d.facts().attempts, [{ user: 'anonymous', password: 'a@b.c' }, { user: 'root', password: 'root' }, { user: 'admin', password: 'admin' }]);
});

test('ftp: QUIT says goodbye and ends; an overlong line is refused; Telnet IP/DM before a command is skipped', () => {
  let { d, out } = open('ftp');
  assert.equal(say(d, out, `USER ${'a'.repeat(5000)}\r\n`).reply, '500 Input line too long.\r\n');
  assert.equal(say(d, out, '\xff\xf4\xff\xf2NOOP\r\n').reply, '200 NOOP ok.\r\n');
  assert.equal(say(d, out, 'QUIT\r\n').reply, '221 Goodbye.\r\n');
  assert.equal(d.ended, true);
  ({ d, out } = open('ftp'));
  say(d, out, 'NOOP\n'.repeat(MAX_COMMANDS));
  assert.equal(say(d, out, 'NOOP\n').reply, '421 Timeout.\r\n');
  assert.equal(d.ended, true);
});

test('smtp: Postfix\'s EHLO, the envelope of a pipelined transaction, DATA with dot-stuffing, a queue id', () => {
  const { d, out, greeting } = open('smtp');
  assert.equal(greeting, '220 debian ESMTP Postfix (Debian/GNU)\r\n');
  const ehlo = say(d, out, 'EHLO bot.example\r\n').reply;
  assert.match(ehlo, /^250-debian\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n/);
  assert.match(ehlo, /250-AUTH PLAIN LOGIN\r\n/);
  assert.match(ehlo, /250 SMTPUTF8\r\n$/);
  const r = say(d, out, 'MAIL FROM:<spam@example.org> SIZE=100\r\nRCPT TO:<a@example.net>\r\nRCPT TO: b@example.net\r\nRCPT TO:<a@example.net>\r\nDATA\r\n').reply;
  assert.equal(r, '250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n');
  assert.equal(say(d, out, 'From: x\r\nSubject: Win big\r\n\r\n..leading dot\r\nSubject: not a header\r\n').reply, '');
  assert.match(say(d, out, '.\r\n').reply, /^250 2\.0\.0 Ok: queued as [0-9A-F]{10}\r\n$/);
  assert.deepEqual(d.facts(), {
    helo: 'bot.example', mail_from: 'spam@example.org', rcpt_to: ['a@example.net', 'b@example.net'], messages: 1,
    data_bytes: 'From: x\r\nSubject: Win big\r\n\r\n.leading dot\r\nSubject: not a header\r\n'.length, subject: 'Win big',
  });
  assert.equal(say(d, out, 'QUIT\r\n').reply, '221 2.0.0 Bye\r\n');
  assert.equal(d.ended, true);
});

test('smtp: command order errors, syntax errors and unknown commands get Postfix\'s codes', () => {
  const { d, out } = open('smtp');
  assert.equal(say(d, out, 'RCPT TO:<a@b>\r\n').reply, '503 5.5.1 Error: need MAIL command\r\n');
  assert.equal(say(d, out, 'DATA\r\n').reply, '503 5.5.1 Error: need RCPT command\r\n');
  assert.equal(say(d, out, 'MAIL TO:<a@b>\r\n').reply, '501 5.5.4 Syntax: MAIL FROM:<address>\r\n');
  assert.equal(say(d, out, 'MAIL FROM:<>\r\nMAIL FROM:<x@y>\r\n').reply, '250 2.1.0 Ok\r\n503 5.5.1 Error: nested MAIL command\r\n');
  assert.equal(say(d, out, 'DATA\r\n').reply, '554 5.5.1 Error: no valid recipients\r\n');
  assert.equal(say(d, out, 'HELO\r\nSTARTTLS\r\nWHAT\r\nRSET\r\n').reply, '501 Syntax: HELO hostname\r\n502 5.5.1 Error: command not implemented\r\n502 5.5.2 Error: command not recognized\r\n250 2.0.0 Ok\r\n');
});

test('smtp: a message over the announced SIZE is refused at its end; its bytes are counted, not kept', () => {
  const { d, out } = open('smtp');
  say(d, out, 'HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n');
  const chunk = Buffer.from(`${'y'.repeat(998)}\r\n`.repeat(1024));
  for (let sent = 0; sent <= SMTP_SIZE_LIMIT; sent += chunk.length) assert.equal(say(d, out, chunk).reply, '');
  assert.equal(say(d, out, '.\r\n').reply, '552 5.3.4 Error: message file too big\r\n');
  assert.ok((d.facts().data_bytes as number) > SMTP_SIZE_LIMIT);
});

test('smtp: AUTH PLAIN (initial response) and AUTH LOGIN are refused, three times, then 421 and close', () => {
  const { d, out } = open('smtp');
  assert.equal(say(d, out, `AUTH PLAIN ${b64('\0admin\0admin')}\r\n`).reply, '535 5.7.8 Error: authentication failed: authentication failure\r\n');
  assert.equal(say(d, out, 'AUTH LOGIN\r\n').reply, '334 VXNlcm5hbWU6\r\n');
  assert.equal(say(d, out, `${b64('info@example.com')}\r\n`).reply, '334 UGFzc3dvcmQ6\r\n');
  assert.equal(say(d, out, `${b64('123456')}\r\n`).reply, '535 5.7.8 Error: authentication failed: authentication failure\r\n');
  assert.equal(say(d, out, 'AUTH LOGIN\r\n*\r\n').reply, '334 VXNlcm5hbWU6\r\n501 5.7.0 Authentication aborted\r\n');
  assert.equal(say(d, out, 'AUTH PLAIN\r\n!!!\r\n').reply, '334 \r\n501 5.5.2 Cannot decode response\r\n');
  assert.equal(say(d, out, 'AUTH CRAM-MD5\r\n').reply, '535 5.7.8 Error: authentication failed: Invalid authentication mechanism\r\n');
  assert.equal(say(d, out, `AUTH PLAIN ${b64('\0root\0toor')}\r\n`).reply, '535 5.7.8 Error: authentication failed: authentication failure\r\n421 4.7.0 debian Error: too many errors\r\n');
  assert.equal(d.ended, true);
  assert.deepEqual(d.facts().attempts, [{ user: 'admin', password: 'admin' }, { user: 'info@example.com', password: '123456' }, { user: 'root', password: 'toor' }]);
});

test('pop3: Dovecot\'s answers to USER/PASS, AUTH PLAIN and LOGIN, CAPA, QUIT', () => {
  const { d, out, greeting } = open('pop3');
  assert.equal(greeting, '+OK Dovecot ready.\r\n');
  assert.equal(say(d, out, 'PASS x\r\n').reply, '-ERR No username given.\r\n');
  assert.equal(say(d, out, 'USER bob\r\nPASS hunter2\r\n').reply, '+OK\r\n-ERR [AUTH] Authentication failed.\r\n');
  assert.match(say(d, out, 'CAPA\r\n').reply, /^\+OK\r\nCAPA\r\n.*SASL PLAIN LOGIN\r\n\.\r\n$/s);
  assert.equal(say(d, out, 'AUTH\r\n').reply, '+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n');
  assert.equal(say(d, out, 'AUTH PLAIN\r\n').reply, '+ \r\n');
  assert.equal(say(d, out, `${b64('authz\0alice\0wonderland')}\r\n`).reply, '-ERR [AUTH] Authentication failed.\r\n');
  assert.equal(say(d, out, 'STAT\r\n').reply, '-ERR Unknown command.\r\n');
  assert.equal(say(d, out, `AUTH LOGIN ${b64('carol')}\r\n${b64('pw')}\r\n`).reply, '+ UGFzc3dvcmQ6\r\n-ERR [AUTH] Authentication failed.\r\n');
  assert.equal(d.ended, true, 'third failure');
  assert.deepEqual(d.facts().attempts, [{ user: 'bob', password: 'hunter2' }, { user: 'alice', password: 'wonderland' }, { user: 'carol', password: 'pw' }]);
});

test('imap: LOGIN with atoms, quoted strings and literals; AUTHENTICATE with SASL-IR; CAPABILITY follows the banner', () => {
  const { d, out, greeting } = open('imap', { maxAttempts: 5 });
  assert.match(greeting, /^\* OK \[CAPABILITY IMAP4rev1 .*\] Dovecot ready\.\r\n$/);
  assert.equal(say(d, out, 'a1 CAPABILITY\r\n').reply, '* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN\r\na1 OK Pre-login capabilities listed, post-login capabilities have more.\r\n');
  assert.equal(say(d, out, 'a2 LOGIN bob "pa ss\\"word"\r\n').reply, 'a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
  assert.equal(say(d, out, 'a3 LOGIN {5}\r\n').reply, '+ OK\r\n', 'a synchronising literal is invited');
  assert.equal(say(d, out, 'alice {3+}\r\nabc\r\n').reply, 'a3 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
  assert.equal(say(d, out, `a4 AUTHENTICATE PLAIN ${b64('\0carol\0pw')}\r\n`).reply, 'a4 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
  assert.equal(say(d, out, 'a5 AUTHENTICATE LOGIN\r\n').reply, '+ VXNlcm5hbWU6\r\n');
  assert.equal(say(d, out, '*\r\n').reply, 'a5 BAD Authentication aborted by client.\r\n');
  assert.equal(say(d, out, 'a6 ID ("name" "x")\r\na7 SELECT INBOX\r\n\r\n').reply, '* ID NIL\r\na6 OK ID completed.\r\na7 BAD Error in IMAP command received by server.\r\n* BAD Error in IMAP command received by server.\r\n');
  assert.equal(say(d, out, 'a8 LOGOUT\r\n').reply, '* BYE Logging out\r\na8 OK Logout completed.\r\n');
  assert.equal(d.ended, true);
  assert.deepEqual(d.facts().attempts, [{ user: 'bob', password: 'pa ss"word' }, { user: 'alice', password: 'abc' }, { user: 'carol', password: 'pw' }]);
});

test('imap: a synchronising literal too large is refused; a non-synchronising one is skipped, not stored', () => {
  const { d, out } = open('imap');
  assert.equal(say(d, out, 'x LOGIN {99999}\r\n').reply, 'x BAD Error in IMAP command received by server.\r\n');
  assert.equal(say(d, out, `y LOGIN {2000+}\r\n${'z'.repeat(2000)} pw\r\n`).reply, 'y BAD Missing arguments\r\n', 'the skipped literal is no argument');
});

const PROTOCOLS: GreetProtocol[] = ['ftp', 'smtp', 'pop3', 'imap'];

test('hostile: garbage, endless lines and floods of commands never throw and stay bounded', () => {
  for (const p of PROTOCOLS) {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => {
      const { d, out } = open(p);
      const { reply } = say(d, out, bytes);
      // at most MAX_COMMANDS answers (the longest is EHLO's or CAPA's), however long the input
      assert.ok(reply.length <= (MAX_COMMANDS + 1) * 260, `${p}: ${reply.length}`);
      d.facts();
    }), { numRuns: 100 });
    const { d, out } = open(p);
    assert.equal(say(d, out, Buffer.alloc(2_000_000, 0x41)).reply, '', `${p}: an endless line is read, not answered`);
    say(d, out, '\r\n'.repeat(MAX_COMMANDS + 5));
    assert.equal(d.ended, true, `${p}: too many commands end the dialogue`);
  }
});

test('pipelined or byte by byte, the same conversation gives the same answers', () => {
  const convs: Record<string, string> = {
    ftp: 'USER a\r\nPASS b\r\nFEAT\r\nUSER c\r\nPASS d\r\nQUIT\r\n',
    smtp: `EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: s\r\n\r\nbody\r\n.\r\nAUTH LOGIN\r\n${b64('u')}\r\n${b64('p')}\r\nQUIT\r\n`,
    pop3: `USER a\r\nPASS b\r\nAUTH PLAIN ${b64('\0c\0d')}\r\nQUIT\r\n`,
    imap: 'a LOGIN {1}\r\nu {1+}\r\np\r\nb LOGOUT\r\n',
  };
  for (const [p, text] of Object.entries(convs)) {
    const bytes = Buffer.from(text, 'latin1');
    const whole = runWhole(p as GreetProtocol, bytes);
    const each = runWhole(p as GreetProtocol, bytes, Array.from({ length: bytes.length }, (_, i) => i + 1));
    assert.deepEqual(each, whole, p);
    assert.equal(whole.ended, true, p);
  }
});

test('base64 for SASL: padding optional, anything else refused', () => {
  assert.equal(decodeBase64('dXNlcg=='), 'user');
  assert.equal(decodeBase64('dXNlcg'), 'user');
  assert.equal(decodeBase64('d'), null);
  assert.equal(decodeBase64('a b'), null);
});
