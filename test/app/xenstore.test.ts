import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import {
  connectXenstore, listXenstoreDomains, readOwnDomid, XenstoreClient, XenstoreError,
  XENBUS_DEVICE_PATH, XENSTORE_SOCKET_PATHS,
} from '../../app/xenstore';
import { FakeXenstored, FakeXenstoredOptions, startFakeXenstored } from '../fakes/fake-xenstored';

const XS_DIRECTORY = 1;
const XS_READ = 2;

const HOST_TREE: Record<string, string | null> = {
  '/local/domain/0/name': 'Domain-0',
  '/local/domain/0/memory/target': '4194304',
  '/local/domain/0/memory/static-max': '4194304',
  // 12 before 3 here: the listing must sort by number, not by the order xenstored gives
  '/local/domain/12/name': 'pvh-guest',
  '/local/domain/12/memory/target': '78848',
  '/local/domain/12/memory/static-max': '131072',
  '/local/domain/3/name': 'hvm-guest',
  '/local/domain/3/memory/target': '65536',
  '/local/domain/3/memory/static-max': '65536',
  '/local/domain/3/vm': null,
  '/local/domain/helper/name': 'not a domain',
  '/local/domain/0x10/name': 'not a domain id either',
};

async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xs-'));
  try {
    return await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function withFake(
  options: Omit<FakeXenstoredOptions, 'socketPath'>,
  body: (client: XenstoreClient, fake: FakeXenstored) => Promise<void>,
  timeoutMs?: number,
): Promise<void> {
  await withTempDir(async (dir) => {
    const fake = await startFakeXenstored({ socketPath: path.join(dir, 'socket'), ...options });
    let client: XenstoreClient | null = null;
    try {
      client = await connectXenstore({ path: fake.socketPath, timeoutMs });
      await body(client, fake);
    } finally {
      client?.close();
      await fake.close();
    }
  });
}

function xenstoreError(code: string, pathAsked?: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof XenstoreError, `expected a XenstoreError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pathAsked !== undefined) assert.equal(err.path, pathAsked);
    return true;
  };
}

function encodeRequest(type: number, reqId: number, pathAsked: string): Buffer {
  const payload = Buffer.from(`${pathAsked}\0`);
  const header = Buffer.alloc(16);
  header.writeUInt32LE(type, 0);
  header.writeUInt32LE(reqId, 4);
  header.writeUInt32LE(payload.length, 12);
  return Buffer.concat([header, payload]);
}

interface RawReply { type: number; reqId: number; payload: string }

/** Reads replies from a raw socket until `count` have come, or fails after a second. */
function readReplies(socket: net.Socket, count: number): Promise<RawReply[]> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const replies: RawReply[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${replies.length} of ${count} replies`)), 1000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 16 && received.length >= 16 + received.readUInt32LE(12)) {
        const len = received.readUInt32LE(12);
        replies.push({
          type: received.readUInt32LE(0),
          reqId: received.readUInt32LE(4),
          payload: received.toString('utf8', 16, 16 + len),
        });
        received = received.subarray(16 + len);
      }
      if (replies.length >= count) {
        clearTimeout(timer);
        resolve(replies);
      }
    });
  });
}

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('lists domains sorted by id with names and memory in KiB, ignoring non-numeric entries', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE }, async (client, fake) => {
    assert.deepEqual(await listXenstoreDomains(client), [
      { id: 0, name: 'Domain-0', memoryKiB: 4194304, maxMemoryKiB: 4194304 },
      { id: 3, name: 'hvm-guest', memoryKiB: 65536, maxMemoryKiB: 65536 },
      { id: 12, name: 'pvh-guest', memoryKiB: 78848, maxMemoryKiB: 131072 },
    ]);
    const idsAsked = new Set(fake.requests.map((r) => r.path.split('/')[3]).filter((id) => id !== undefined));
    assert.deepEqual([...idsAsked].sort(), ['0', '12', '3']);
  });
});

