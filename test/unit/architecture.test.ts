// Keeps the shape of docs/architecture.md: folders as layers (wire < record < flow/arp < classify < pipeline <
// adapters < sensor < main), a core that does no I/O, one importer each for `cap` and node-cron, nothing importing
// main.ts, and no function longer than 80 lines in src/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = fileURLToPath(new URL('../../src', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
const importsOf = (text: string): string[] => {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5])!);
  return out;
};
const all = files(src).map((f) => {
  const text = readFileSync(f, 'utf8');
  return { file: relative(src, f), text, imports: importsOf(text) };
});

/** The layer of a file of src/ (its top folder, or the file itself at the root). */
const LAYERS: Readonly<Record<string, number>> = {
  'errors.ts': 0, 'logger.ts': 0, 'load-module.ts': 0,
  wire: 1,
  record: 2,
  flow: 3, arp: 3, dialogue: 3,
  classify: 4,
  pipeline: 5,
  // adapters: they may use one another, never the sensor's composition
  config: 6, scope: 6, 'cli.ts': 6, capture: 6, sinks: 6, jobs: 6, metrics: 6, firewall: 6, report: 6, s3: 6, ruleset: 6, label: 6,
  sensor: 7,
  'main.ts': 8,
};
const CORE = new Set(['wire', 'record', 'flow', 'arp', 'dialogue', 'classify', 'pipeline']);
const unitOf = (file: string) => file.split('/')[0]!;
const resolveSrc = (from: string, spec: string): string | undefined => {
  if (!spec.startsWith('.')) return undefined;
  const p = relative(src, join(src, from, '..', spec));
  return p.startsWith('..') ? undefined : p;
};

test('every file of src/ belongs to a layer', () => {
  for (const f of all) assert.ok(unitOf(f.file) in LAYERS, `${f.file}: add its folder to LAYERS (and docs/architecture.md)`);
});

test('no folder imports a higher layer (the record -> flow back-arrow cannot return)', () => {
  for (const f of all) {
    const from = LAYERS[unitOf(f.file)]!;
    for (const i of f.imports) {
      const target = resolveSrc(f.file, i);
      if (target === undefined || unitOf(target) === unitOf(f.file)) continue;
      const to = LAYERS[unitOf(target)];
      assert.ok(to !== undefined && to <= from, `${f.file} (layer ${from}) imports ${target} (layer ${to})`);
    }
  }
});

const IO = [/^cap$/, /^node:fs/, /^fs$/, /^node:net$/, /^node:dgram$/, /^node:http/, /^@aws-sdk\//, /^pino/, /^node-cron$/, /^node:child_process$/, /^node:worker_threads$/];

test('the core (wire, record, flow, arp, dialogue, classify, pipeline) imports no I/O module', () => {
  const core = all.filter((f) => CORE.has(unitOf(f.file)));
  assert.ok(core.length > 20);
  for (const f of core) for (const i of f.imports) assert.ok(!IO.some((re) => re.test(i)), `${f.file} imports ${i}`);
});

test('only capture/ imports cap, only jobs/ imports node-cron, only main.ts imports sensor/, nothing imports main.ts', () => {
  for (const f of all) {
    for (const i of f.imports) {
      if (i === 'cap') assert.match(f.file, /^capture\//, `${f.file} imports cap`);
      if (i === 'node-cron') assert.match(f.file, /^jobs\//, `${f.file} imports node-cron`);
      assert.ok(!/(^|\/)main\.ts$/.test(i), `${f.file} imports main.ts`);
      const target = resolveSrc(f.file, i);
      if (target?.startsWith('sensor/')) assert.ok(f.file === 'main.ts' || f.file.startsWith('sensor/'), `${f.file} imports ${target}`);
    }
  }
});

test('metrics/ imports no other adapter; only sensor/ starts the server and the heartbeat file', () => {
  const adapters = /^(capture|sinks|jobs|report|firewall|config|s3|ruleset|label)\//;
  for (const f of all.filter((x) => x.file.startsWith('metrics/'))) {
    for (const i of f.imports) {
      const target = resolveSrc(f.file, i);
      assert.ok(target === undefined || !adapters.test(target), `${f.file} imports ${target}`);
    }
  }
  for (const f of all) {
    if (f.file.startsWith('metrics/') || f.file.startsWith('sensor/')) continue;
    for (const i of f.imports) assert.ok(!/\/metrics\/(http-server|heartbeat-file|observers)\.ts$/.test(i), `${f.file} imports ${i}`);
  }
});

test('only metrics/ serves HTTP (node:http createServer)', () => {
  for (const f of all) {
    if (/\bcreateServer\s*\(/.test(f.text) && f.imports.some((i) => /^node:https?$/.test(i))) assert.match(f.file, /^metrics\//, `${f.file} starts a server`);
  }
});

test('main.ts is a short dispatcher that does nothing when imported', () => {
  const main = all.find((f) => f.file === 'main.ts')!;
  assert.ok(main.text.split('\n').length < 120, `main.ts has ${main.text.split('\n').length} lines`);
  const sf = ts.createSourceFile('main.ts', main.text, ts.ScriptTarget.Latest, true);
  for (const st of sf.statements) {
    // top level: imports, declarations and exports only, no call that runs at import time
    assert.ok(!ts.isExpressionStatement(st), `main.ts runs ${st.getText().slice(0, 60)} when imported`);
  }
});

test('no function in src/ is longer than 80 lines', () => {
  const long: string[] = [];
  for (const f of all) {
    const sf = ts.createSourceFile(f.file, f.text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const first = sf.getLineAndCharacterOfPosition(n.getStart()).line;
        const last = sf.getLineAndCharacterOfPosition(n.end).line;
        if (last - first + 1 > 80) long.push(`${f.file}:${first + 1} ${(n as ts.FunctionLikeDeclaration).name?.getText() ?? '(anonymous)'}: ${last - first + 1} lines`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(long, []);
});
