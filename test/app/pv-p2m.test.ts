/**
 * PV guests through their p2m: both forms Xen's tools read, a p2m that changes under the
 * reader, and p2ms built to break it. On the emulator, through the device calls of a real host.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';

import { DomainType, Emulator, FrameKind, P2mForm, P2mHostile } from '../../native/emulator';
import { PrivcmdDevice } from '../../native/privcmd-device';
import { CODE_MAPPED, CODE_NO_MFN } from '../../app/frame-status';
import { PrivcmdFrameSource } from '../../app/privcmd-source';
import { MachineFrames, NO_MFN, P2mError, PvP2m } from '../../app/pv-p2m';
import { planScan, runScan } from '../../app/scanner';
import { parsePattern, searchFrames } from '../../app/search';
import { DomainInfoReader } from '../../app/xen-domctl';
import { testHost } from '../fakes/emulator-host';

const { EBUSY, EPERM } = constants.errno;
const PV = 9;
const FRAMES = 0x3000; // 24 p2m pages: a tree of one frame list, a list of one L1 table
const MARKER = 'PV-MARKER pfn 0x1234';

/** A PV guest with balloon holes (a whole p2m page among them), an identity-mapped hole and a plant. */
function pvHost(form: P2mForm, hostile = P2mHostile.Sound): Emulator {
  const emu = testHost();
  emu.addDomain(PV, 'pv-guest', DomainType.Pv, FRAMES, FRAMES * 4, FRAMES * 4);
  emu.setRange(PV, 0x100, 0x17f, FrameKind.Ballooned);
  emu.setRange(PV, 0x800, 0x9ff, FrameKind.Ballooned); // p2m page 4: all invalid, the missing page
  emu.setRange(PV, 0x2f00, 0x2fff, FrameKind.Hole); // identity-mapped in the p2m
  emu.plant(PV, 0x1234, 0x40, new TextEncoder().encode(MARKER));
  emu.setP2m(PV, form, hostile);
  return emu;
}

function invalidPfn(pfn: number): boolean {
  return (pfn >= 0x100 && pfn <= 0x17f) || (pfn >= 0x800 && pfn <= 0x9ff) || pfn >= 0x2f00;
}

/** The guest's machine frames as the source reads them, counting what is asked. */
function machineFrames(dev: PrivcmdDevice): MachineFrames & { asked: number } {
  const frames = {
    asked: 0,
    async read(mfns: number[]) {
      frames.asked += mfns.length;
      const r = await dev.mapBatch(PV, BigUint64Array.from(mfns, BigInt), { copy: true, readOnly: true });
      return { codes: r.codes, contents: r.contents! };
    },
  };
  return frames;
}

function open(emu: Emulator) {
  const dev = PrivcmdDevice.open(emu.syscalls);
  const info = new DomainInfoReader((op) => dev.domctl(op)).read(PV);
  const frames = machineFrames(dev);
  return { dev, frames, p2m: new PvP2m(PV, frames, info.sharedInfoFrame, FRAMES) };
}

async function source(emu: Emulator) {
  return PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    description: { backend: 'sim', simulated: true, description: 'test' },
    listDomains: async () => [],
    ownDomain: async () => 0,
  });
}

for (const [name, form, read] of [['the virtually mapped list', P2mForm.List, 'list'], ['the 3-level tree', P2mForm.Tree, 'tree'],
  ['both (the list is preferred, as by Xen\'s tools)', P2mForm.Both, 'list']] as const) {
  test(`the p2m read through ${name} gives every pfn its machine frame`, async () => {
    const emu = pvHost(form);
    const { dev, p2m } = open(emu);
    try {
      const mfns = await p2m.translate(0, FRAMES);
      assert.equal(p2m.form, read);
      for (let pfn = 0; pfn < FRAMES; pfn++) {
        const want = invalidPfn(pfn) ? NO_MFN : emu.machineFrame(PV, pfn);
        assert.equal(mfns[pfn], want, `pfn 0x${pfn.toString(16)}`);
      }
      assert.notEqual(mfns[0x1234], 0x1234, 'pfn and mfn differ');
      // any window, across p2m pages, gives the same answer
      assert.deepEqual([...await p2m.translate(0x1f0, 0x220)], [...mfns.subarray(0x1f0, 0x410)]);
    } finally {
      dev.close();
    }
  });
}

