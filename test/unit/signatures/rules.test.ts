// Rule files: statements, headers, variables, errors (each code), skips (each kind of reason), flow, flowbits,
// labels and their severity, selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileSignatures, parseClassificationConfig, parseSelectionConf, ruleVars, severityOfPriority, splitRuleStatements,
} from '../../../src/classify/suricata/index.ts';
import { splitOptions, parseContent } from '../../../src/classify/suricata/rule-options.ts';
import { compile, fires, record, sids, HOME } from './helpers.ts';

test('rule files: comments, disabled rules, continuation lines, CRLF', () => {
  const text = [
    '# a comment',
    'alert tcp any any -> any any (msg:"one"; sid:1;)',
    '#alert tcp any any -> any any (msg:"disabled"; sid:2;)',
    '# alert tcp any any -> any any (msg:"disabled too"; sid:3;)',
    'alert tcp any any -> any any (msg:"multi"; \\',
    '   content:"x"; sid:4;)\r',
    '#not a rule (really)',
    '',
  ].join('\n');
  const st = splitRuleStatements(text);
  assert.deepEqual(st.map((s) => [s.line, s.enabled]), [[2, true], [3, false], [4, false], [5, true]]);
  assert.equal(st[3]!.text, 'alert tcp any any -> any any (msg:"multi";    content:"x"; sid:4;)');
  const c = compile(text);
  assert.equal(c.stats.total, 4);
  assert.equal(c.stats.enabled, 2);
  assert.equal(c.stats.loaded, 2);
});

test('options: escaped semicolons, trimming, values with colons', () => {
  const r = splitOptions('msg:"a\\;b"; content:"x:y" ; nocase;reference:url,http://e/;');
  assert.ok(r.ok);
  assert.deepEqual(r.value.map((o) => [o.name, o.value]), [['msg', '"a\\;b"'], ['content', '"x:y"'], ['nocase', undefined], ['reference', 'url,http://e/']]);
  assert.equal(splitOptions('msg:"x"; sid:1').ok, false); // no terminating ;
  const c = parseContent('!"a|00 ff|b"');
  assert.ok(c.ok && c.value.negated && Buffer.from(c.value.bytes).equals(Buffer.from([0x61, 0, 0xff, 0x62])));
  for (const bad of ['"a|0|"', '"a|zz|"', '"a\\nb"', 'abc', '"|00', '"a;b"', '""']) assert.equal(parseContent(bad).ok, false, bad);
});

test('headers: addresses, ports, lists, negation, ranges, variables, both directions', () => {
  const r = (payload: string, o = {}) => record(payload, o);
  const cases: [string, Partial<Parameters<typeof record>[1]>, boolean][] = [
    ['alert tcp $EXTERNAL_NET any -> $HOME_NET 80', {}, true],
    ['alert tcp $HOME_NET any -> $EXTERNAL_NET any', {}, false], // outbound: never a honeypot's record
    ['alert tcp any any -> $HOME_NET $HTTP_PORTS', {}, true],
    ['alert tcp any any -> $HOME_NET $HTTP_PORTS', { dst_port: 8080 }, false],
    ['alert tcp any any -> any [80,8080]', { dst_port: 8080 }, true],
    ['alert tcp any any -> any 1024:', { dst_port: 8080 }, true],
    ['alert tcp any any -> any :1023', { dst_port: 8080 }, false],
    ['alert tcp any any -> any !80', { dst_port: 8080 }, true],
    ['alert tcp any any -> any [1:100,!80]', { dst_port: 80 }, false],
    ['alert tcp 198.51.100.0/24 any -> any any', {}, true],
    ['alert tcp [198.51.100.0/24,!198.51.100.7] any -> any any', {}, false],
    ['alert tcp ![198.51.100.0/24] any -> any any', {}, false],
    ['alert tcp 198.51.100.1-198.51.100.9 any -> any any', {}, true],
    ['alert tcp [192.0.2.1,198.51.100.7,192.0.2.3] any -> any any', {}, true], // a reputation-style host list
    ['alert tcp [192.0.2.1,192.0.2.3] any -> any any', {}, false],
    ['alert tcp any 80 <> any 40000', {}, true], // the reverse direction matches
    ['alert tcp any 80 -> any 40000', {}, false],
    ['alert udp any any -> any any', {}, false],
    ['alert ip any any -> any any', {}, true],
    ['alert tcp 2001:db8::/32 any -> any any', { src_ip: '2001:db8::5', dst_ip: '2001:db8:1::1', ip_version: 6 }, true],
  ];
  for (const [header, o, expected] of cases) {
    const c = compile(`${header} (msg:"h"; content:"GET"; sid:9;)`);
    assert.equal(c.stats.loaded, 1, header);
    assert.equal(c.signatures.match(r('GET / HTTP/1.1\r\n\r\n', o)).length === 1, expected, header);
  }
});

