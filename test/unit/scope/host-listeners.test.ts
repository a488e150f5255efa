// The host's listening sockets read from the real /proc of this machine (no root): a server this test opens is
// found, with its inode, and the process that owns it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { findSocketOwners, readHostListeners, readHostListenersAsync } from '../../../src/scope/host-listeners.ts';
import { formatIp } from '../../../src/wire/address.ts';

test('a listening socket of ours: in /proc/net/tcp with its inode, owned by this process', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const mine = readHostListeners().find((l) => l.proto === 'tcp' && l.port === port && formatIp(l.address) === '127.0.0.1');
    assert.ok(mine, `port ${port} listed`);
    assert.ok(mine.inode !== undefined && mine.inode > 0);
    const async = await readHostListenersAsync();
    assert.deepEqual(async.find((l) => l.inode === mine.inode), mine, 'the asynchronous read (a running sensor\'s) finds the same');
    const owners = findSocketOwners(new Set([mine.inode]));
    assert.ok(owners.get(mine.inode)?.some((o) => o.pid === process.pid && o.command.length > 0), JSON.stringify([...owners]));
  } finally {
    server.close();
  }
});

test('unknown inodes and a missing /proc give nothing, without throwing', async () => {
  assert.deepEqual(await readHostListenersAsync('/nonexistent'), []);
  assert.equal(findSocketOwners(new Set()).size, 0);
  assert.equal(findSocketOwners(new Set([1]), '/nonexistent').size, 0);
  assert.deepEqual(readHostListeners('/nonexistent'), []);
});
