import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DomainType, FrameKind, PagingState } from '../../native/emulator';
import {
  DOMID_SELF, GETDOMAININFO_LAYOUT, PAGE_SIZE, V1_GFN_LIMIT, XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_LAYOUT, XEN_DOMINF_hvm_guest,
} from '../../native/privcmd-abi';
import { FRAME_V1_NO_ERRNO, FRAME_V1_UNADDRESSABLE, PrivcmdDevice } from '../../native/privcmd-device';
import { errno, SyscallError } from '../../native/syscalls';
import { gfns, LAYOUT, mapsLineCount, MARKER, MARKER_GFN, MARKER_OFFSET, testHost, TEST_DOMID, TEST_FRAMES } from '../fakes/emulator-host';

const { ENOENT, EINVAL, EPERM, EBUSY, ENOMEM, ESRCH, EFAULT, ENOTTY } = errno;

/** The code every frame of the test host's layout must get, V2 keeping the errno. */
function expectedV2(gfn: number): number {
  const within = (r: readonly [number, number]) => gfn >= r[0] && gfn <= r[1];
  if (within(LAYOUT.paged)) return ENOENT;
  if (within(LAYOUT.hole) || within(LAYOUT.ballooned) || within(LAYOUT.tail)) return EINVAL;
  if (within(LAYOUT.eperm)) return EPERM;
  if (within(LAYOUT.ebusy)) return EBUSY;
  if (within(LAYOUT.enomem)) return ENOMEM;
  return 0;
}

function openDevice() {
  const emu = testHost();
  return { emu, dev: PrivcmdDevice.open(emu.syscalls) };
}

test('V2: every frame gets the errno the driver reported', async () => {
  const { dev } = openDevice();
  try {
    const r = await dev.mapBatch(TEST_DOMID, gfns(0, 0x900));
    assert.equal(r.abi, 'v2');
    for (let g = 0; g < 0x900; g++) assert.equal(r.codes[g], expectedV2(g), `gfn 0x${g.toString(16)}`);
  } finally {
    dev.close();
  }
});

test('codes can be decoded into the caller\'s buffer, which must be the batch\'s length', async () => {
  const { dev } = openDevice();
  try {
    const own = await dev.mapBatch(TEST_DOMID, gfns(0, 0x900));
    const chunk = new Uint8Array(0x1000).fill(0xee);
    const into = new Uint8Array(chunk.buffer, 0x100, 0x900);
    const r = await dev.mapBatch(TEST_DOMID, gfns(0, 0x900), { into });
    assert.equal(r.codes, into);
    assert.deepEqual(Uint8Array.from(into), own.codes);
    assert.equal(chunk[0xff], 0xee, 'nothing written before it');
    assert.equal(chunk[0xa00], 0xee, 'nothing written after it');
    await assert.rejects(dev.mapBatch(TEST_DOMID, gfns(0, 0x10), { into: new Uint8Array(8) }), RangeError);
  } finally {
    dev.close();
  }
});

test('mapConsecutiveNow answers as mapBatch does, at once, and declines what needs mapBatch', async () => {
  const { emu, dev } = openDevice();
  try {
    assert.equal(dev.mapConsecutiveNow(TEST_DOMID, 0, 0x10), null, 'the ABI is not known before a first batch');
    const general = await dev.mapBatch(TEST_DOMID, gfns(0, 0x900), { copy: true });
    const now = dev.mapConsecutiveNow(TEST_DOMID, 0, 0x900, { copy: true });
    assert.ok(now);
    assert.equal(now.abi, 'v2');
    assert.deepEqual(now.codes, general.codes);
    assert.ok(now.contents?.equals(general.contents!), 'the same bytes copied out');
    // a batch that does not start at 0, into the caller's buffer
    const into = new Uint8Array(0x100);
    const part = dev.mapConsecutiveNow(TEST_DOMID, 0x7f0, 0x100, { into });
    assert.equal(part?.codes, into);
    for (let g = 0x7f0; g < 0x8f0; g++) assert.equal(into[g - 0x7f0], expectedV2(g), `gfn 0x${g.toString(16)}`);
    assert.throws(() => dev.mapConsecutiveNow(TEST_DOMID, 0, 0x10, { into: new Uint8Array(8) }), RangeError);
    assert.equal(dev.mapConsecutiveNow(TEST_DOMID, 0, 0x10, { abi: 'v1' }), null, 'V1 goes through mapBatch');
    assert.equal(dev.mapConsecutiveNow(TEST_DOMID, 0, 0x10, { paged: { mode: 'retry', timeoutMs: 10 } }), null, 'so do retries');
    assert.equal(emu.stats().liveVmas, 0, 'every VMA unmapped');
  } finally {
    dev.close();
  }
});

