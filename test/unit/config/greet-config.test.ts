// --greet, --greet-max-attempts and --greet-file: the default (telnet on 23 and 2323, ssh on 2222), lists from
// flags and SYNBAIT_GREET, SSH ports left alone, and every mistake a ConfigError naming the flag, file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine } from '../../../src/cli.ts';
import { loadGreetingTexts, parseGreetingFile } from '../../../src/config/greeting-file.ts';
import type { Settings } from '../../../src/config/settings.ts';
import { DEFAULT_TEXTS } from '../../../src/dialogue/texts.ts';
import { ConfigError } from '../../../src/errors.ts';

const host = { hostname: 'unit' };
const settings = (argv: string[], env: Record<string, string> = {}): Settings => {
  const c = parseCommandLine(['-i', 'eth0', ...argv], env, host);
  assert.equal(c.kind, 'run');
  return (c as { settings: Settings }).settings;
};
const fails = (argv: string[], env: Record<string, string>, culprit: string, what: RegExp) =>
  assert.throws(() => settings(argv, env), (e: unknown) => e instanceof ConfigError && e.code === 'SYNBAIT_ERR_CONFIG' && e.culprit === culprit && what.test(e.message));
const text = (s: Settings) => s.greet.map((r) => `${r.from}-${r.to}=${r.protocol}`);

test('by default telnet on 23 and 2323 and ssh on 2222; three attempts', () => {
  const s = settings([]);
  assert.deepEqual(text(s), ['23-23=telnet', '2323-2323=telnet', '2222-2222=ssh']);
  assert.equal(s.greetMaxAttempts, 3);
  assert.equal(s.greetFile, undefined);
});

test('--greet replaces the default; repeatable; ranges; SYNBAIT_GREET as one comma list; "none"', () => {
  assert.deepEqual(text(settings(['--greet', '21=ftp', '--greet', '2323-2325,23=TELNET'])), ['21-21=ftp', '2323-2325=telnet', '23-23=telnet']);
  assert.deepEqual(text(settings([], { SYNBAIT_GREET: '25,587=smtp,110=pop3' })), ['25-25=smtp', '587-587=smtp', '110-110=pop3']);
  assert.deepEqual(text(settings(['--greet', 'none'])), []);
  assert.deepEqual(text(settings(['--greet', '2121=ftp'], { SYNBAIT_GREET: '21=ftp' })), ['2121-2121=ftp'], 'the flag wins');
});

test('an SSH port is never greeted: named, it is an error; in the default, it is left out', () => {
  fails(['--greet', '22=ssh'], {}, '--greet', /port 22 is an SSH port/);
  assert.deepEqual(text(settings(['--ssh-port', '22,2222'])), ['23-23=telnet', '2323-2323=telnet'], 'the host\'s sshd on 2222 keeps its port');
  assert.deepEqual(text(settings(['--ssh-port', '2300-2330'])), ['23-23=telnet', '2222-2222=ssh']);
  assert.deepEqual(text(settings(['--ssh-port', 'none', '--greet', '22=ssh'])), ['22-22=ssh']);
});

test('bad --greet values name the flag or the variable', () => {
  fails(['--greet', '23=gopher'], {}, '--greet', /unknown protocol; one of telnet, ftp/);
  fails(['--greet', '23,2323'], {}, '--greet', /without =PROTOCOL/);
  fails(['--greet', '0=ftp'], {}, '--greet', /PORT\[,PORT\.\.\.\]=PROTOCOL/);
  fails(['--greet', '21=ftp', '--greet', '21=smtp'], {}, '--greet', /overlap with different protocols/);
  fails([], { SYNBAIT_GREET: 'x=ftp' }, 'SYNBAIT_GREET', /expected PORT/);
  fails(['--greet-max-attempts', '0'], {}, '--greet-max-attempts', /at least 1/);
  fails(['--greet-max-attempts', '17'], {}, '--greet-max-attempts', /at most 16/);
});

const fileFails = (body: string, what: RegExp) =>
  assert.throws(() => parseGreetingFile('greet.ini', body), (e: unknown) => e instanceof ConfigError && e.culprit === '--greet-file' && what.test(e.message));

test('a greeting file replaces what it names and keeps the rest; quoted values take escapes', () => {
  const t = parseGreetingFile('greet.ini', [
    '# comment', '; another', '', '[telnet]', 'banner = "\\r\\nWelcome to \\"edge\\"\\x21\\r\\n"', 'login_prompt = "cam-02 login: "',
    '[SSH]', 'version = SSH-2.0-OpenSSH_8.4p1 Raspbian-5+deb11u3', '[smtp]', 'hostname = mx1.example.net', 'banner = 220 mx1.example.net ESMTP',
  ].join('\r\n'));
  assert.equal(t.telnet.banner, '\r\nWelcome to "edge"!\r\n');
  assert.equal(t.telnet.login_prompt, 'cam-02 login: ');
  assert.equal(t.telnet.password_prompt, DEFAULT_TEXTS.telnet.password_prompt);
  assert.equal(t.ssh.version, 'SSH-2.0-OpenSSH_8.4p1 Raspbian-5+deb11u3');
  assert.equal(t.smtp.hostname, 'mx1.example.net');
  assert.equal(t.ftp.banner, DEFAULT_TEXTS.ftp.banner);
});

test('greeting file mistakes name the file and the line', () => {
  fileFails('banner = x', /greet\.ini line 1: a key before any \[protocol\] section/);
  fileFails('\n[gopher]', /line 2: unknown section \[gopher\]/);
  fileFails('[ftp]\nmotd = hi', /line 2: unknown key "motd" in \[ftp\]; one of banner/);
  fileFails('[ftp]\nbanner = 230 logged in', /line 2: ftp\.banner must be one line .* starting with "220 "/);
  fileFails('[ssh]\nversion = SSH-1.5-old', /ssh\.version must be an SSH 2\.0 identification string/);
  fileFails('[telnet]\nbanner = "\\xff"', /telnet\.banner must be printable ASCII/);
  fileFails('[telnet]\nbanner = "open', /missing closing quote/);
  fileFails('[telnet]\nbanner = "a" b', /text after the closing quote/);
  fileFails('[telnet]\nbanner = "\\q"', /bad escape \\q/);
  fileFails('[vnc]\nversion = 004.000', /vnc\.version must be 003\.003, 003\.007 or 003\.008/);
  fileFails('[mysql]\nversion = 8.0 beta', /mysql\.version/);
  fileFails('[pop3]\nbanner = +OK a\nbanner = +OK b', /line 3: pop3\.banner is set twice/);
  fileFails('[imap]\njust words', /expected \[protocol\] or key = value/);
});

test('loadGreetingTexts: no file, the defaults; a missing file, a ConfigError', async () => {
  assert.equal(await loadGreetingTexts(undefined), DEFAULT_TEXTS);
  const dir = mkdtempSync(join(tmpdir(), 'greet-file-'));
  try {
    writeFileSync(join(dir, 'g.ini'), '[vnc]\nversion = 003.003\n');
    assert.equal((await loadGreetingTexts(join(dir, 'g.ini'))).vnc.version, '003.003');
    await assert.rejects(loadGreetingTexts(join(dir, 'missing.ini')), (e: unknown) => e instanceof ConfigError && /ENOENT/.test(e.message));
    writeFileSync(join(dir, 'big.ini'), 'x'.repeat(70_000));
    await assert.rejects(loadGreetingTexts(join(dir, 'big.ini')), (e: unknown) => e instanceof ConfigError && /larger than/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
