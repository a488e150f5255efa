#!/usr/bin/env node
// Runs the test suite with node:test through tsx. Node 20's --test does not glob .ts files, so we list them.
//   node test/run.mjs              every suite (unit, then e2e; e2e needs root)
//   node test/run.mjs unit         one suite: unit | e2e | image
//   node test/run.mjs test/unit/x.test.ts test/unit/flow ...   given files and folders
// SYNBAIT_TEST_IMAGE=1 includes the container image test (builds the image with podman; minutes).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const list = (dir) => {
  const out = [];
  let entries = [];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...list(p));
    else if (e.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
};

const args = process.argv.slice(2);
const isDir = (p) => { try { return statSync(p).isDirectory(); } catch { return false; } };
// arguments: test files, folders of test files, or suite names (unit, e2e, image)
const explicit = args.filter((a) => a.endsWith('.ts') || isDir(a));
const suites = args.filter((a) => !explicit.includes(a));
const files = explicit.flatMap((a) => (a.endsWith('.ts') ? [a] : list(join(process.cwd(), a))));
const wanted = suites.length ? suites : explicit.length ? [] : ['unit', 'e2e', ...(process.env.SYNBAIT_TEST_IMAGE === '1' ? ['image'] : [])];
for (const s of wanted) files.push(...list(join(root, 'test', s)));
if (!files.length) {
  console.error('no test files found for', args.join(' ') || 'default suites');
  process.exit(1);
}
const concurrency = process.env.SYNBAIT_TEST_CONCURRENCY ?? '1';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: '' },
});
process.exit(r.status ?? 1);