test('read and directory return values and children', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE }, async (client) => {
    assert.equal(await client.read('/local/domain/0/name'), 'Domain-0');
    assert.deepEqual(await client.directory('/local/domain/0'), ['name', 'memory']);
    assert.deepEqual(await client.directory('/local/domain/0/name'), []);
    assert.equal(await client.read('/local/domain/3/vm'), '');
  });
});

test('a domain whose name is gone is skipped, not an error', { timeout: 5000 }, async () => {
  const tree = { ...HOST_TREE, '/local/domain/5/memory/target': '1024' };
  await withFake({ tree }, async (client, fake) => {
    assert.deepEqual((await listXenstoreDomains(client)).map((d) => d.id), [0, 3, 12]);
    assert.ok(fake.requests.some((r) => r.path === '/local/domain/5/name'));
  });
});

test('a missing memory key gives null', { timeout: 5000 }, async () => {
  const tree = {
    '/local/domain/7/name': 'no-max',
    '/local/domain/7/memory/target': '2048',
    '/local/domain/8/name': 'no-memory',
  };
  await withFake({ tree }, async (client) => {
    assert.deepEqual(await listXenstoreDomains(client), [
      { id: 7, name: 'no-max', memoryKiB: 2048, maxMemoryKiB: null },
      { id: 8, name: 'no-memory', memoryKiB: null, maxMemoryKiB: null },
    ]);
  });
});

test('an error other than ENOENT on a name fails the listing', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE, errorOn: { '/local/domain/3/name': 'EACCES' } }, async (client) => {
    await assert.rejects(listXenstoreDomains(client), xenstoreError('EACCES', '/local/domain/3/name'));
  });
});

test('a failing listing stops asking about the remaining domains', { timeout: 5000 }, async () => {
  const tree: Record<string, string | null> = {};
  for (let id = 0; id < 40; id++) tree[`/local/domain/${id}/name`] = `guest-${id}`;
  await withFake({ tree, errorOn: { '/local/domain/0/name': 'EACCES' } }, async (client, fake) => {
    await assert.rejects(listXenstoreDomains(client), xenstoreError('EACCES'));
    await tick(50);
    const namesAsked = fake.requests.filter((r) => r.path.endsWith('/name')).length;
    assert.ok(namesAsked < 40, `asked for ${namesAsked} names after the failure`);
  });
});

test('an XS_ERROR reply surfaces as a XenstoreError with its errno name and path', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE, errorOn: { '/local/domain/0/name': 'EACCES' } }, async (client) => {
    await assert.rejects(client.read('/no/such/node'), xenstoreError('ENOENT', '/no/such/node'));
    await assert.rejects(client.directory('/no/such'), xenstoreError('ENOENT', '/no/such'));
    await assert.rejects(client.read('/local/domain/0/name'), xenstoreError('EACCES', '/local/domain/0/name'));
    assert.equal(await client.read('/local/domain/3/name'), 'hvm-guest'); // still usable
  });
});

test('a stalled request times out with ETIMEDOUT and the others still get answers', { timeout: 5000 }, async () => {
  const stalled = '/local/domain/0/name';
  await withFake({ tree: HOST_TREE, stallOn: stalled }, async (client, fake) => {
    const started = Date.now();
    const [stalledResult, answered] = await Promise.allSettled([
      client.read(stalled),
      client.read('/local/domain/3/name'),
    ]);
    const elapsed = Date.now() - started;
    assert.equal(stalledResult.status, 'rejected');
    xenstoreError('ETIMEDOUT', stalled)(stalledResult.reason);
    assert.deepEqual(answered, { status: 'fulfilled', value: 'hvm-guest' });
    assert.ok(elapsed >= 190 && elapsed < 1500, `timed out after ${elapsed} ms`);
    assert.ok(fake.requests.some((r) => r.path === stalled));
    assert.equal(await client.read('/local/domain/12/name'), 'pvh-guest');
  }, 200);
});

test('a xenstored seconds late, as on a loaded dom0, still answers within the default bound', { timeout: 15000 }, async () => {
  const lateMs = 2500; // a loaded TCG dom0 answered later than the old 2 s bound
  await withFake({ tree: HOST_TREE, replyDelayMs: lateMs }, async (client) => {
    const started = Date.now();
    assert.equal(await client.read('/local/domain/0/name'), 'Domain-0');
    assert.ok(Date.now() - started >= lateMs - 50, 'the fake answered late');
  });
});

