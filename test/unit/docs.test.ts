// Documentation that is generated from code, or must match another file, cannot drift: the README's
// configuration table is the option table, and .ci/run runs exactly the README's test command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOptionsTable } from '../../src/cli.ts';
import { OPTIONS } from '../../src/config/options.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = () => readFileSync(`${root}README.md`, 'utf8');
const between = (text: string, name: string) => {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(text);
  assert.ok(m, `README has the ${name} markers`);
  return m[1]!;
};

test("README's configuration table is generated from src/config/options.ts", () => {
  const want = renderOptionsTable() + '\n';
  if (process.env.SYNBAIT_UPDATE_DOCS === '1') {
    const text = readme();
    const start = '<!-- options:start -->\n';
    const from = text.indexOf(start) + start.length;
    writeFileSync(`${root}README.md`, text.slice(0, from) + want + text.slice(text.indexOf('<!-- options:end -->')));
  }
  assert.equal(between(readme(), 'options'), want, 'run: SYNBAIT_UPDATE_DOCS=1 node test/run.mjs test/unit/docs.test.ts');
});

test(".ci/run runs exactly the README's test command", () => {
  const block = between(readme(), 'test-command');
  const command = /```sh\n(.*)\n```/.exec(block)?.[1];
  assert.ok(command);
  const ci = readFileSync(`${root}.ci/run`, 'utf8').trimEnd().split('\n').at(-1);
  assert.equal(ci, command);
  assert.match(command, /npm ci && npm test$/);
});

test('.env.example describes every variable with the help text of src/config/options.ts', () => {
  const path = `${root}.env.example`;
  let text = readFileSync(path, 'utf8');
  const stale: string[] = [];
  for (const o of OPTIONS.filter((x) => !x.entrypointOnly)) {
    const want = `# ${o.help} (flag --${o.flag})`;
    const m = new RegExp(`^# .*\\(flag --${o.flag}\\)$`, 'm').exec(text);
    if (!m) { stale.push(`${o.env}: no "(flag --${o.flag})" line`); continue; }
    if (m[0] !== want) {
      stale.push(o.env);
      text = text.replace(m[0], want);
    }
  }
  if (process.env.SYNBAIT_UPDATE_DOCS === '1') writeFileSync(path, text);
  else assert.deepEqual(stale, [], 'run: SYNBAIT_UPDATE_DOCS=1 node test/run.mjs test/unit/docs.test.ts');
});
