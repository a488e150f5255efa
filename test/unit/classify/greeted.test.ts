// Greeted flows in the classifier: facts replayed from real clients' bytes (test/fixtures/samples/greeted/), HASSH,
// the login/smtp/vnc/mysql rule fields, multi-valued fields, datasets, the attempt-counting rules, and relabelling
// of a stored record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassifier, compileRules } from '../../../src/classify/index.ts';
import type { ClassifyInput } from '../../../src/classify/types.ts';
import { dataset } from '../../../src/classify/datasets.ts';
import { parseClientKexinit } from '../../../src/classify/extract/ssh-kexinit.ts';
import { classifyInputOf, dialogueOf } from '../../../src/report/relabel.ts';
import { loadIndex, payloadInput, sampleBytes, type Sample } from './samples.ts';

const greeted = loadIndex('greeted');
const sample = (name: string): Sample => greeted.find((s) => s.file.endsWith(name))!;
const classifier = createClassifier();
const factsOf = (name: string) => classifier.classify(payloadInput(sample(name))).facts as Record<string, Record<string, unknown>>;

test('OpenSSH 9.2p1\'s KEXINIT: HASSH as tshark computes it from the same connection, and the algorithm lists', () => {
  const k = parseClientKexinit(sampleBytes(sample('ssh-openssh-client-kexinit.bin')))!;
  // tshark 4.0.17 (ssh.kex.hassh) on a capture of the session this fixture comes from
  assert.equal(k.hassh, '472b5de333ad665af5cbf10ff892c4df');
  assert.ok(k.hasshAlgorithms.startsWith('sntrup761x25519-sha512,'));
  assert.equal(k.hasshAlgorithms.split(';').length, 4);
  const f = factsOf('ssh-openssh-client-kexinit.bin');
  assert.equal(f.app as unknown, 'ssh');
  assert.equal(f.ssh!.client_version, 'OpenSSH_9.2p1');
  assert.equal(f.ssh!.hassh, k.hassh);
  assert.match(String(f.ssh!.mac_algorithms), /^umac-64-etm@openssh\.com,/);
});

test('a KEXINIT cut short, or a banner alone, gives no HASSH and never throws', () => {
  const full = sampleBytes(sample('ssh-openssh-client-kexinit.bin'));
  for (let n = 0; n < full.length; n += 37) parseClientKexinit(full.subarray(0, n));
  assert.equal(parseClientKexinit(full.subarray(0, 600)), null);
  assert.equal(parseClientKexinit(Buffer.from('SSH-2.0-Go\r\n')), null);
});

test('replayed facts of real clients: telnet, ftp, smtp, pop3, imap, vnc, mysql', () => {
  assert.deepEqual(factsOf('telnet-netkit-login.bin').telnet, { attempts: [{ user: 'root', password: 'xc3511' }, { user: 'admin', password: 'admin' }, { user: 'guest', password: 'guest' }] });
  assert.deepEqual(factsOf('telnet-busybox-login.bin').telnet, { attempts: [{ user: 'support', password: 'support' }], window_size: '80x24' });
  assert.deepEqual(factsOf('ftp-curl-anonymous.bin').ftp, { attempts: [{ user: 'anonymous', password: 'guest@example.org' }] });
  assert.deepEqual(factsOf('ftp-hydra-login.bin').ftp, { attempts: [{ user: 'admin', password: '1234' }, { user: 'admin', password: 'xc3511' }, { user: 'admin', password: 'password' }] });
  const smtp = factsOf('smtp-curl-message.bin').smtp!;
  assert.deepEqual({ ...smtp, helo: undefined }, { helo: undefined, mail_from: 'spammer@example.org', rcpt_to: ['victim@example.net'], messages: 1, data_bytes: 30, subject: 'relay test' });
  assert.deepEqual(factsOf('pop3-hydra-auth-login.bin').pop3, { attempts: [{ user: 'mailuser', password: 'hunter2' }] });
  assert.deepEqual(factsOf('imap-hydra-auth-login.bin').imap, { attempts: [{ user: 'mailuser', password: 'hunter2' }] });
  const vnc = factsOf('vnc-hydra-auth.bin').vnc!;
  assert.equal(vnc.client_version, '003.007');
  assert.equal(vnc.security_type, 2);
  assert.match(String(vnc.response), /^[0-9a-f]{32}$/);
  const mysql = factsOf('mysql-hydra-login.bin').mysql!;
  assert.equal(mysql.user, 'dbadmin');
  assert.equal(mysql.auth_plugin, 'caching_sha2_password');
  assert.equal((mysql.client_attrs as Record<string, string>)._client_name, 'libmariadb');
});

const rule = (match: unknown, extra: Record<string, unknown> = {}) =>
  compileRules([{ id: 'local-1', rev: 1, name: 'Test', category: 'bruteforce', severity: 'low', match, ...extra }]);
const labelled = (c: ReturnType<typeof rule>, input: ClassifyInput) => c.classify(input).labels.length > 0;

