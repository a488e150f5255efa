// Keeps the dependency direction of ../shared/CONVENTIONS.md: the core (wire, flow, record, classify) does no I/O,
// only capture/ imports `cap`, only jobs/ imports node-cron, and nothing imports main.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../../src', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
const importsOf = (file: string): string[] => {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
};
const all = files(src).map((f) => ({ file: relative(src, f), imports: importsOf(f) }));

const IO = [/^cap$/, /^node:fs/, /^fs$/, /^node:net$/, /^node:dgram$/, /^node:http/, /^@aws-sdk\//, /^pino/, /^node-cron$/, /^node:child_process$/];

test('the core imports no I/O module', () => {
  const core = all.filter((f) => /^(wire|flow|record|classify)\//.test(f.file));
  assert.ok(core.length > 0);
  for (const f of core) {
    for (const i of f.imports) {
      assert.ok(!IO.some((re) => re.test(i)), `${f.file} imports ${i}`);
      assert.ok(!/^\.\.\/(capture|sinks|jobs|report|config|metrics|firewall)\//.test(i) && !/main\.ts$/.test(i), `${f.file} imports ${i}`);
    }
  }
});

test('only capture/ imports cap, only jobs/ imports node-cron, nothing imports main.ts', () => {
  for (const f of all) {
    for (const i of f.imports) {
      if (i === 'cap') assert.match(f.file, /^capture\//, `${f.file} imports cap`);
      if (i === 'node-cron') assert.match(f.file, /^jobs\//, `${f.file} imports node-cron`);
      assert.ok(!/(^|\/)main\.ts$/.test(i), `${f.file} imports main.ts`);
    }
  }
});

test('metrics/ is reached through MetricSource: it imports no other adapter, and only main.ts starts it', () => {
  const metrics = all.filter((f) => f.file.startsWith('metrics/'));
  assert.ok(metrics.length > 0);
  for (const f of metrics) {
    for (const i of f.imports) assert.ok(!/^\.\.\/(capture|sinks|jobs|report|firewall|alerts|arp)\//.test(i), `${f.file} imports ${i}`);
  }
  for (const f of all) {
    if (f.file.startsWith('metrics/') || f.file === 'main.ts') continue;
    for (const i of f.imports) {
      // a type (MetricSource, MetricSample) is fine anywhere; the server and the heartbeat file are main's to start
      assert.ok(!/\/metrics\/(http-server|heartbeat-file|observers)\.ts$/.test(i), `${f.file} imports ${i}`);
    }
  }
});

test('only metrics/ serves HTTP (node:http createServer)', () => {
  for (const f of all) {
    const text = readFileSync(join(src, f.file), 'utf8');
    if (/\bcreateServer\s*\(/.test(text) && f.imports.some((i) => /^node:https?$/.test(i))) assert.match(f.file, /^metrics\//, `${f.file} starts a server`);
  }
});
