import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { DomainType } from '../../native/emulator';
import { errno } from '../../native/syscalls';
import { UnknownDomainError } from '../../app/frame-source';
import { CODE_MAPPED, CODE_PAGED, FrameTally } from '../../app/frame-status';
import { gfnArray, PrivcmdFrameSource } from '../../app/privcmd-source';
import { openFrameSource } from '../../app/backend';
import { ChunkOut, diagnoseBatch, planScan, runScan } from '../../app/scanner';
import { parsePattern, searchFrames } from '../../app/search';
import { LAYOUT, testHost, TEST_DOMID, TEST_FRAMES } from '../fakes/emulator-host';

async function openSource() {
  const emu = testHost();
  const source = await PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    description: { backend: 'sim', simulated: true, description: 'test host' },
    listDomains: async () => emu.domains().map((d) => ({ id: d.domid, name: d.name, memoryKiB: d.targetKiB, maxMemoryKiB: d.staticMaxKiB })),
  });
  return { emu, source };
}

test('a scan streams contiguous chunks covering exactly the range, and its counts add up', async () => {
  const { source } = await openSource();
  try {
    const plan = await planScan(source, { domain: TEST_DOMID, batch: 100 });
    assert.deepEqual([plan.first, plan.last], [0, TEST_FRAMES - 1]);
    const chunks: ChunkOut[] = [];
    const summary = await runScan(source, plan, (c) => chunks.push({ ...c, codes: Uint8Array.from(c.codes) }));
    let next = 0;
    const tally = new FrameTally();
    for (const c of chunks) {
      assert.equal(c.first, next);
      next += c.codes.length;
      tally.add(c.codes);
    }
    assert.equal(next, TEST_FRAMES);
    assert.deepEqual(summary.counts, tally.counts());
    assert.equal(summary.scanned, TEST_FRAMES);
    assert.equal(summary.counts.mapped + summary.counts.paged + summary.counts.invalid, TEST_FRAMES);
    assert.equal(summary.counts.paged, LAYOUT.paged[1] - LAYOUT.paged[0] + 1);
    assert.equal(summary.errnos.ENOENT, summary.counts.paged);
    assert.equal(summary.errnos.EPERM, 16);
    assert.equal(summary.errnos.EBUSY, 16);
    assert.equal(summary.errnos.ENOMEM, 16);
    assert.equal(summary.abi, 'v2');
    assert.equal(summary.error, null);
    // the codes sit where the layout puts them
    const all = new Uint8Array(TEST_FRAMES);
    chunks.forEach((c) => all.set(c.codes, c.first));
    assert.equal(all[0], CODE_MAPPED);
    assert.equal(all[LAYOUT.paged[0]], CODE_PAGED);
    assert.equal(all[LAYOUT.eperm[0]], errno.EPERM);
  } finally {
    await source.close();
  }
});

test('gfn lists are exact on both sides of 2^32 and across it', () => {
  const expect = (first: number, count: number) => Array.from({ length: count }, (_, i) => BigInt(first) + BigInt(i));
  for (const [first, count] of [[0, 5], [2 ** 32 - 3, 6], [2 ** 32, 3], [2 ** 40 + 7, 4]]) {
    assert.deepEqual([...gfnArray(first, count)], expect(first, count), `from ${first}`);
  }
});

test('bad ranges and batches are refused before anything is mapped', async () => {
  const { emu, source } = await openSource();
  try {
    const calls = emu.stats().mmapbatchCalls;
    await assert.rejects(planScan(source, { domain: TEST_DOMID, first: 0, last: TEST_FRAMES }), /past the end of domain 7 \(last frame 0xfff\)/);
    await assert.rejects(planScan(source, { domain: TEST_DOMID, first: 10, last: 5 }), /bad range/);
    await assert.rejects(planScan(source, { domain: TEST_DOMID, batch: 0 }), /batch must be/);
    await assert.rejects(planScan(source, { domain: 99 }), UnknownDomainError);
    await assert.rejects(source.mapFrames(TEST_DOMID, TEST_FRAMES - 1, 2, { mode: 'observe' }), /past the end/);
    assert.equal(emu.stats().mmapbatchCalls, calls);
  } finally {
    await source.close();
  }
});

test('frame numbers past the domain are never sent, even where the hypervisor would alias them', async () => {
  const { emu, source } = await openSource();
  try {
    await assert.rejects(source.mapFrames(TEST_DOMID, 2 ** 40, 1, { mode: 'observe' }), /past the end/);
    assert.equal(emu.stats().mmapbatchCalls, 0);
  } finally {
    await source.close();
  }
});