for (const garbage of ['oversized-length', 'truncated-header'] as const) {
  test(`a corrupt reply (${garbage}) fails with EPROTO, later requests fail fast`, { timeout: 5000 }, async () => {
    const corrupt = '/local/domain/0/name';
    await withFake({ tree: HOST_TREE, garbageOn: corrupt, garbage }, async (client) => {
      await assert.rejects(client.read(corrupt), (err) => {
        xenstoreError('EPROTO', corrupt)(err);
        // caught from the header itself, not only when the connection ends
        if (garbage === 'oversized-length') assert.match((err as Error).message, /XENSTORE_PAYLOAD_MAX/);
        return true;
      });
      const started = Date.now();
      await assert.rejects(client.read('/local/domain/3/name'), (err) =>
        err instanceof XenstoreError && (err.code === 'EPROTO' || err.code === 'ECONNRESET'));
      assert.ok(Date.now() - started < 100);
    }, 1000);
  });
}

test('the server hanging up fails waiting requests with ECONNRESET', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE, stallOn: '/local/domain/0/name' }, async (client, fake) => {
    const waiting = client.read('/local/domain/0/name');
    await tick(20);
    await fake.close();
    await assert.rejects(waiting, xenstoreError('ECONNRESET', '/local/domain/0/name'));
  });
});

test('close fails waiting requests with ECANCELED', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE, stallOn: '/local/domain/0/name' }, async (client) => {
    const waiting = client.read('/local/domain/0/name');
    client.close();
    await assert.rejects(waiting, xenstoreError('ECANCELED', '/local/domain/0/name'));
    await assert.rejects(client.read('/local/domain/3/name'), xenstoreError('ECANCELED'));
  });
});

test('a path too long for one message is refused without sending it', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE }, async (client, fake) => {
    await assert.rejects(client.read(`/${'x'.repeat(4096)}`), xenstoreError('EINVAL'));
    assert.equal(fake.requests.length, 0);
  });
});

test('no transport at the given path gives ENOENT naming the path', { timeout: 5000 }, async () => {
  await withTempDir(async (dir) => {
    const missing = path.join(dir, 'no-socket');
    await assert.rejects(connectXenstore({ path: missing }), (err) => {
      xenstoreError('ENOENT', missing)(err);
      assert.match((err as Error).message, new RegExp(missing));
      return true;
    });
  });
});

test('with no path, the error names every default path tried', { timeout: 5000 }, async (t) => {
  const defaults = [...XENSTORE_SOCKET_PATHS, XENBUS_DEVICE_PATH];
  if (defaults.some((p) => fs.existsSync(p))) {
    t.skip('this host has a xenstore transport');
    return;
  }
  await assert.rejects(connectXenstore(), (err) => {
    xenstoreError('ENOENT')(err);
    for (const p of defaults) assert.ok((err as Error).message.includes(p), `${p} not named`);
    return true;
  });
});

test('a path that is neither a socket nor a device is refused', { timeout: 5000 }, async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    await assert.rejects(connectXenstore({ path: file }), xenstoreError('EINVAL', file));
  });
});

test('the device transport writes, reads and reports end of file instead of hanging', { timeout: 5000 }, async () => {
  // /dev/null: a character device that takes every write and answers every read with EOF
  const client = await connectXenstore({ path: '/dev/null', timeoutMs: 1000 });
  try {
    assert.equal(client.transportPath, '/dev/null');
    await assert.rejects(client.read('/local/domain/0/name'), xenstoreError('ECONNRESET', '/local/domain/0/name'));
  } finally {
    client.close();
  }
});