test('login.* fields are multi-valued: a condition holds when one attempt passes', () => {
  const input = payloadInput(sample('telnet-netkit-login.bin'));
  assert.ok(labelled(rule({ field: 'login.user', equals: 'guest' }), input));
  assert.ok(labelled(rule({ field: 'login.password', in: ['nope', 'admin'] }), input));
  assert.ok(labelled(rule({ field: 'login.credential', equals: 'ROOT:XC3511', nocase: true }), input));
  assert.ok(!labelled(rule({ field: 'login.credential', equals: 'root:admin' }), input), 'a user and a password of different attempts are no pair');
  assert.ok(labelled(rule({ field: 'login.attempts', min: 3, max: 3 }), input));
  assert.ok(labelled(rule({ field: 'dialogue.protocol', equals: 'telnet' }), input));
  assert.ok(labelled(rule({ field: 'login.user', exists: true }), input));
  const plain = payloadInput(sample('telnet-netkit-login.bin'), { dialogue: undefined });
  assert.ok(!labelled(rule({ field: 'login.user', exists: true }), plain), 'no dialogue, no login fields');
  assert.ok(labelled(rule({ field: 'login.attempts', exists: false }), plain));
});

test('smtp, vnc and mysql fields', () => {
  assert.ok(labelled(rule({ field: 'smtp.rcpt_to', suffix: '@example.net' }), payloadInput(sample('smtp-curl-message.bin'))));
  assert.ok(labelled(rule({ field: 'smtp.mail_from', equals: 'spammer@example.org' }), payloadInput(sample('smtp-curl-message.bin'))));
  assert.ok(labelled(rule({ field: 'smtp.messages', equals: 1 }), payloadInput(sample('smtp-curl-message.bin'))));
  assert.ok(labelled(rule({ field: 'vnc.client_version', equals: '003.007' }), payloadInput(sample('vnc-hydra-auth.bin'))));
  assert.ok(labelled(rule({ field: 'login.attempts', equals: 1 }), payloadInput(sample('vnc-hydra-auth.bin'))));
  assert.ok(labelled(rule({ field: 'mysql.client_name', equals: 'libmariadb' }), payloadInput(sample('mysql-hydra-login.bin'))));
  assert.ok(labelled(rule({ field: 'login.user', equals: 'dbadmin' }), payloadInput(sample('mysql-hydra-login.bin'))));
  assert.ok(labelled(rule({ field: 'ssh.hassh', equals: '472b5de333ad665af5cbf10ff892c4df' }), payloadInput(sample('ssh-openssh-client-kexinit.bin'))));
});

test('datasets: membership on a string field; unknown names and numeric fields are refused when rules load', () => {
  const set = dataset('mirai-credentials')!;
  assert.ok(set.has('root:xc3511') && set.has('admin:4321') && set.has('Administrator:meinsm') && set.has('root:'));
  assert.ok(set.has('admin:CenturyL1nk'));
  assert.equal(set.size, 63);
  assert.ok(labelled(rule({ field: 'login.credential', dataset: 'mirai-credentials' }), payloadInput(sample('ftp-hydra-login.bin'))));
  assert.ok(!labelled(rule({ field: 'login.credential', dataset: 'mirai-credentials' }), payloadInput(sample('ftp-curl-anonymous.bin'))));
  assert.throws(() => rule({ field: 'login.credential', dataset: 'nope' }), { code: 'SYNBAIT_ERR_RULES' });
  assert.throws(() => rule({ field: 'login.attempts', dataset: 'mirai-credentials' }), { code: 'SYNBAIT_ERR_RULES' });
});

test('sb-5101 counts telnet sessions with real attempts: the 10th from one source within 60 s is labelled', () => {
  const c = createClassifier();
  const s = sample('telnet-netkit-login.bin');
  const got: boolean[] = [];
  for (let i = 0; i < 11; i++) {
    const labels = c.classify(payloadInput(s, { src_ip: '198.51.100.77', ts_ms: 1_700_000_000_000 + i * 1000 })).labels.map((l) => l.id);
    got.push(labels.includes('sb-5101'));
  }
  assert.deepEqual(got.map((x, i) => (x ? i + 1 : 0)).filter(Boolean), [10]);
});

test('relabelling a stored record replays its dialogue: the same facts and labels as live', () => {
  const input = payloadInput(sample('telnet-netkit-login.bin'));
  const live = createClassifier().classify(input);
  const record = {
    event: 'flow', schema: 1, ts: new Date(input.ts_ms).toISOString(), sensor: 's', flow_id: 'x', proto: 'tcp', ip_version: 4,
    src_ip: input.src_ip, src_port: input.src_port, dst_ip: input.dst_ip, dst_port: input.dst_port, state: 'acked',
    payload: Buffer.from(input.payload).toString('base64'), payload_len: input.payload.length, labels: [],
    dialogue: { protocol: 'telnet', server: '', client_len: input.payload.length, turns: [], ended: true, retransmits: 0 },
  };
  const view = { proto: 'tcp', state: 'acked', srcIp: input.src_ip, dstPort: input.dst_port, tsMs: input.ts_ms, sensor: 's' } as never;
  const again = createClassifier().classify(classifyInputOf(record, view));
  assert.deepEqual(again.facts, live.facts);
  assert.deepEqual(again.labels, live.labels);
  assert.equal(dialogueOf({ protocol: 'gopher', client_len: 1, server: '' }), undefined, 'an unknown protocol is ignored');
  assert.equal(dialogueOf({ protocol: 'ftp', client_len: -1, server: '' }), undefined);
});
