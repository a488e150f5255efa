// Rules reloaded in a running sensor: the new rules (ours and community) label from the next record on; a
// reload that fails (a bad JSON rules file, nothing loads) keeps the rules in use; reloads never overlap; the
// update schedule (a fake scheduler, no clock) updates, then reloads only when a set was installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClassifyInput } from '../../../src/classify/types.ts';
import type { CronTask, Scheduler } from '../../../src/jobs/cron-task.ts';
import { RulesUpdateJob } from '../../../src/jobs/rules-update-job.ts';
import { labelKey } from '../../../src/record/flow-record.ts';
import { loadClassifier, NO_SIGNATURE_SETTINGS, type LoadedRules } from '../../../src/ruleset/load-classifier.ts';
import { RulesReloader } from '../../../src/sensor/reload.ts';
import { recordingLogger } from '../../helpers/fake-iptables.ts';

const dir = mkdtempSync(join(tmpdir(), 'synbait-reload-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const rule = (sid: number, path: string) =>
  `alert http any any -> $HOME_NET any (msg:"LOCAL ${path}"; flow:to_server; http.uri; content:"${path}"; sid:${sid}; rev:1;)`;
const own = (id: string, prefix: string) => JSON.stringify([{ id, rev: 1, name: `own ${prefix}`, category: 'probe', severity: 'low', match: { field: 'http.path', prefix } }]);

const input = (path: string): ClassifyInput => ({
  proto: 'tcp', state: 'acked', ip_version: 4, src_ip: '203.0.113.9', src_port: 40000, dst_ip: '198.18.0.1', dst_port: 8080,
  payload: Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'), ts_ms: 0,
});

function setup(name: string) {
  const rules = join(dir, `${name}.rules`);
  const json = join(dir, `${name}.json`);
  writeFileSync(rules, rule(9100001, '/old') + '\n');
  writeFileSync(json, own('sb-9901', '/own-old'));
  let pauses = 0;
  const load = () => loadClassifier({
    rulePaths: [rules, json], signatures: NO_SIGNATURE_SETTINGS, homeNets: ['198.18.0.0/24'], slicing: { sliceMs: 0, yieldTo: async () => { pauses++; } },
  });
  return { rules, json, load, pauses: () => pauses };
}

const keys = (l: { classify(i: ClassifyInput): { labels: readonly Parameters<typeof labelKey>[0][] } }, path: string) => l.classify(input(path)).labels.map(labelKey);

test('SIGHUP: a rule added to the files labels from the next record on, counts logged, compiled in slices', async () => {
  const s = setup('added');
  const classifier = (await s.load()).newClassifier();
  const log = recordingLogger();
  const r = new RulesReloader({ load: s.load, classifier, log, stallMeter: () => () => 3 });
  assert.deepEqual(keys(classifier, '/new'), []);
  writeFileSync(s.rules, [rule(9100001, '/old'), rule(9100002, '/new')].join('\n') + '\n');
  writeFileSync(s.json, own('sb-9902', '/own-new'));
  const before = s.pauses();
  assert.equal(await r.reload('SIGHUP'), true);
  assert.ok(s.pauses() > before, 'the compile gave the thread back');
  assert.deepEqual(keys(classifier, '/new'), ['local:9100002']);
  assert.deepEqual(keys(classifier, '/own-new'), ['sb-9902']);
  assert.deepEqual(keys(classifier, '/own-old'), [], 'our own rules are reloaded too');
  const done = log.lines.find((l) => l.event === 'RulesReloaded')!;
  assert.equal(done.trigger, 'SIGHUP');
  assert.equal(done.signatures, 2);
  assert.equal(done.previous_signatures, 1);
  assert.equal(done.loaded, 2);
  assert.equal(done.max_stall_ms, 3);
  assert.equal(done.rules, classifier.ownRuleCount);
});

test('a bad JSON rules file: RulesReloadFailed with its code, and the old rules still label', async () => {
  const s = setup('badjson');
  const classifier = (await s.load()).newClassifier();
  const log = recordingLogger();
  const r = new RulesReloader({ load: s.load, classifier, log });
  writeFileSync(s.rules, [rule(9100001, '/old'), rule(9100002, '/new')].join('\n') + '\n');
  writeFileSync(s.json, '[{"id": "broken", ');
  assert.equal(await r.reload('SIGHUP'), false);
  const failed = log.lines.find((l) => l.event === 'RulesReloadFailed')!;
  assert.equal(failed.code, 'SYNBAIT_ERR_RULES');
  assert.match(String(failed.error), /badjson\.json/);
  assert.equal(typeof failed.max_stall_ms, 'number');
  assert.deepEqual(keys(classifier, '/old'), ['local:9100001']);
  assert.deepEqual(keys(classifier, '/own-old'), ['sb-9901']);
  assert.deepEqual(keys(classifier, '/new'), [], 'nothing of the failed load is used');
  assert.deepEqual(r.counters, { ok: 0, failed: 1 });
});

test('a rules file of which no rule loads any more is refused; a missing one too', async () => {
  const s = setup('noload');
  const classifier = (await s.load()).newClassifier();
  const log = recordingLogger();
  const r = new RulesReloader({ load: s.load, classifier, log });
  writeFileSync(s.rules, 'alert http any any -> any any (msg:"x"; content:"a; sid:1;)\n');
  assert.equal(await r.reload('SIGHUP'), false);
  assert.match(String(log.lines.find((l) => l.event === 'RulesReloadFailed')!.error), /no community rule loads \(1 errors, first: .*noload\.rules:1/);
  rmSync(s.rules);
  assert.equal(await r.reload('SIGHUP'), false);
  assert.equal(log.lines.filter((l) => l.event === 'RulesReloadFailed').at(-1)!.code, 'SYNBAIT_ERR_RULES');
  assert.deepEqual(keys(classifier, '/old'), ['local:9100001']);
});

test('reloads never overlap: requests during one share a single reload after it', async () => {
  const s = setup('overlap');
  const classifier = (await s.load()).newClassifier();
  let loads = 0;
  let release!: () => void;
  const gate = new Promise<void>((ok) => (release = ok));
  const load = async (): Promise<LoadedRules> => {
    loads++;
    if (loads === 1) await gate;
    return s.load();
  };
  const r = new RulesReloader({ load, classifier, log: recordingLogger() });
  const first = r.reload('SIGHUP');
  const second = r.reload('SIGHUP');
  const third = r.reload('update');
  assert.equal(second, third);
  assert.equal(loads, 1);
  release();
  assert.deepEqual(await Promise.all([first, second, third]), [true, true, true]);
  assert.equal(loads, 2);
});

function fakeScheduler() {
  const ticks: (() => void)[] = [];
  let stopped = 0;
  const scheduler: Scheduler = (expression, _name, tick) => {
    assert.equal(expression, '17 4 * * *');
    ticks.push(tick);
    const task: CronTask = { stop: () => void stopped++, nextRun: () => new Date('2026-01-02T04:17:00Z') };
    return task;
  };
  return { scheduler, tick: () => ticks.forEach((t) => t()), stopped: () => stopped };
}

test('the update schedule: each tick updates, a reload follows an installed set only, a tick during a run is skipped', async () => {
  const f = fakeScheduler();
  const log = recordingLogger();
  const results = [true, false];
  let updates = 0;
  let reloads = 0;
  let release!: () => void;
  const job = new RulesUpdateJob({
    schedule: '17 4 * * *', log, scheduler: f.scheduler,
    update: async () => {
      updates++;
      if (updates === 1) await new Promise<void>((ok) => (release = ok));
      return results.shift() ?? false;
    },
    reload: async () => void reloads++,
  });
  job.start();
  assert.equal(log.lines.find((l) => l.event === 'RulesUpdateScheduled')!.next, '2026-01-02T04:17:00.000Z');
  f.tick();
  const during = job.runNow();
  assert.equal(job.counters.skipped, 1);
  assert.ok(log.lines.some((l) => l.event === 'RulesUpdateSkipped'));
  await new Promise((ok) => setImmediate(ok));
  release();
  await during;
  assert.deepEqual([updates, reloads], [1, 1]);
  f.tick();
  await job.runNow().catch(() => undefined);
  await new Promise((ok) => setImmediate(ok));
  assert.deepEqual([updates, reloads], [2, 1], 'a failed update (false) is not followed by a reload');
  await job.stop();
  assert.equal(f.stopped(), 1);
});

test('the update schedule is checked: a bad expression is a ConfigError naming the flag', () => {
  assert.throws(() => new RulesUpdateJob({ schedule: '99 * * * *', log: recordingLogger(), update: async () => true, reload: async () => true }),
    (e: Error & { code?: string }) => e.code === 'SYNBAIT_ERR_CONFIG' && /--rules-update-schedule/.test(e.message));
});
