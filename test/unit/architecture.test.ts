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
      assert.ok(!/^\.\.\/(capture|sinks|jobs|report|config)\//.test(i) && !/main\.ts$/.test(i), `${f.file} imports ${i}`);
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
