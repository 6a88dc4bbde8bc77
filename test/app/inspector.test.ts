/** The inspector service through its mapper worker, on the built-in simulated host. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { ScanChunk } from '../../app/api';
import { chunkCodes } from '../../app/chunk-codec';
import { Inspector, startInspector } from '../../app/inspector-client';
import { RemoteError } from '../../app/inspector-protocol';
import { scanToEnd } from '../../app/scan-to-end';

let inspector: Inspector;

before(async () => {
  inspector = await startInspector({ backend: 'sim', simClock: 'stepped' });
});

after(async () => {
  await inspector.close();
});

test('host info says simulated and names every frame code', async () => {
  const info = await inspector.hostInfo();
  assert.equal(info.backend, 'sim');
  assert.equal(info.simulated, true);
  assert.match(info.description, /simulated/);
  assert.equal(info.codeNames[0], 'OK');
  assert.equal(info.codeNames[2], 'ENOENT');
  assert.equal(info.codeNames[22], 'EINVAL');
  assert.equal(info.codeNames[255], 'UNSCANNED');
});

test('domains of the built-in host, with their frame counts from the hypercall', async () => {
  const domains = await inspector.listDomains();
  assert.deepEqual(domains.map((d) => d.name), ['Domain-0', 'hvm-firmware', 'pvh-ballooned', 'web-01', 'db-02', 'bigmem-64g', 'pv-guest']);
  const fw = domains.find((d) => d.id === 1)!;
  assert.equal(fw.frames, 0x100000);
  assert.equal(fw.memoryKiB, 64 * 1024);
  assert.equal(domains.find((d) => d.id === 5)!.frames, 0x1010000);
});

test('a whole-domain scan: chunks cover the range, counts match the real layout it was modelled on', async () => {
  const chunks: ScanChunk[] = [];
  const summary = await scanToEnd(inspector, { domain: 1 }, (c) => chunks.push(c));
  assert.equal(summary.scanned, 0x100000);
  // hvm-64MiB.ranges: 16381 frames answered OK, the rest -EINVAL
  assert.equal(summary.counts.mapped + summary.counts.paged, 16381);
  assert.equal(summary.counts.invalid, 0x100000 - 16381);
  assert.equal(summary.errnos.EINVAL, summary.counts.invalid);
  assert.ok(summary.counts.paged > 0, 'the host pages');
  let next = 0;
  let paged = 0;
  for (const c of chunks) {
    assert.equal(c.first, next);
    next += c.count;
    for (const code of chunkCodes(c)) paged += code === 2 ? 1 : 0;
  }
  assert.equal(next, 0x100000);
  assert.equal(paged, summary.counts.paged);
});

test('reading frames: contents of a mapped frame, nothing for a failed one', async () => {
  const marker = await inspector.readFrame({ domain: 3, gfn: 0x1234 });
  assert.equal(marker.codeName, 'OK');
  assert.equal(marker.bytes!.length, 4096);
  assert.equal(Buffer.from(marker.bytes!.subarray(0x100, 0x123)).toString('latin1'), 'FRAMESCOPE-MARKER web-01 gfn 0x1234');
  const hole = await inspector.readFrame({ domain: 3, gfn: 0x90000 });
  assert.equal(hole.codeName, 'EINVAL');
  assert.equal(hole.bytes, null);
});

test('errors cross the worker boundary with their name and message', async () => {
  await assert.rejects(inspector.startScan({ domain: 77 }), (e: RemoteError) => e.name === 'UnknownDomainError' && /domain 77: no such domain/.test(e.message));
  await assert.rejects(inspector.readFrame({ domain: 3, gfn: 0x100000 }), /past the end of domain 3/);
});

test('stopScan ends a running scan early, and the main thread stays responsive meanwhile', async () => {
  let maxLag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 5);
    last = now;
  }, 5);
  let stop: () => void = () => {};
  const summary = await scanToEnd(inspector, { domain: 5 }, () => stop(), (started) => {
    stop = () => void inspector.stopScan(started.scanId);
  }).finally(() => clearInterval(timer));
  assert.equal(summary.cancelled, true);
  assert.ok(summary.scanned < 0x1010000);
  // the batches run in the worker: the event loop here never waits on an ioctl
  assert.ok(maxLag < 250, `main thread blocked for ${maxLag.toFixed(0)} ms`);
});

test('without a Xen host, --backend xen fails with one clear line', async () => {
  await assert.rejects(startInspector({ backend: 'xen', devicePath: '/nonexistent/privcmd' }), /no Xen host here: \/nonexistent\/privcmd does not exist/);
});