test('V2: a domain that does not exist answers ESRCH in every slot', async () => {
  const { dev } = openDevice();
  try {
    const r = await dev.mapBatch(99, gfns(0, 16));
    assert.deepEqual([...r.codes], new Array(16).fill(ESRCH));
  } finally {
    dev.close();
  }
});

test('contents are copied out of mapped frames only, one run at a time', async () => {
  const { dev } = openDevice();
  try {
    const r = await dev.mapBatch(TEST_DOMID, gfns(0, 0x260), { copy: true });
    assert.ok(r.contents);
    assert.equal(r.contents.length, 0x260 * PAGE_SIZE);
    const at = MARKER_GFN * PAGE_SIZE + MARKER_OFFSET;
    assert.equal(r.contents.subarray(at, at + MARKER.length).toString('latin1'), MARKER);
    // a failed frame's page is never read: its bytes stay zero
    const paged = LAYOUT.paged[0] * PAGE_SIZE;
    assert.ok(r.contents.subarray(paged, paged + PAGE_SIZE).every((b) => b === 0));
    // a mapped frame has memory-like contents (the pool never hands out only zero pages)
    const nonZero = [...Array(0x100).keys()].filter((g) => r.contents!.subarray(g * PAGE_SIZE, (g + 1) * PAGE_SIZE).some((b) => b !== 0));
    assert.ok(nonZero.length > 0x40, `${nonZero.length} non-zero frames`);
  } finally {
    dev.close();
  }
});

test('the same frame reads the same bytes every time (contents are deterministic)', async () => {
  const { dev } = openDevice();
  try {
    const a = await dev.mapBatch(TEST_DOMID, gfns(0x40, 64), { copy: true });
    const b = await dev.mapBatch(TEST_DOMID, gfns(0x40, 64), { copy: true });
    assert.ok(a.contents!.equals(b.contents!));
  } finally {
    dev.close();
  }
});

for (const v2errno of ['ENOTTY', 'EINVAL'] as const) {
  test(`V1 fallback when V2 answers ${v2errno}: paged and failed frames decoded from the nibbles`, async () => {
    const { emu, dev } = openDevice();
    emu.setKnob('no_v2', 1);
    emu.setKnob('v2_errno', errno[v2errno]);
    try {
      const r = await dev.mapBatch(TEST_DOMID, gfns(0, 0x900), { copy: true });
      assert.equal(r.abi, 'v1');
      assert.equal(dev.detectedAbi, 'v1');
      for (let g = 0; g < 0x900; g++) {
        const want = expectedV2(g);
        // V1 keeps only the kind of error: paged survives, every other errno becomes "no errno"
        assert.equal(r.codes[g], want === 0 || want === ENOENT ? want : FRAME_V1_NO_ERRNO, `gfn 0x${g.toString(16)}`);
      }
      const at = MARKER_GFN * PAGE_SIZE + MARKER_OFFSET;
      assert.equal(r.contents!.subarray(at, at + MARKER.length).toString('latin1'), MARKER);
      // later batches go straight to V1
      const calls = emu.stats().mmapbatchCalls;
      await dev.mapBatch(TEST_DOMID, gfns(0, 8));
      assert.equal(emu.stats().mmapbatchCalls, calls + 1);
    } finally {
      dev.close();
    }
  });
}