test('a stopped scan ends early, marked cancelled, with what it had', async () => {
  const { emu, source } = await openSource();
  emu.addDomain(8, 'large', DomainType.Hvm, 0x100000, 0x400000, 0x400000);
  try {
    const controller = new AbortController();
    const plan = await planScan(source, { domain: 8, batch: 4096 });
    let seen = 0;
    const summary = await runScan(source, plan, (c) => {
      seen += c.codes.length;
      controller.abort();
    }, controller.signal);
    assert.equal(summary.cancelled, true);
    assert.ok(summary.scanned < 0x100000);
    assert.equal(summary.scanned, seen);
  } finally {
    await source.close();
  }
});

test('a domain destroyed mid-scan stops the scan with a clear error and keeps the frames scanned', async () => {
  const { emu, source } = await openSource();
  try {
    emu.setKnob('destroy_domid', TEST_DOMID);
    emu.setKnob('destroy_after_calls', 5);
    const plan = await planScan(source, { domain: TEST_DOMID, batch: 64 });
    const summary = await runScan(source, plan, () => {});
    assert.match(summary.error ?? '', /domain 7 no longer exists/);
    assert.equal(summary.scanned, 5 * 64);
  } finally {
    await source.close();
  }
});

test('a failed ioctl (EFAULT) stops the scan with the errno and the gfn', async () => {
  const { emu, source } = await openSource();
  try {
    const plan = await planScan(source, { domain: TEST_DOMID, batch: 256 });
    emu.setKnob('efault_after_calls', 3);
    const summary = await runScan(source, plan, () => {});
    assert.match(summary.error ?? '', /gfn 0x300: IOCTL_PRIVCMD_MMAPBATCH_V2 .*EFAULT/);
    assert.equal(summary.scanned, 3 * 256);
  } finally {
    await source.close();
  }
});

test('retry mode brings paged frames back and says so', async () => {
  const { emu, source } = await openSource();
  emu.setPaging(TEST_DOMID, { outPerSecond: 0, inPerSecond: 0, latencyMs: [10, 10], initialPagedFraction: 0, maxPagedFraction: 1, ringSize: 64 });
  const ticker = setInterval(() => emu.advanceClock(5), 2);
  try {
    const plan = await planScan(source, { domain: TEST_DOMID, first: 0, last: 0x1ff, mode: 'retry', retryTimeoutMs: 5000 });
    const summary = await runScan(source, plan, () => {});
    assert.equal(summary.counts.paged, 0);
    assert.deepEqual(summary.retry, { retried: 16, recovered: 16, timedOutBatches: 0 });
  } finally {
    clearInterval(ticker);
    await source.close();
  }
});

test('a profiled scan times its stages: every batch counted, the stages inside the scan\'s own time', async () => {
  const { source } = await openSource();
  try {
    const plain = await runScan(source, await planScan(source, { domain: TEST_DOMID, batch: 100 }), () => {});
    assert.equal(plain.profile, undefined);
    const plan = await planScan(source, { domain: TEST_DOMID, batch: 100, profile: true });
    const summary = await runScan(source, plan, () => {});
    const p = summary.profile!;
    assert.equal(p.batches, Math.ceil(TEST_FRAMES / 100));
    for (const ms of [p.mmapMs, p.ioctlMs, p.munmapMs, p.decodeMs, p.chunksMs]) assert.ok(ms >= 0);
    assert.ok(p.ioctlMs > 0);
    assert.ok(p.mmapMs + p.ioctlMs + p.munmapMs + p.decodeMs + p.chunksMs <= summary.durationMs + 0.01);
    assert.deepEqual(summary.counts, plain.counts);
  } finally {
    await source.close();
  }
});

test('scans of one batch length at once, paged frames retried, keep their frames apart (pooled gfn lists)', async () => {
  const { emu, source } = await openSource();
  emu.setPaging(TEST_DOMID, { outPerSecond: 0, inPerSecond: 0, latencyMs: [10, 10], initialPagedFraction: 0, maxPagedFraction: 1, ringSize: 64 });
  const ticker = setInterval(() => emu.advanceClock(5), 2);
  try {
    // paged frames at 0x100-0x10f: each scan below retries a batch of them while the others map
    // holes at the same offsets of their batches; a list handed out twice would mix them up
    const ranges = [[0, 0x1ff], [0x100, 0x2ff]] as const;
    const collect = async ([first, last]: readonly [number, number]) => {
      const codes = new Uint8Array(last - first + 1);
      const plan = await planScan(source, { domain: TEST_DOMID, first, last, batch: 64, mode: 'retry', retryTimeoutMs: 5000 });
      const summary = await runScan(source, plan, (c) => codes.set(c.codes, c.first - first));
      assert.equal(summary.error, null);
      return codes;
    };
    let done = false;
    const holes = (async () => {
      while (!done) await collect([0x800, 0xfff]);
    })();
    const together = await Promise.all(ranges.map(collect));
    done = true;
    await holes;
    const alone: Uint8Array[] = [];
    for (const r of ranges) alone.push(await collect(r));
    together.forEach((codes, i) => assert.deepEqual(codes, alone[i], `range ${ranges[i]}`));
  } finally {
    clearInterval(ticker);
    await source.close();
  }
});