test('application protocols: http, tls, dns, ssh rules need their protocol', () => {
  assert.equal(fires('content:"GET";', 'GET / HTTP/1.1\r\n\r\n', { dst_port: 9999 }, 'alert http any any -> any any'), true); // any port
  assert.equal(fires('content:"GET";', 'GET but not http', {}, 'alert http any any -> any any'), false);
  assert.equal(fires('content:"SSH";', 'SSH-2.0-x\r\n', {}, 'alert ssh any any -> any any'), true);
  assert.equal(fires('app-layer-protocol:http; content:"GET";', 'GET / HTTP/1.1\r\n\r\n', {}), true);
  assert.equal(fires('app-layer-protocol:http; content:"GET";', 'GET x', {}), false);
});

test('flow: to_server always holds; established is an acked TCP flow; to_client rules are skipped', () => {
  assert.equal(fires('flow:established,to_server; content:"a";', 'a'), true);
  assert.equal(fires('flow:established; content:"a";', 'a', { proto: 'udp' }, 'alert udp any any -> any any'), false); // never answered
  assert.equal(fires('flow:not_established;', '', { state: 'syn' }), true);
  assert.equal(fires('flow:stateless; content:"a";', 'a', { proto: 'udp' }, 'alert udp any any -> any any'), true);
  const c = compile('alert tcp any any -> any any (msg:"r"; flow:established,to_client; content:"200"; sid:5;)');
  assert.deepEqual(c.skipped.map((s) => [s.sid, s.reason, s.option]), [[5, 'direction:to_client', 'flow']]);
});

test('the SYN: flags, window, ttl, ip id; payload keywords need a payload', () => {
  const syn = { state: 'syn' as const, syn: { ttl: 50, window: 1024, ip_id: 54321, options: '', syn_count: 1 } };
  assert.equal(fires('flags:S; window:1024;', '', syn), true);
  assert.equal(fires('flags:S,12; ttl:<64; id:54321;', '', syn), true);
  assert.equal(fires('flags:SA;', '', syn), false);
  assert.equal(fires('flags:S; window:65535;', '', syn), false);
  assert.equal(fires('dsize:0;', '', syn), true);
  assert.equal(fires('content:!"x";', '', syn), false); // no payload, no payload inspection
  assert.equal(fires('flags:PA; content:"a";', 'a'), true); // a data segment
});

test('flowbits: set then isset within one payload; noalert; isnotset; unsatisfiable tests are skipped', () => {
  const rules = [
    'alert tcp any any -> any any (msg:"login"; content:"USER "; flowbits:set,ftp.user; flowbits:noalert; sid:10;)',
    'alert tcp any any -> any any (msg:"then pass"; content:"PASS "; flowbits:isset,ftp.user; sid:11;)',
    'alert tcp any any -> any any (msg:"pass alone"; content:"PASS "; flowbits:isnotset,ftp.user; sid:12;)',
    'alert tcp any any -> any any (msg:"never"; content:"x"; flowbits:isset,nobody.sets.this; sid:13;)',
  ].join('\n');
  const c = compile(rules);
  assert.deepEqual(c.skipped.map((s) => [s.sid, s.reason]), [[13, 'flowbits:unsatisfiable']]);
  assert.deepEqual(sids(c, record('USER a\r\nPASS b\r\n')), [11]);
  assert.deepEqual(sids(c, record('PASS b\r\n')), [12]);
  // a disabled rule that sets a tested bit is turned on without alerting, as suricata-update does
  const d = compile(rules.replace('alert tcp any any -> any any (msg:"login"', '# alert tcp any any -> any any (msg:"login"').replace('flowbits:noalert; ', ''));
  assert.equal(d.stats.flowbitSetters, 1);
  assert.deepEqual(sids(d, record('USER a\r\nPASS b\r\n')), [11]);
});

