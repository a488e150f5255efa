// The suricata-verify runner's selection and scoring, on cases of our own written in the same format
// (test.yaml, test.rules, a pcap file) in a temporary directory, with a fake labeller standing in for the
// pcap labeller of phase 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCases, runConformance, selectCase } from '../../conformance/verify-runner.ts';

const RULE = (sid: number, extra = '') => `alert http any any -> any any (msg:"m${sid}"; ${extra}content:"x${sid}"; sid:${sid};)`;
const alertCheck = (sid: number | undefined, count: number, extra = '') =>
  `  - filter:\n      count: ${count}\n      match:\n        event_type: alert\n${sid !== undefined ? `        alert.signature_id: ${sid}\n` : ''}${extra}`;

function checkout(cases: Record<string, { yaml?: string; rules?: string; pcap?: boolean }>): string {
  const root = mkdtempSync(join(tmpdir(), 'synbait-verify-'));
  for (const [name, c] of Object.entries(cases)) {
    const dir = join(root, 'tests', name);
    mkdirSync(dir, { recursive: true });
    if (c.yaml !== undefined) writeFileSync(join(dir, 'test.yaml'), c.yaml);
    if (c.rules !== undefined) writeFileSync(join(dir, 'test.rules'), c.rules);
    if (c.pcap !== false) writeFileSync(join(dir, 'input.pcap'), '');
  }
  return root;
}

test('selection: applicable cases and the reason for each of the others', (t) => {
  const root = checkout({
    'a-ok': { yaml: `args:\n  - -k none\nchecks:\n${alertCheck(1, 1)}${alertCheck(2, 0)}  - filter:\n      count: 1\n      match:\n        event_type: http\n`, rules: `${RULE(1)}\n${RULE(2)}\n` },
    'b-server-side': { yaml: `checks:\n${alertCheck(3, 1)}`, rules: 'alert http any any -> any any (msg:"r"; flow:to_client; content:"x"; sid:3;)\n' },
    'c-no-rules': { yaml: `checks:\n${alertCheck(4, 1)}` },
    'd-config': { yaml: `args:\n  - --set stream.inline=true\nchecks:\n${alertCheck(1, 1)}`, rules: RULE(1) },
    'd-midstream': { yaml: `args:\n  - --set stream.midstream=true --runmode=single\nchecks:\n${alertCheck(1, 1)}`, rules: RULE(1) },
    'e-shell': { yaml: `checks:\n  - shell:\n      args: grep x eve.json\n`, rules: RULE(1) },
    'f-no-pcap': { yaml: `checks:\n${alertCheck(1, 1)}`, rules: RULE(1), pcap: false },
    'g-total-only': { yaml: `checks:\n${alertCheck(undefined, 2)}`, rules: `${RULE(1)}\n${RULE(2)}\n` },
    'g-total-one-rule': { yaml: `checks:\n${alertCheck(undefined, 2)}`, rules: RULE(1) },
    'h-none-fire': { yaml: `checks:\n${alertCheck(undefined, 0)}`, rules: `${RULE(5)}\n${RULE(6)}\n` },
    'i-command': { yaml: 'command: ./run.sh\nchecks: []\n', rules: RULE(1) },
    'j-parser-on': { yaml: `args:\n  - -k none --set app-layer.protocols.sip.enabled=true\nchecks:\n${alertCheck(7, 2, '        pcap_cnt: 4\n')}`, rules: RULE(7) },
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const got = Object.fromEntries(listCases(root).map((c) => {
    const s = selectCase(c);
    return [c.name, s.applicable ? { alerting: [...s.alerting], silent: [...s.silent] } : s.reason];
  }));
  assert.deepEqual(got, {
    'a-ok': { alerting: [1], silent: [2] },
    'b-server-side': 'a rule does not load (direction:to_client)',
    'c-no-rules': 'no test.rules',
    'd-config': 'argument --set stream.inline=true',
    'd-midstream': { alerting: [1], silent: [] },
    'e-shell': 'a shell check',
    'f-no-pcap': 'no pcap',
    'g-total-only': 'alert checks name no signature',
    'g-total-one-rule': { alerting: [1], silent: [] },
    'h-none-fire': { alerting: [], silent: [5, 6] },
    'i-command': 'test.yaml has command',
    'j-parser-on': { alerting: [7], silent: [] },
  });
});

test('scoring: agreed when the expected sids and only they label the records', async (t) => {
  const root = checkout({
    'agrees': { yaml: `checks:\n${alertCheck(1, 1)}${alertCheck(2, 0)}`, rules: `${RULE(1)}\n${RULE(2)}\n` },
    'misses': { yaml: `checks:\n${alertCheck(3, 1)}`, rules: RULE(3) },
    'extra': { yaml: `checks:\n${alertCheck(4, 1)}${alertCheck(5, 0)}`, rules: `${RULE(4)}\n${RULE(5)}\n` },
    'skipped': { yaml: `checks:\n${alertCheck(6, 1)}` },
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const fired: Record<string, number[]> = { agrees: [1], misses: [], extra: [4, 5] };
  const r = await runConformance(root, async (pcap) => {
    const name = pcap.split('/').at(-2)!;
    return [{ labels: (fired[name] ?? []).map((sid) => ({ sid })) }, { labels: [] }];
  });
  assert.equal(r.cases, 4);
  assert.equal(r.applicable, 3);
  assert.equal(r.agreed, 1);
  assert.deepEqual(r.outcomes.map((o) => [o.name, o.status, o.missing, o.unexpected]), [
    ['agrees', 'agreed', [], []], ['extra', 'disagreed', [], [5]], ['misses', 'disagreed', [3], []], ['skipped', 'not applicable', undefined, undefined],
  ]);
  assert.deepEqual([...r.notApplicable], [['no test.rules', 1]]);
});