test('an EINVAL from V2 on a kernel that has V2 is an error, not a reason to fall back', async () => {
  const { emu, dev } = openDevice();
  try {
    await dev.mapBatch(TEST_DOMID, gfns(0, 4)); // V2 works here
    emu.setKnob('no_v2', 1);
    emu.setKnob('v2_errno', EINVAL);
    await assert.rejects(dev.mapBatch(TEST_DOMID, gfns(0, 4)), (e: SyscallError) => e.errno === EINVAL && /MMAPBATCH_V2/.test(e.message));
  } finally {
    dev.close();
  }
});

test('abi per batch: V1 asked for on a V2 kernel uses V1 and leaves the detection alone', async () => {
  const { emu, dev } = openDevice();
  try {
    const before = emu.stats();
    const r = await dev.mapBatch(TEST_DOMID, gfns(0xf0, 0x130), { abi: 'v1', paged: { mode: 'retry', timeoutMs: 2000 } });
    assert.equal(r.abi, 'v1');
    const after = emu.stats();
    assert.ok(after.mmapbatchV1Calls > before.mmapbatchV1Calls + 1, 'V1 for the batch and its retries');
    assert.equal(after.mmapbatchCalls - before.mmapbatchCalls, after.mmapbatchV1Calls - before.mmapbatchV1Calls, 'no V2 call, not even for the retries');
    for (let i = 0; i < 0x130; i++) {
      const want = expectedV2(0xf0 + i);
      if (want !== ENOENT) assert.equal(r.codes[i], want === 0 ? 0 : FRAME_V1_NO_ERRNO, `gfn 0x${(0xf0 + i).toString(16)}`);
    }
    assert.equal(dev.detectedAbi, null, 'asking for V1 says nothing of what the kernel has');
    assert.equal((await dev.mapBatch(TEST_DOMID, gfns(0, 4))).abi, 'v2');
  } finally {
    dev.close();
  }
});

test('abi per batch: V2 asked for on a kernel without it fails, saying so, and never falls back', async () => {
  const { emu, dev } = openDevice();
  emu.setKnob('no_v2', 1);
  try {
    await assert.rejects(dev.mapBatch(TEST_DOMID, gfns(0, 4), { abi: 'v2' }),
      (e: SyscallError) => e.errno === ENOTTY && /V2 was asked for, and this kernel may not have it/.test(e.message));
    assert.equal(emu.stats().mmapbatchV1Calls, 0, 'no V1 call');
    assert.equal((await dev.mapBatch(TEST_DOMID, gfns(0, 4))).abi, 'v1', 'auto still falls back');
  } finally {
    dev.close();
  }
});

test('the 3.7 V1 quirk: every entry flagged, the falsely flagged frames re-probed one by one', async () => {
  const { emu, dev } = openDevice();
  emu.setKnob('no_v2', 1);
  emu.setKnob('v1_quirk', 1);
  try {
    // mapped frames, a paged run and a hole in one batch
    const r = await dev.mapBatch(TEST_DOMID, gfns(0xf0, 0x130), { copy: true });
    assert.equal(dev.v1QuirkState, 'present');
    for (let i = 0; i < 0x130; i++) {
      const want = expectedV2(0xf0 + i);
      assert.equal(r.codes[i], want === 0 || want === ENOENT ? want : FRAME_V1_NO_ERRNO, `gfn 0x${(0xf0 + i).toString(16)}`);
    }
    // contents of re-probed frames come from the probe mapping
    const quirkFree = await (async () => {
      emu.setKnob('v1_quirk', 0);
      const d2 = PrivcmdDevice.open(emu.syscalls);
      try {
        return (await d2.mapBatch(TEST_DOMID, gfns(0xf0, 0x130), { copy: true })).contents!;
      } finally {
        d2.close();
      }
    })();
    assert.ok(r.contents!.equals(quirkFree));
  } finally {
    dev.close();
  }
});

test('a V1 kernel without the quirk is recognised and not re-probed', async () => {
  const { emu, dev } = openDevice();
  emu.setKnob('no_v2', 1);
  try {
    await dev.mapBatch(TEST_DOMID, gfns(0xf0, 0x20));
    assert.equal(dev.v1QuirkState, 'absent');
    const calls = emu.stats().mmapbatchCalls;
    await dev.mapBatch(TEST_DOMID, gfns(0x200, 0x10)); // every frame a hole: all flagged
    assert.equal(emu.stats().mmapbatchCalls, calls + 1);
  } finally {
    dev.close();
  }
});