test('each domain is mapped through a descriptor restricted to it', async () => {
  const { emu, source } = await openSource();
  emu.addDomain(8, 'other', DomainType.Hvm, 0x100, 0x400, 0x400);
  try {
    const fds = emu.stats().openFds;
    await source.mapFrames(TEST_DOMID, 0, 4, { mode: 'observe' });
    await source.mapFrames(TEST_DOMID, 4, 4, { mode: 'observe' });
    assert.equal(emu.stats().openFds, fds + 1, 'one restricted descriptor for the domain, reused');
    await source.mapFrames(8, 0, 4, { mode: 'observe' });
    assert.equal(emu.stats().openFds, fds + 2);
  } finally {
    await source.close();
  }
  assert.equal(emu.stats().openFds, 0, 'close releases every descriptor');
});

test('a source confined to one domain refuses every other, and its device is restricted', async () => {
  const emu = testHost();
  emu.addDomain(8, 'other', DomainType.Hvm, 0x100, 0x400, 0x400);
  const source = await PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    description: { backend: 'sim', simulated: true, description: 'test host' },
    listDomains: async () => emu.domains().map((d) => ({ id: d.domid, name: d.name, memoryKiB: d.targetKiB, maxMemoryKiB: d.staticMaxKiB })),
    onlyDomain: TEST_DOMID,
  });
  try {
    assert.deepEqual((await source.listDomains()).map((d) => [d.id, d.frames]), [[TEST_DOMID, TEST_FRAMES]]);
    assert.equal(await source.frameCount(TEST_DOMID), TEST_FRAMES);
    await assert.rejects(source.frameCount(8), /domain 8: this framescope serves domain 7 only/);
    await assert.rejects(source.mapFrames(8, 0, 1, { mode: 'observe' }), UnknownDomainError);
    assert.equal((await source.mapFrames(TEST_DOMID, 0, 1, { mode: 'observe' })).codes[0], 0);
    assert.equal(emu.stats().openFds, 1, 'a single descriptor, restricted to the domain');
  } finally {
    await source.close();
  }
});

/** A host file with a guest and the domain framescope runs in (as on a dom0, or a driver domain). */
function hostWithSelf(selfDomid: number | null): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fs-self-')), 'host.json');
  fs.writeFileSync(file, JSON.stringify({
    clock: 'stepped',
    knobs: selfDomid === null ? { selfDomid: null } : { selfDomid },
    domains: [
      { id: 0, name: 'Domain-0', type: 'pv', frames: 0x1000, p2m: { form: 'list' } },
      { id: 4, name: 'driver-dom', type: 'pvh', frames: 0x800 },
    ],
  }));
  return file;
}

test('the domain framescope runs in: every frame answers ESRCH, and scan and search say why', async () => {
  for (const own of [0, 4]) {
    const source = await openFrameSource({ backend: 'sim', simConfig: hostWithSelf(own) });
    try {
      assert.equal(await source.ownDomain?.(), own);
      const summary = await runScan(source, await planScan(source, { domain: own, batch: 256 }), () => {});
      assert.equal(summary.error, `domain ${own} is the domain framescope runs in: Xen refuses to map a domain's own frames through privcmd (ESRCH)`);
      assert.equal(summary.scanned, 0, 'the first batch tells: nothing more is asked');
      const search = await searchFrames(source, { domain: own, first: 0, last: 0x7ff, pattern: parsePattern({ text: 'x' }) });
      assert.equal(search.error, summary.error);
      // the other domain maps as ever (a PV dom0 seen from a driver domain through its p2m)
      const r = await source.mapFrames(own === 0 ? 4 : 0, 0, 16, { mode: 'observe' });
      assert.deepEqual([...new Set(r.codes)], [CODE_MAPPED]);
    } finally {
      await source.close();
    }
  }
});

test('a domain that answers ESRCH and is not framescope\'s own is gone, as before', async () => {
  const source = await openFrameSource({ backend: 'sim', simConfig: hostWithSelf(null) });
  try {
    assert.equal(await source.ownDomain?.(), null);
    const codes = new Uint8Array(8).fill(errno.ESRCH);
    assert.equal(await diagnoseBatch(source, 0, 0x40, codes), 'domain 0 no longer exists (every frame from 0x40 answered ESRCH)');
    codes[3] = CODE_MAPPED;
    assert.equal(await diagnoseBatch(source, 0, 0x40, codes), null, 'one frame mapped: nothing to say about the domain');
    const r = await source.mapFrames(0, 0, 16, { mode: 'observe' });
    assert.ok(r.codes.every((c) => c === CODE_MAPPED), 'with no domain of its own, framescope maps dom0\'s frames as any other');
  } finally {
    await source.close();
  }
});