test('labels: sid, rev, msg, classtype, severity from priority, ruleset; load order', () => {
  const cls = parseClassificationConfig('config classification: web-application-attack,Web Application Attack,1\nconfig classification: misc-activity,Misc activity,3\nbad line\n');
  assert.equal(cls.classes.get('web-application-attack')!.priority, 1);
  assert.deepEqual(cls.problems.map((p) => p.line), [3]);
  const c = compileSignatures([{
    file: 'x.rules', ruleset: 'et/open',
    text: 'alert tcp any any -> any any (msg:"B caf\xc3\xa9"; content:"a"; classtype:web-application-attack; sid:2; rev:3;)\n' +
      'alert tcp any any -> any any (msg:"A"; content:"a"; classtype:misc-activity; priority:2; sid:1; rev:1;)\n' +
      'alert tcp any any -> any any (msg:"C"; content:"a"; sid:3;)\n',
  }], { vars: ruleVars([HOME]), classification: cls.classes });
  assert.deepEqual(c.signatures.match(record('a')), [
    { sid: 2, rev: 3, name: 'B café', category: 'web-application-attack', severity: 'high', ruleset: 'et/open' },
    { sid: 1, rev: 1, name: 'A', category: 'misc-activity', severity: 'medium', ruleset: 'et/open' },
    { sid: 3, rev: 0, name: 'C', category: '', severity: 'low', ruleset: 'et/open' },
  ]);
  assert.deepEqual([1, 2, 3, 4, 9].map(severityOfPriority), ['high', 'medium', 'low', 'info', 'info']);
});

test('every error code, with the option at fault; one bad rule never stops the load', () => {
  const cases: [string, string, string | undefined][] = [
    ['alert tcp any any -> any any msg:"x"; sid:1;', 'rule.syntax', undefined],
    ['alert tcp any any any -> any any (msg:"x"; sid:1;)', 'rule.syntax', undefined],
    ['shout tcp any any -> any any (msg:"x"; sid:1;)', 'rule.action', undefined],
    ['alert foo any any -> any any (msg:"x"; sid:1;)', 'rule.protocol', undefined],
    ['alert tcp 1.2.3.999 any -> any any (msg:"x"; sid:1;)', 'rule.address', undefined],
    ['alert tcp $NOPE any -> any any (msg:"x"; sid:1;)', 'rule.address', undefined],
    ['alert tcp any 70000 -> any any (msg:"x"; sid:1;)', 'rule.port', undefined],
    ['alert tcp any any <- any any (msg:"x"; sid:1;)', 'rule.direction', undefined],
    ['alert tcp any any -> any any (msg:"x";)', 'rule.sid', undefined],
    ['alert tcp any any -> any any (msg:"x"; sid:abc;)', 'rule.sid', 'sid'],
    ['alert tcp any any -> any any (msg:"x"; sid:1)', 'option.syntax', undefined],
    ['alert tcp any any -> any any (msg:"x"; frobnicate; sid:1;)', 'option.unknown', 'frobnicate'],
    ['alert tcp any any -> any any (msg:"x"; dsize:big; sid:1;)', 'option.value', 'dsize'],
    ['alert tcp any any -> any any (msg:"x"; content:"a|0g|"; sid:1;)', 'option.content', 'content'],
    ['alert tcp any any -> any any (msg:"x"; nocase; sid:1;)', 'option.modifier', 'nocase'],
    ['alert tcp any any -> any any (msg:"x"; content:"abc"; depth:2; sid:1;)', 'option.modifier', 'depth'],
    ['alert tcp any any -> any any (msg:"x"; content:"abc"; content:"d"; distance:0; offset:1; sid:1;)', 'option.modifier', 'offset'],
    ['alert tcp any any -> any any (msg:"x"; content:"abc"; within:2; sid:1;)', 'option.modifier', 'within'],
    ['alert tcp any any -> any any (msg:"x"; pcre:"/a/q"; sid:1;)', 'option.pcre', 'pcre'],
    ['alert tcp any any -> any any (msg:"x"; pcre:"/a/R"; sid:1;)', 'option.pcre', 'pcre'],
    ['alert http any any -> any any (msg:"x"; dns.query; content:"a"; sid:1;)', 'rule.protocol', undefined],
    ['alert http any any -> any any (msg:"x"; http.host; content:"Evil"; sid:1;)', 'option.content', 'content'],
  ];
  const good = 'alert tcp any any -> any any (msg:"fine"; content:"ok"; sid:100;)';
  for (const [rule, code, option] of cases) {
    const c = compile(`${rule}\n${good}`);
    assert.equal(c.errors.length, 1, rule);
    assert.equal(c.errors[0]!.code, code, rule);
    assert.equal(c.errors[0]!.option, option, rule);
    assert.equal(c.errors[0]!.line, 1, rule);
    assert.equal(c.errors[0]!.file, 'test.rules');
    assert.equal(c.stats.loaded, 1, `the good rule still loads after: ${rule}`);
  }
  const dup = compile(`${good}\n${good}`);
  assert.deepEqual(dup.errors.map((e) => [e.code, e.line]), [['rule.duplicate', 2]]);
});