test('scan, read and search of a PV guest go by pfn: NO_MFN where the p2m has no frame, contents where it has', async () => {
  const emu = pvHost(P2mForm.List);
  const src = await source(emu);
  try {
    const chunks: Uint8Array[] = [];
    const summary = await runScan(src, await planScan(src, { domain: PV, batch: 700 }), (c) => chunks.push(Uint8Array.from(c.codes)));
    assert.equal(summary.error, null);
    const codes = Buffer.concat(chunks);
    for (let pfn = 0; pfn < FRAMES; pfn++) assert.equal(codes[pfn], invalidPfn(pfn) ? CODE_NO_MFN : CODE_MAPPED, `pfn 0x${pfn.toString(16)}`);
    assert.equal(summary.errnos.NO_MFN, 0x80 + 0x200 + 0x100);
    const frame = await src.mapFrames(PV, 0x1234, 1, { mode: 'observe', copy: true });
    assert.equal(Buffer.from(frame.contents!.subarray(0x40, 0x40 + MARKER.length)).toString(), MARKER);
    const hits: number[] = [];
    const found = await searchFrames(src, { domain: PV, first: 0, last: FRAMES - 1, pattern: parsePattern({ text: MARKER }), onHits: (h) => hits.push(...h.map((x) => x.gfn)) });
    assert.equal(found.error, null);
    assert.deepEqual(hits, [0x1234]);
    // the pfns as they are, not translated, answer what a real PV guest's did: EPERM low, EBUSY above
    const dev = PrivcmdDevice.open(emu.syscalls);
    try {
      const raw = await dev.mapBatch(PV, BigUint64Array.from({ length: 0x200 }, (_, i) => BigInt(i)));
      assert.deepEqual([raw.codes[0], raw.codes[0xff], raw.codes[0x100], raw.codes[0x1ff]], [EPERM, EPERM, EBUSY, EBUSY]);
    } finally {
      dev.close();
    }
  } finally {
    await src.close();
  }
});

test('a p2m that changes between batches (the balloon at work) is read as it is now', async () => {
  for (const form of [P2mForm.List, P2mForm.Tree]) {
    const emu = pvHost(form);
    const { dev, p2m } = open(emu);
    try {
      assert.ok((await p2m.translate(0x200, 0x400)).every((m) => m !== NO_MFN));
      emu.setRange(PV, 0x280, 0x2ff, FrameKind.Ballooned); // entries only
      emu.setRange(PV, 0x400, 0x5ff, FrameKind.Ballooned); // a whole p2m page: the list and the tree now name the missing page
      const now = await p2m.translate(0x200, 0x400);
      for (let i = 0; i < 0x400; i++) {
        const pfn = 0x200 + i;
        assert.equal(now[i] === NO_MFN, (pfn >= 0x280 && pfn <= 0x2ff) || (pfn >= 0x400 && pfn <= 0x5ff), `pfn 0x${pfn.toString(16)}`);
      }
      emu.setRange(PV, 0x400, 0x5ff, FrameKind.Ram); // and back: a p2m page of its own again
      assert.equal((await p2m.translate(0x400, 1))[0], emu.machineFrame(PV, 0x400));
    } finally {
      dev.close();
    }
  }
});