test('requests are little-endian xsd_sockmsg and replies are matched by req_id', { timeout: 5000 }, async () => {
  await withTempDir(async (dir) => {
    const socketPath = path.join(dir, 'socket');
    const captured: Buffer[] = [];
    const server = net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        captured.push(chunk);
        const all = Buffer.concat(captured);
        if (all.length < 2 * 19) return; // two requests for 2-character paths
        const first = all.subarray(0, 19);
        const second = all.subarray(19, 38);
        const reply = (request: Buffer, value: string): Buffer => {
          const header = Buffer.from(request.subarray(0, 16));
          header.writeUInt32LE(value.length, 12);
          return Buffer.concat([header, Buffer.from(value)]);
        };
        socket.write(Buffer.concat([reply(second, 'B'), reply(first, 'A')])); // out of order
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const client = await connectXenstore({ path: socketPath, timeoutMs: 1000 });
    try {
      assert.deepEqual(await Promise.all([client.read('/a'), client.read('/b')]), ['A', 'B']);
      const first = Buffer.concat(captured).subarray(0, 19);
      assert.equal(first.readUInt32LE(0), XS_READ);
      assert.equal(first.readUInt32LE(8), 0); // tx_id: no transaction
      assert.equal(first.readUInt32LE(12), 3);
      assert.equal(first.subarray(16).toString('latin1'), '/a\0');
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

test('the client reassembles replies split into 1-byte chunks', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE, replyChunkSize: 1 }, async (client) => {
    assert.deepEqual((await listXenstoreDomains(client)).map((d) => d.name), ['Domain-0', 'hvm-guest', 'pvh-guest']);
  });
});

test('the client takes several replies arriving in one chunk', { timeout: 5000 }, async () => {
  await withFake({ tree: HOST_TREE, replyBatch: 3 }, async (client) => {
    assert.deepEqual(await Promise.all([
      client.read('/local/domain/0/name'),
      client.read('/local/domain/3/name'),
      client.directory('/local/domain/12/memory'),
    ]), ['Domain-0', 'hvm-guest', ['target', 'static-max']]);
  });
});

test('the fake parses requests written 1 byte at a time and several in one write', { timeout: 5000 }, async () => {
  await withTempDir(async (dir) => {
    const fake = await startFakeXenstored({ socketPath: path.join(dir, 'socket'), tree: HOST_TREE });
    const socket = net.createConnection({ path: fake.socketPath });
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      const oneReply = readReplies(socket, 1);
      for (const byte of encodeRequest(XS_READ, 41, '/local/domain/0/name')) {
        socket.write(Buffer.of(byte));
        await tick(1);
      }
      assert.deepEqual(await oneReply, [{ type: XS_READ, reqId: 41, payload: 'Domain-0' }]);
      socket.removeAllListeners('data');

      const threeReplies = readReplies(socket, 3);
      socket.write(Buffer.concat([
        encodeRequest(XS_READ, 42, '/local/domain/3/name'),
        encodeRequest(XS_DIRECTORY, 43, '/local/domain/3/memory'),
        encodeRequest(99, 44, '/local/domain/3/name'),
      ]));
      assert.deepEqual(await threeReplies, [
        { type: XS_READ, reqId: 42, payload: 'hvm-guest' },
        { type: XS_DIRECTORY, reqId: 43, payload: 'target\0static-max\0' },
        { type: 16, reqId: 44, payload: 'EINVAL\0' },
      ]);
      assert.equal(fake.requests.length, 4);
    } finally {
      socket.destroy();
      await fake.close();
    }
  });
});

test('the domain this process runs in: xenstore\'s domid, relative to the connection\'s home', { timeout: 5000 }, async () => {
  await withFake({ tree: { ...HOST_TREE, '/local/domain/0/domid': '0' } }, async (client, fake) => {
    assert.equal(await readOwnDomid(client), 0);
    assert.equal(fake.requests.at(-1)?.path, 'domid');
  });
  await withFake({ tree: { ...HOST_TREE, '/local/domain/12/domid': '12' }, home: '/local/domain/12' }, async (client) => {
    assert.equal(await readOwnDomid(client), 12);
  });
  // no key, or nonsense in it: not known
  await withFake({ tree: HOST_TREE }, async (client) => assert.equal(await readOwnDomid(client), null));
  await withFake({ tree: { ...HOST_TREE, '/local/domain/0/domid': 'zero' } }, async (client) => assert.equal(await readOwnDomid(client), null));
});