test('skip reasons: server side, other protocols, unsupported keywords, thresholds, transforms, pass', () => {
  const cases: [string, string][] = [
    ['alert http any any -> any any (msg:"x"; http.stat_code; content:"200"; sid:1;)', 'buffer:http.stat_code'],
    ['alert http any any -> any any (msg:"x"; file_data; content:"MZ"; sid:1;)', 'buffer:file_data'],
    ['alert http any any -> any any (msg:"x"; content:"200"; http_stat_code; sid:1;)', 'buffer:http_stat_code'],
    ['alert http any any -> any any (msg:"x"; pcre:"/x/Q"; sid:1;)', 'buffer:file.data'],
    ['alert smtp any any -> any any (msg:"x"; content:"HELO"; sid:1;)', 'app-proto:smtp'],
    ['alert icmp any any -> any any (msg:"x"; itype:8; sid:1;)', 'keyword:icmp'],
    ['alert tcp any any -> any any (msg:"x"; content:"a"; xbits:set,a,track ip_src; sid:1;)', 'keyword:xbits'],
    ['alert tcp any any -> any any (msg:"x"; content:"a"; threshold:type both, track by_src, count 5, seconds 60; sid:1;)', 'threshold'],
    ['alert dns any any -> any any (msg:"x"; dns.query; to_lowercase; content:"a"; sid:1;)', 'transform:to_lowercase'],
    ['alert tcp any any -> any any (msg:"x"; content:"a"; byte_test:2,=,1,0,dce; sid:1;)', 'keyword:dce'],
    ['pass tcp any any -> any any (msg:"x"; content:"a"; sid:1;)', 'action:pass'],
  ];
  for (const [rule, reason] of cases) {
    const c = compile(rule);
    assert.deepEqual(c.skipped.map((s) => s.reason), [reason], rule);
    assert.equal(c.skippedByReason.get(reason as never), 1);
    assert.equal(c.skipped[0]!.sid, 1);
  }
  // threshold type limit only limits logging: the rule still labels
  assert.equal(fires('content:"a"; threshold:type limit, track by_src, count 1, seconds 60;', 'a'), true);
});

test('selection: disable then enable filters, groups, re:, categories', () => {
  const text = 'alert tcp any any -> any any (msg:"ET EXPLOIT one"; content:"a"; sid:1;)\n' +
    '# alert tcp any any -> any any (msg:"ET EXPLOIT two"; content:"a"; sid:2;)\n' +
    'alert tcp any any -> any any (msg:"ET SCAN three"; content:"a"; sid:3;)\n';
  const enable = parseSelectionConf('2\n');
  const disable = parseSelectionConf('# comment\nre:et scan\ngroup:emerging-exp*.rules\n');
  assert.ok(enable.ok && disable.ok);
  const run = (file: string, categories: string[] = []) => compileSignatures([{ file, text, ruleset: 't' }], {
    vars: ruleVars([HOME]), selection: { enable: enable.value, disable: disable.value, categories },
  }).signatures.signatures.map((s) => s.sid);
  assert.deepEqual(run('rules/emerging-exploit.rules'), [2]); // group disables 1 and 3 (re: too); enable wins for 2
  assert.deepEqual(run('rules/other.rules'), [1, 2]); // only re: disables 3
  assert.deepEqual(run('rules/emerging-scan.rules', ['exploit']), []); // not a selected category
  assert.deepEqual(run('rules/emerging-exploit.rules', ['exploit', 'scan']), [2]);
  for (const bad of ['re:(', 'what is this', 'group:a b']) assert.equal(parseSelectionConf(bad).ok, false, bad);
});
