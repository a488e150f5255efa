// The real command in a child process: `synbait report` through src/bin.mjs (-> main.ts -> runReport), and the
// standalone src/report/cli-entry.ts. Checks exit codes, stdout through a pipe, and stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { LABEL_SIP, gzipMembers, put, record, tempDir } from './records.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(argv: string[]) {
  const r = spawnSync(process.execPath, argv, {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    // No SYNBAIT_* leaking in from the test environment; no AWS lookups.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_OPTIONS: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const COMMANDS: [string, string[]][] = [
  ['synbait report (src/bin.mjs)', ['src/bin.mjs', 'report']],
  ['src/report/cli-entry.ts', ['--import', 'tsx', 'src/report/cli-entry.ts']],
];

for (const [name, cmd] of COMMANDS) {
  test(`${name}: report, damaged input, exit codes`, async (t) => {
    const dir = await tempDir(t);
    const recs = Array.from({ length: 3000 }, (_, i) => record({ dst_port: i % 300, labels: i % 3 === 0 ? [LABEL_SIP] : [], facts: { http: { path: `/p/${i}`, user_agent: `<b>ua ${i % 7}</b>` } } }));
    await put(dir, 'sensor1-20261125T000000Z-aaaaaa.jsonl.gz', gzipMembers(recs, 500));

    const ok = run([...cmd, dir, '--format', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    const r = JSON.parse(ok.stdout) as { records: number; threats: { count: number }[] };
    assert.equal(r.records, 3000);
    assert.equal(r.threats[0]!.count, 1000);

    // a big HTML page through a pipe arrives whole before the process exits
    const html = run([...cmd, dir, '--format', 'html', '--top', '300']);
    assert.equal(html.code, 0, html.stderr);
    assert.ok(html.stdout.trimEnd().endsWith('</html>'));
    assert.ok(html.stdout.includes('&lt;b&gt;ua 3&lt;/b&gt;'));

    // a reader that goes away early (`| head`): no crash, no stack trace
    const child = spawn(process.execPath, [...cmd, dir, '--format', 'html', '--top', '10000'], { cwd: root, env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.equal(status, 1);
    assert.equal(err, '', 'no message, no stack trace');

    await put(dir, 'sensor1-20261125T010000Z-bbbbbb.jsonl.gz', gzipSync('{"event":"flow"}\n').subarray(0, 12));
    const damaged = run([...cmd, dir]);
    assert.equal(damaged.code, 1);
    assert.match(damaged.stderr, /sensor1-20261125T010000Z-bbbbbb\.jsonl\.gz/);
    assert.match(damaged.stdout, /Records:\s+3,000/);
    assert.equal(damaged.stderr.includes('\x1b'), false, 'no progress escapes when stderr is not a terminal');

    const bad = run([...cmd, dir, '--since', 'last tuesday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since/);
    assert.equal(bad.stdout, '');
  });
}
