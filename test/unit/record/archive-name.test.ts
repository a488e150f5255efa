// The one archive-name scheme: what the writer makes, the spool and the uploader parse back, and the report
// orders and filters by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compareArchivePaths, compareSpoolNames, fileName, isJsonlArchiveName, newBase, parseArchiveName, parseSpoolName, partitionDayMs, utcDay,
} from '../../../src/record/archive-name.ts';

test('what the writer names, every reader parses back: sensor (dashes and dots included), start, kind', () => {
  fc.assert(fc.property(
    fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/),
    fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2199, 11, 31) }),
    fc.constantFrom('jsonl' as const, 'pcap' as const),
    (sensor, startMs, kind) => {
      const name = fileName(newBase(sensor, startMs), kind);
      const spool = parseSpoolName(name);
      assert.ok(spool, name);
      assert.equal(spool.sensor, sensor);
      assert.equal(spool.kind, kind);
      assert.equal(spool.startMs, Math.floor(startMs / 1000) * 1000);
      assert.equal(spool.base + spool.extension, name);
      assert.deepEqual(parseArchiveName(`s3://bucket/p/sensor=${sensor}/dt=${utcDay(startMs)}/${name}`), spool);
    },
  ));
});

test('the report also reads plain .jsonl and other writers\' unique parts; the spool only what the writer makes', () => {
  const plain = parseArchiveName('dir/edge-1-20261125T101500Z-Copy_1.jsonl');
  assert.deepEqual(plain && { sensor: plain.sensor, unique: plain.unique, kind: plain.kind, startMs: plain.startMs },
    { sensor: 'edge-1', unique: 'Copy_1', kind: 'jsonl', startMs: Date.UTC(2026, 10, 25, 10, 15) });
  assert.equal(parseSpoolName('edge-1-20261125T101500Z-123abcdef.jsonl'), undefined, 'the writer never makes plain .jsonl');
  assert.equal(parseSpoolName('a/edge-1-20261125T101500Z-123abcdef.jsonl.gz'), undefined, 'spool names are bare');
  for (const bad of [
    'edge-20261325T101500Z-1.jsonl.gz', // month 13
    'edge-20260230T101500Z-1.jsonl.gz', // 30 February
    'edge-20261125T241500Z-1.jsonl.gz', // hour 24
    'edge-20261125T101500-1.jsonl.gz', // no Z
    '-20261125T101500Z-1.jsonl.gz', // no sensor
    'edge-20261125T101500Z-.jsonl.gz', // no unique part
    'edge-20261125T101500Z-1.jsonl.gz.tmp',
    'edge-20261125T101500Z-1.json.gz',
  ]) {
    assert.equal(parseArchiveName(bad), undefined, bad);
  }
  assert.ok(isJsonlArchiveName('x.jsonl.gz') && isJsonlArchiveName('x.jsonl') && !isJsonlArchiveName('x.pcap'));
});

test('partitions and orders', () => {
  assert.equal(partitionDayMs('dt=2026-11-25'), Date.UTC(2026, 10, 25));
  assert.equal(partitionDayMs('synbait/sensor=a/dt=2024-02-29/'), Date.UTC(2024, 1, 29));
  assert.equal(partitionDayMs('dt=2026-02-29'), undefined);
  assert.equal(partitionDayMs('dt=2026-11-25/x'), undefined);
  // the report: per sensor, by start; names outside the scheme last
  const paths = ['z/other.jsonl', 'b-20261125T100000Z-1.jsonl.gz', 'a-20261125T110000Z-1.jsonl.gz', 'a-20261125T090000Z-9.jsonl.gz'];
  assert.deepEqual([...paths].sort(compareArchivePaths),
    ['a-20261125T090000Z-9.jsonl.gz', 'a-20261125T110000Z-1.jsonl.gz', 'b-20261125T100000Z-1.jsonl.gz', 'z/other.jsonl']);
  // the spool: oldest first across sensors, the pcap before its JSON file
  const names = ['b-20261125T100000Z-000aaaaaa.jsonl.gz', 'a-20261125T110000Z-000aaaaaa.jsonl.gz', 'b-20261125T100000Z-000aaaaaa.pcap'];
  assert.deepEqual(names.map((n) => parseSpoolName(n)!).sort(compareSpoolNames).map((n) => n.base + n.extension),
    ['b-20261125T100000Z-000aaaaaa.pcap', 'b-20261125T100000Z-000aaaaaa.jsonl.gz', 'a-20261125T110000Z-000aaaaaa.jsonl.gz']);
});
