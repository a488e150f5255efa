// The telnet dialogue over byte literals: busybox telnetd's negotiation, answers per RFC 854/1143, NAWS and
// TERMINAL-TYPE, the login prompts, refusals, echo, line editing, and hostile input (IAC floods, endless lines,
// binary garbage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LOGIN_DELAY_MS } from '../../../src/dialogue/telnet.ts';
import { MAX_COMMANDS, MAX_CREDENTIAL } from '../../../src/dialogue/dialogue.ts';
import { open, runWhole, say } from '../../helpers/dialogue-harness.ts';

const IAC = '\xff';
const [DONT, DO, WONT, WILL, SB, SE] = ['\xfe', '\xfd', '\xfc', '\xfb', '\xfa', '\xf0'];

test('the greeting: DO ECHO, DO NAWS, WILL ECHO, WILL SGA, then (after a pause) "localhost login: "', () => {
  const { out, greeting } = open('telnet');
  assert.equal(greeting, `${IAC}${DO}\x01${IAC}${DO}\x1f${IAC}${WILL}\x01${IAC}${WILL}\x03localhost login: `);
  assert.deepEqual(out.pauses, [LOGIN_DELAY_MS]);
});

test('Mirai types blind: user and password lines before any prompt are two attempts\' worth, read in order', () => {
  const { d, out } = open('telnet');
  const { reply } = say(d, out, 'root\r\nxc3511\r\nadmin\r\nadmin\r\n');
  assert.equal(reply, 'Password: \r\nLogin incorrect\r\nlocalhost login: Password: \r\nLogin incorrect\r\nlocalhost login: ');
  assert.deepEqual(d.facts().attempts, [{ user: 'root', password: 'xc3511' }, { user: 'admin', password: 'admin' }]);
});

test('after maxAttempts refusals the dialogue ends; bytes after the last line are not read', () => {
  const { d, out } = open('telnet', { maxAttempts: 2 });
  const input = 'a\r\nb\r\nc\r\nd\r\ne\r\nf\r\n';
  const { reply, read } = say(d, out, input);
  assert.equal(d.ended, true);
  assert.equal(read, 'a\r\nb\r\nc\r\nd\r'.length, 'read up to the CR that ended the second password');
  assert.ok(reply.endsWith('Login incorrect\r\n'), 'no prompt after the last refusal');
  assert.equal(d.facts().attempts_total, undefined);
});

test('line ends: CR LF, CR NUL, a lone CR and a lone LF each end one line', () => {
  const { d, out } = open('telnet', { maxAttempts: 4 });
  say(d, out, 'u1\r\np1\r\0u2\rp2\nu3\r\n');
  say(d, out, 'p3\r\n');
  assert.deepEqual(d.facts().attempts, [{ user: 'u1', password: 'p1' }, { user: 'u2', password: 'p2' }, { user: 'u3', password: 'p3' }]);
});

test('an empty user name asks again without counting an attempt', () => {
  const { d, out } = open('telnet');
  assert.equal(say(d, out, '\r\n\r\n').reply, 'localhost login: localhost login: ');
  assert.deepEqual(d.facts(), {});
});

test('negotiation: acknowledged once, refused when unwanted, never answered twice (RFC 1143), and no echo before DO ECHO', () => {
  const { d, out } = open('telnet');
  // the client agrees to our WILL ECHO and WILL SGA, refuses DO ECHO, offers NAWS and LINEMODE
  let r = say(d, out, `${IAC}${DO}\x01${IAC}${DO}\x03${IAC}${WONT}\x01${IAC}${WILL}\x1f${IAC}${WILL}\x22`).reply;
  assert.equal(r, `${IAC}${DONT}\x22`, 'only LINEMODE needs an answer: a refusal');
  r = say(d, out, `${IAC}${DO}\x01${IAC}${WILL}\x1f`).reply;
  assert.equal(r, '', 'requests for what is already agreed are not acknowledged');
  r = say(d, out, `${IAC}${DONT}\x01`).reply;
  assert.equal(r, `${IAC}${WONT}\x01`, 'DONT ECHO after we agreed: WONT ECHO');
  r = say(d, out, `${IAC}${DO}\x18${IAC}${DO}\x05`).reply;
  assert.equal(r, `${IAC}${WONT}\x18${IAC}${WONT}\x05`, 'we do not offer TTYPE or STATUS');
  assert.equal(say(d, out, 'r').reply, '', 'no echo once the client said DONT ECHO');
});