test('a hostile p2m: loops and frames it does not own are refused with one clear line, after bounded reads', async () => {
  const cases: Array<[P2mForm, P2mHostile, RegExp]> = [
    [P2mForm.List, P2mHostile.Loop, /^the p2m of domain 9 loops: its level-1 page table \(mfn 0x[0-9a-f]+\) is also its level-3 table$/],
    [P2mForm.Tree, P2mHostile.Loop, /^the p2m of domain 9 loops: its frame-list list \(mfn 0x[0-9a-f]+\) names itself as a frame list$/],
    [P2mForm.List, P2mHostile.BadTable, /^a level-2 page table of the p2m list of domain 9 \(mfn 0x5000\) did not map: EBUSY$/],
    [P2mForm.Tree, P2mHostile.BadTable, /^p2m frame list 0 of domain 9 \(mfn 0x5000\) did not map: EBUSY$/],
    [P2mForm.List, P2mHostile.BadVaddr, /^the p2m list of domain 9 at 0x900000000000-0x900000017fff is not a range a guest can map/],
    [P2mForm.List, P2mHostile.InProgress, /^the p2m of domain 9 is being changed \(p2m_generation 0x[0-9a-f]*[13579bdf] stays odd\)$/],
    [P2mForm.None, P2mHostile.Sound, /^domain 9 is a PV guest that has not published its p2m \(p2m_cr3 and pfn_to_mfn_frame_list_list are 0x0 and 0x0 in its shared info\)/],
  ];
  for (const [form, hostile, message] of cases) {
    const emu = pvHost(form, hostile);
    const { dev, p2m, frames } = open(emu);
    try {
      const started = Date.now();
      await assert.rejects(p2m.translate(0, 0x100), (e: Error) => e instanceof P2mError && message.test(e.message), `${P2mForm[form]} ${P2mHostile[hostile]}`);
      // the shared info, at most 4 levels of tables and the list, a few times over: never more than the p2m can hold
      assert.ok(frames.asked <= 5 * (1 + 4 + 24), `${frames.asked} frames read`);
      assert.ok(Date.now() - started < 2000, 'retries are bounded in time too');
    } finally {
      dev.close();
    }
  }
});

test('p2m entries past 2^40 are no machine frame; entries into memory the guest does not own answer Xen\'s EBUSY', async () => {
  const emu = pvHost(P2mForm.List, P2mHostile.OutOfRange);
  const src = await source(emu);
  try {
    const r = await src.mapFrames(PV, 0x1000, 0x200, { mode: 'observe', copy: true });
    for (let i = 0; i < 0x200; i++) {
      const want = i >= 0x20 && i < 0x30 ? CODE_NO_MFN : i >= 0x30 && i < 0x40 ? EBUSY : CODE_MAPPED;
      assert.equal(r.codes[i], want, `pfn 0x${(0x1000 + i).toString(16)}`);
    }
  } finally {
    await src.close();
  }
});

test('a PV guest claiming 2^40 pfns is refused before anything is allocated for them', async () => {
  const emu = pvHost(P2mForm.List, P2mHostile.Huge);
  const src = await source(emu);
  try {
    // Xen answers max_pfn - 1, which the ioctl's int cuts to -1 without an errno
    const refused = /^HypercallRangeError: XENMEM_maximum_gpfn \(domain 9\) answered 2\^31 or more, more than the ioctl can carry$/;
    await assert.rejects(planScan(src, { domain: PV }), refused);
    await assert.rejects(src.mapFrames(PV, 0, 16, { mode: 'observe' }), refused);
    const { dev, frames } = open(pvHost(P2mForm.List));
    try {
      assert.throws(() => new PvP2m(PV, frames, 1, 2 ** 31 + 1), /^P2mError: domain 9 claims 0x80000001 pfns \(max_pfn in its shared info\), more than framescope reads \(0x80000000\)/);
    } finally {
      dev.close();
    }
  } finally {
    await src.close();
  }
});

test('the domain framescope runs in is not translated, even when PV: Xen refuses it anyway (ESRCH)', async () => {
  const emu = pvHost(P2mForm.List);
  emu.setKnob('self_domid', PV);
  const src = await PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    description: { backend: 'sim', simulated: true, description: 'test' },
    listDomains: async () => [],
    ownDomain: async () => PV,
  });
  try {
    const summary = await runScan(src, await planScan(src, { domain: PV }), () => {});
    assert.match(summary.error ?? '', /^domain 9 is the domain framescope runs in/);
  } finally {
    await src.close();
  }
});

test('Xen refuses writable mappings of a PV guest\'s page tables: framescope maps its p2m read-only', async () => {
  const emu = pvHost(P2mForm.List);
  const dev = PrivcmdDevice.open(emu.syscalls);
  try {
    const info = new DomainInfoReader((op) => dev.domctl(op)).read(PV);
    // the page tables follow the shared info and the missing page: the L4 is 3 frames after the shared info
    const l4 = BigUint64Array.of(BigInt(info.sharedInfoFrame + 3));
    assert.equal((await dev.mapBatch(PV, l4)).codes[0], EBUSY);
    assert.equal((await dev.mapBatch(PV, l4, { readOnly: true })).codes[0], CODE_MAPPED);
  } finally {
    dev.close();
  }
});
