// The built-in rule set: the vendor names from issue 6 spelled exactly, ids unique, every rule compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { builtinRuleDocs, compileRules, createClassifier, type ClassifyInput } from '../../../src/classify/index.ts';
import { ISSUE_NAMES } from './issue-names.ts';


test('every threat name of issue 6 is a built-in rule, spelled exactly, once', () => {
  assert.equal(ISSUE_NAMES.length, 47);
  const names = builtinRuleDocs.map((d) => (d as { name: string }).name);
  for (const n of ISSUE_NAMES) assert.equal(names.filter((x) => x === n).length, 1, n);
});

test('built-in rules compile, ids unique, every rule has a description and a revision', () => {
  const c = compileRules(builtinRuleDocs);
  assert.equal(c.ruleCount, builtinRuleDocs.length);
  const ids = c.rules.map((r) => r.label.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const r of c.rules) {
    assert.ok(r.description && r.description.length > 20, `${r.label.id} description`);
    assert.ok(r.label.rev >= 1);
  }
});

test('every built-in rule with a regex also has a literal prefilter', () => {
  for (const r of createClassifier().rules) if (r.usesRegex) assert.ok(r.prefilter && r.prefilter.length > 0, r.label.id);
});

const http = (lines: string[]): ClassifyInput => ({
  proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '198.51.100.9', src_port: 50000, dst_ip: '203.0.113.7', dst_port: 80,
  payload: Buffer.from(lines.join('\r\n'), 'latin1'), ts_ms: 0,
});

test('Shodan and Nmap SSH tags (inline samples)', () => {
  const c = createClassifier();
  const shodan = c.classify(http(['GET / HTTP/1.1', 'Host: 203.0.113.7', 'User-Agent: Mozilla/5.0 (compatible; Shodan/1.0)', '', '']));
  assert.deepEqual(shodan.labels.map((l) => l.id), ['sb-1010']);
  // nselib/ssh2.lua identifies as "SSH-2.0-Nmap-SSH2-Hostkey".
  const ssh = c.classify({ ...http(['SSH-2.0-Nmap-SSH2-Hostkey', '']), dst_port: 22 });
  assert.deepEqual(ssh.labels.map((l) => l.id), ['sb-1011']);
  assert.equal(ssh.facts.app, 'ssh');
});

test('Zyxel CNM rule (unverified, see docs/rules.md) fires only on its path with a shell command', () => {
  const c = createClassifier();
  const hit = c.classify(http(['GET /SecuManager/cgi?cmd=`id` HTTP/1.1', 'Host: 203.0.113.7', '', '']));
  assert.ok(hit.labels.some((l) => l.id === 'sb-2020'));
  const miss = c.classify(http(['GET /SecuManager/index.html HTTP/1.1', 'Host: 203.0.113.7', '', '']));
  assert.ok(!miss.labels.some((l) => l.id === 'sb-2020'));
});
