// A greeted flow's record: the dialogue field (our bytes, the turns), JSON round trip, and the console's
// [dialogue] block with our lines marked S> and the client's C>, attacker bytes escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRecord } from '../../../src/record/build-record.ts';
import { dialogueLines, formatConsole } from '../../../src/record/console-format.ts';
import type { FinishedFlow } from '../../../src/record/finished-flow.ts';
import { parseRecordLine, recordToLine } from '../../../src/record/ndjson.ts';

const server = Buffer.from('\xff\xfd\x01localhost login: Password: \r\nLogin incorrect\r\n', 'latin1');
const client = Buffer.from('root\r\n\x1b[31mxc3511\r\n', 'latin1');
const flow: FinishedFlow = {
  proto: 'tcp', ipVersion: 4, src: Uint8Array.of(203, 0, 113, 9), dst: Uint8Array.of(198, 18, 0, 1), srcPort: 40000, dstPort: 23,
  state: 'acked', firstMs: 1_800_000_000_000, lastMs: 1_800_000_001_000, payload: client, truncated: false, packets: 7, segments: 2,
  endReason: 'fin',
  dialogue: {
    protocol: 'telnet', server, clientLen: client.length, ended: true, retransmits: 1, turnsTruncated: false,
    turns: [['s', 20], ['c', 6], ['s', 10], ['c', client.length - 6], ['s', server.length - 30]],
  },
};

test('the record carries the dialogue; JSON keeps it; old readers see an extra field', () => {
  const r = buildRecord(flow, { sensor: 's', flowId: 'f', labels: [], facts: undefined });
  assert.deepEqual(r.dialogue, {
    protocol: 'telnet', server: server.toString('base64'), client_len: client.length, ended: true, retransmits: 1,
    turns: [['s', 20], ['c', 6], ['s', 10], ['c', client.length - 6], ['s', server.length - 30]],
  });
  const back = parseRecordLine(recordToLine(r).trimEnd());
  assert.ok(back.ok);
  assert.deepEqual(back.record.dialogue, r.dialogue);
  assert.equal(buildRecord({ ...flow, dialogue: undefined }, { sensor: 's', flowId: 'f', labels: [], facts: undefined }).dialogue, undefined);
});

test('the console shows the dialogue in turn order, S> ours, C> the client\'s, every non-printable byte as "."', () => {
  const r = buildRecord(flow, { sensor: 's', flowId: 'f', labels: [], facts: undefined });
  const text = formatConsole(r, client);
  const block = text.slice(text.indexOf('[dialogue: telnet]'));
  assert.deepEqual(dialogueLines(r, client).slice(1), [
    'S> ...localhost login: ', 'C> root', 'S> Password: ', 'C> .[31mxc3511', 'S> Login incorrect',
  ]);
  assert.match(text, /-+\[dialogue: telnet\]-+\n/);
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\uffff]/.test(block), 'no control or high byte reaches the terminal');
  assert.equal(text.split('\n').find((l) => l.includes('[dialogue'))!.length, 74);
});

test('a record without turns, or with a malformed dialogue, shows no block and does not throw', () => {
  const r = buildRecord({ ...flow, dialogue: undefined }, { sensor: 's', flowId: 'f', labels: [], facts: undefined });
  assert.doesNotMatch(formatConsole(r, client), /dialogue/);
  const odd = { ...r, dialogue: { protocol: '\x1b]0;x', server: 42, turns: [['s', -5], 'junk', ['c', 1e9]] } } as never;
  assert.doesNotThrow(() => formatConsole(odd, client));
  assert.match(dialogueLines(odd, client)[0]!, /\[dialogue: \\u001b\]0;x\]/);
});