test('V1 is never used for frames at or above 2^28', async () => {
  const emu = testHost();
  const big = V1_GFN_LIMIT + 0x10;
  emu.addDomain(8, 'huge', DomainType.Hvm, big, big * 4, big * 4);
  emu.setKnob('no_v2', 1);
  const dev = PrivcmdDevice.open(emu.syscalls);
  try {
    const first = V1_GFN_LIMIT - 4;
    const r = await dev.mapBatch(8, gfns(first, 8));
    assert.equal(r.abi, 'v1');
    assert.deepEqual([...r.codes], [0, 0, 0, 0, FRAME_V1_UNADDRESSABLE, FRAME_V1_UNADDRESSABLE, FRAME_V1_UNADDRESSABLE, FRAME_V1_UNADDRESSABLE]);
    const high = await dev.mapBatch(8, gfns(V1_GFN_LIMIT, 4));
    assert.deepEqual([...high.codes], new Array(4).fill(FRAME_V1_UNADDRESSABLE));
    // the same into the caller's buffer (as a scan's chunk): the part V1 can send is a shorter batch
    const into = new Uint8Array(8);
    const split = await dev.mapBatch(8, gfns(first, 8), { into });
    assert.equal(split.codes, into);
    assert.deepEqual([...into], [...r.codes]);
    // and on a V2 kernel whose V1 was asked for
    emu.setKnob('no_v2', 0);
    const asked = new Uint8Array(8);
    assert.deepEqual([...(await dev.mapBatch(8, gfns(first, 8), { into: asked, abi: 'v1' })).codes], [...r.codes]);
    await assert.rejects(dev.mapBatch(8, gfns(first, 8), { into: new Uint8Array(4), abi: 'v1' }), RangeError);
  } finally {
    dev.close();
  }
});

test('observe reports paged frames and starts their page-in; retry waits for them', async () => {
  const emu = testHost();
  const dev = PrivcmdDevice.open(emu.syscalls);
  emu.setPaging(TEST_DOMID, { outPerSecond: 0, inPerSecond: 0, latencyMs: [20, 20], initialPagedFraction: 0, maxPagedFraction: 1, ringSize: 64 });
  try {
    const observed = await dev.mapBatch(TEST_DOMID, gfns(LAYOUT.paged[0], 16));
    assert.ok(observed.codes.every((c) => c === ENOENT));
    assert.equal(observed.retried, 0);
    assert.equal(emu.frameState(TEST_DOMID, LAYOUT.paged[0]).paging, PagingState.PagingIn, 'observing requested a page-in');

    // time moves on the emulator's clock while the retry loop sleeps on the real one
    const ticker = setInterval(() => emu.advanceClock(5), 2);
    const retried = await dev.mapBatch(TEST_DOMID, gfns(LAYOUT.paged[0] - 8, 32), { paged: { mode: 'retry', timeoutMs: 5000 }, copy: true })
      .finally(() => clearInterval(ticker));
    assert.ok(retried.codes.every((c) => c === 0), [...retried.codes].join(','));
    assert.equal(retried.retried, 16);
    assert.equal(retried.recovered, 16);
    assert.equal(retried.retryTimedOut, false);
  } finally {
    dev.close();
  }
});

test('retry gives up when its time is up, leaving the frames paged', async () => {
  const emu = testHost(); // stepped clock that nobody advances: page-ins never finish
  const dev = PrivcmdDevice.open(emu.syscalls);
  try {
    const started = Date.now();
    const r = await dev.mapBatch(TEST_DOMID, gfns(LAYOUT.paged[0], 4), { paged: { mode: 'retry', timeoutMs: 60 } });
    assert.ok(Date.now() - started < 1000);
    assert.equal(r.retryTimedOut, true);
    assert.ok(r.codes.every((c) => c === ENOENT));
  } finally {
    dev.close();
  }
});

