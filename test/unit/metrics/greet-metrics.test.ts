// The greeter's counters under the names docs/appliance.md lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { greetSamples } from '../../../src/metrics/greet-metrics.ts';
import { GreetCounters } from '../../../src/flow/greet-counters.ts';
import { readFileSync } from 'node:fs';

test('greeting metrics: one series per protocol, the rest plain; every name documented', () => {
  const k = new GreetCounters();
  k.greeted.telnet = 3;
  k.retransmissions = 2;
  k.rateLimited = 1;
  const s = greetSamples({ counters: k, timersArmed: 4 });
  const find = (name: string, labels: Record<string, string> = {}) =>
    s.find((x) => x.name === name && Object.entries(labels).every(([a, b]) => x.labels?.[a] === b))?.value;
  assert.equal(find('synbait_greeted_flows_total', { protocol: 'telnet' }), 3);
  assert.equal(find('synbait_greeted_flows_total', { protocol: 'ssh' }), 0);
  assert.equal(find('synbait_retransmissions_total'), 2);
  assert.equal(find('synbait_data_segments_deferred_total', { reason: 'rate_limited' }), 1);
  assert.equal(find('synbait_greeting_timers'), 4);
  const doc = readFileSync(new URL('../../../docs/appliance.md', import.meta.url), 'utf8');
  for (const name of new Set(s.map((x) => x.name))) assert.ok(doc.includes(`\`${name}\``), `${name} is in docs/appliance.md`);
});