test('echo: once the client agreed to our ECHO, the user name is echoed and backspace erases; the password is not', () => {
  const { d, out } = open('telnet');
  say(d, out, `${IAC}${DO}\x01`);
  assert.equal(say(d, out, 'roox').reply, 'roox');
  assert.equal(say(d, out, '\x7f').reply, '\b \b');
  assert.equal(say(d, out, 't\r\n').reply, 't\r\nPassword: ');
  assert.equal(say(d, out, 'secret').reply, '', 'the password is not echoed');
  say(d, out, '\r\n');
  assert.deepEqual(d.facts().attempts, [{ user: 'root', password: 'secret' }]);
});

test('NAWS and TERMINAL-TYPE: the window size and terminal name go in facts (RFC 1073, RFC 1091)', () => {
  const { d, out } = open('telnet');
  // IAC IAC inside a subnegotiation is a data 255: width 255
  say(d, out, `${IAC}${SB}\x1f\x00${IAC}${IAC}\x00\x18${IAC}${SE}`);
  const r = say(d, out, `${IAC}${WILL}\x18`).reply;
  assert.equal(r, `${IAC}${DO}\x18${IAC}${SB}\x18\x01${IAC}${SE}`, 'accept TTYPE and ask for it');
  say(d, out, `${IAC}${SB}\x18\x00XTERM-256COLOR${IAC}${SE}`);
  assert.deepEqual(d.facts(), { window_size: '255x24', terminal: 'XTERM-256COLOR' });
});

test('IAC IAC in the data is a 255 byte: kept in the line, shown as "." in facts', () => {
  const { d, out } = open('telnet');
  say(d, out, `ro${IAC}${IAC}ot\r\npw\r\n`);
  assert.deepEqual(d.facts().attempts, [{ user: 'ro.ot', password: 'pw' }]);
});

test('hostile: an IAC flood gets at most 128 replies (3 bytes for 3), an endless line is bounded', () => {
  const { d, out } = open('telnet');
  const flood = Buffer.from(`${IAC}${WILL}\x63`.repeat(50_000), 'latin1');
  const { reply } = say(d, out, flood);
  assert.equal(reply.length, 128 * 3);
  const long = 'x'.repeat(1_000_000);
  assert.equal(say(d, out, long).reply, '');
  say(d, out, '\r\npw\r\n');
  const a = d.facts().attempts as { user: string }[];
  assert.equal(a[0]!.user.length, MAX_CREDENTIAL);
});

test('hostile: endless empty lines end the dialogue after MAX_COMMANDS', () => {
  const { d, out } = open('telnet');
  const { reply, read } = say(d, out, '\r\n'.repeat(1000));
  assert.equal(d.ended, true);
  assert.equal(reply.split('login: ').length - 1, MAX_COMMANDS, 'one prompt per line, then silence');
  assert.ok(read < 2000);
});

test('binary garbage never throws and never makes the output grow faster than the input', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
    const { d, out } = open('telnet');
    const { reply } = say(d, out, bytes);
    assert.ok(reply.length <= bytes.length * 3 + 300, `${reply.length} for ${bytes.length}`);
    d.facts();
  }), { numRuns: 300 });
});

test('the same input in any segmentation gives the same output, bytes read and facts', () => {
  const conv = Buffer.from(`${IAC}${DO}\x01${IAC}${WILL}\x1f${IAC}${SB}\x1f\x00\x50\x00\x18${IAC}${SE}root\r\nxc3511\r\0ad\x7fdmin\r\nadmin\r\n\r\nguest\nguest\nmore\r\n`, 'latin1');
  const whole = runWhole('telnet', conv);
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: conv.length - 1 }), { maxLength: 12 }), (cuts) => {
    assert.deepEqual(runWhole('telnet', conv, cuts), whole);
  }), { numRuns: 200 });
  assert.deepEqual((whole.facts.attempts as unknown[]).length, 3);
});