test('failed calls surface their errno: EFAULT, EPERM', async () => {
  const { emu, dev } = openDevice();
  try {
    emu.setKnob('efault_after_calls', 1);
    await dev.mapBatch(TEST_DOMID, gfns(0, 4));
    await assert.rejects(dev.mapBatch(TEST_DOMID, gfns(0, 4)), (e: SyscallError) => e.errno === EFAULT);
    await dev.mapBatch(TEST_DOMID, gfns(0, 4)); // one-shot: the next call works
    emu.setKnob('eperm', 1);
    await assert.rejects(dev.mapBatch(TEST_DOMID, gfns(0, 4)), (e: SyscallError) => e.errno === EPERM && e.code === 'EPERM');
    assert.equal(emu.stats().liveVmas, 0, 'failed calls still release their mapping');
  } finally {
    dev.close();
  }
});

test('a domain destroyed mid-scan answers ESRCH from then on', async () => {
  const { emu, dev } = openDevice();
  emu.setKnob('destroy_domid', TEST_DOMID);
  emu.setKnob('destroy_after_calls', 2);
  try {
    assert.equal((await dev.mapBatch(TEST_DOMID, gfns(0, 4))).codes[0], 0);
    assert.equal((await dev.mapBatch(TEST_DOMID, gfns(4, 4))).codes[0], 0);
    const r = await dev.mapBatch(TEST_DOMID, gfns(8, 4));
    assert.ok(r.codes.every((c) => c === ESRCH));
    assert.throws(() => dev.maximumGpfn(TEST_DOMID), (e: SyscallError) => e.errno === ESRCH);
  } finally {
    dev.close();
  }
});

test('XENMEM_maximum_gpfn through IOCTL_PRIVCMD_HYPERCALL gives the frame count', () => {
  const { dev } = openDevice();
  try {
    assert.equal(dev.maximumGpfn(TEST_DOMID), TEST_FRAMES - 1);
    assert.throws(() => dev.maximumGpfn(1234), (e: SyscallError) => e.errno === ESRCH);
  } finally {
    dev.close();
  }
});

test('XENMEM_current_reservation and _maximum_reservation: pages held now and at most', async () => {
  const { emu, dev } = openDevice();
  try {
    // everything but holes and ballooned frames has a page, less the paged-out ones Xen gave back
    const span = (r: readonly [number, number]) => r[1] - r[0] + 1;
    const populated = TEST_FRAMES - span(LAYOUT.hole) - span(LAYOUT.ballooned) - span(LAYOUT.tail);
    assert.equal(dev.currentReservation(TEST_DOMID), populated - span(LAYOUT.paged));
    assert.equal(dev.maximumReservation(TEST_DOMID), TEST_FRAMES); // static-max: TEST_FRAMES * 4 KiB
    // mapping a paged frame pages it in: one page more, once the page-in completes
    await dev.mapBatch(TEST_DOMID, gfns(LAYOUT.paged[0], 1));
    emu.advanceClock(100);
    assert.equal(dev.currentReservation(TEST_DOMID), populated - span(LAYOUT.paged) + 1);
    assert.throws(() => dev.currentReservation(1234), (e: SyscallError) => e.errno === ESRCH && /XENMEM_current_reservation/.test(e.message));
    assert.throws(() => dev.maximumReservation(1234), (e: SyscallError) => e.errno === ESRCH);
    // DOMID_SELF is the domain the caller runs in
    assert.throws(() => dev.currentReservation(DOMID_SELF), (e: SyscallError) => e.errno === ESRCH, 'the test host has no domain 0');
    emu.setKnob('self_domid', TEST_DOMID);
    assert.equal(dev.maximumReservation(DOMID_SELF), TEST_FRAMES);
  } finally {
    dev.close();
  }
});

test('XEN_DOMCTL: Xen answers only its own interface version, EACCES to any other', () => {
  const { emu, dev } = openDevice();
  const op = (version: number) => {
    const bytes = new Uint8Array(XEN_DOMCTL_LAYOUT.size);
    const v = new DataView(bytes.buffer);
    v.setUint32(XEN_DOMCTL_LAYOUT.cmd, XEN_DOMCTL_getdomaininfo, true);
    v.setUint32(XEN_DOMCTL_LAYOUT.interfaceVersion, version, true);
    v.setUint16(XEN_DOMCTL_LAYOUT.domain, TEST_DOMID, true);
    return bytes;
  };
  try {
    assert.equal(emu.knob('domctl_version'), 0x15, 'Xen 4.17 unless told otherwise');
    const answer = new DataView(dev.domctl(op(0x15)).buffer);
    assert.equal(answer.getUint16(XEN_DOMCTL_LAYOUT.u + GETDOMAININFO_LAYOUT.domain, true), TEST_DOMID);
    assert.equal(answer.getUint32(XEN_DOMCTL_LAYOUT.u + GETDOMAININFO_LAYOUT.flags, true) & XEN_DOMINF_hvm_guest, XEN_DOMINF_hvm_guest);
    assert.equal(answer.getUint32(XEN_DOMCTL_LAYOUT.u + GETDOMAININFO_LAYOUT.maxPages, true), TEST_FRAMES);
    for (const other of [0x14, 0x16, 0]) assert.throws(() => dev.domctl(op(other)), (e: SyscallError) => e.errno === errno.EACCES);
    emu.setKnob('domctl_version', 0x17);
    assert.doesNotThrow(() => dev.domctl(op(0x17)));
    assert.throws(() => dev.domctl(new Uint8Array(16)), RangeError);
  } finally {
    dev.close();
  }
});

test('IOCTL_PRIVCMD_RESTRICT confines the descriptor to one domain', async () => {
  const emu = testHost();
  emu.addDomain(9, 'other', DomainType.Hvm, 16, 64, 64);
  const dev = PrivcmdDevice.open(emu.syscalls);
  try {
    dev.restrict(TEST_DOMID);
    assert.equal((await dev.mapBatch(TEST_DOMID, gfns(0, 2))).codes[0], 0);
    await assert.rejects(dev.mapBatch(9, gfns(0, 2)), (e: SyscallError) => e.errno === EPERM);
    assert.throws(() => dev.maximumGpfn(TEST_DOMID), (e: SyscallError) => e.errno === EPERM);
  } finally {
    dev.close();
  }
});

test('open errors name the device and the errno', () => {
  const emu = testHost();
  emu.setKnob('open_errno', errno.EACCES);
  assert.throws(() => PrivcmdDevice.open(emu.syscalls), (e: SyscallError) => e.errno === errno.EACCES && /\/dev\/xen\/privcmd/.test(e.message));
  emu.setKnob('open_errno', 0);
});

test('no mapping leaks: 1000 batches later /proc/self/maps is as long as before', async () => {
  const { emu, dev } = openDevice();
  try {
    await dev.mapBatch(TEST_DOMID, gfns(0, 0x260), { copy: true }); // warm up allocations
    const before = mapsLineCount();
    for (let i = 0; i < 1000; i++) {
      await dev.mapBatch(TEST_DOMID, gfns((i * 37) % 0x800, 64), { copy: i % 2 === 0 });
    }
    assert.equal(emu.stats().liveVmas, 0);
    assert.equal(emu.stats().mappedPages, 0);
    assert.ok(mapsLineCount() <= before + 2, `maps grew from ${before} to ${mapsLineCount()}`);
  } finally {
    dev.close();
  }
});

test('ENOTTY for ioctls the device does not know', () => {
  const emu = testHost();
  const dev = PrivcmdDevice.open(emu.syscalls);
  try {
    assert.equal(emu.syscalls.ioctlRestrict(dev.fd, 0x5099, Uint16Array.of(0)), -1);
    assert.equal(emu.syscalls.errno(), ENOTTY);
  } finally {
    dev.close();
  }
});

test('the layout kinds the test host was built with', () => {
  const emu = testHost();
  assert.equal(emu.frameState(TEST_DOMID, LAYOUT.hole[0]).kind, FrameKind.Hole);
  assert.equal(emu.frameState(TEST_DOMID, LAYOUT.paged[0]).paging, PagingState.Paged);
});
