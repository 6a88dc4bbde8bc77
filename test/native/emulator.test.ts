/**
 * The emulator against privcmd-semantics.md, through raw system calls: the rules the binding
 * relies on must hold in the device it is tested against.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { IOCTL_PRIVCMD_MMAPBATCH_V2, PAGE_SIZE } from '../../native/privcmd-abi';
import { errno, MAP_FAILED, MAP_SHARED, O_CLOEXEC, O_RDWR, PROT_READ, PROT_WRITE, Syscalls } from '../../native/syscalls';
import { LAYOUT, testHost, TEST_DOMID } from '../fakes/emulator-host';

const { ENOENT, EINVAL } = errno;

interface Batch {
  ret: number;
  errno: number;
  errs: number[];
}

/** One V2 call on an existing mapping, with raw results. */
function v2(sys: Syscalls, fd: number, addr: bigint, frames: number[]): Batch {
  const n = frames.length;
  const arr = BigUint64Array.from(frames, BigInt);
  const err = new Int32Array(Math.max(n, 1)).fill(-9999);
  const ret = sys.ioctlMmapBatchV2(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, { num: n, dom: TEST_DOMID, addr, arr: addrOf(sys, arr), err: addrOf(sys, err) });
  const e = sys.errno();
  const out = new Int32Array(Math.max(n, 1));
  sys.memcpy(out, scratchErr, out.byteLength);
  return { ret, errno: ret < 0 ? e : 0, errs: [...out.subarray(0, n)] };
}

// Native buffers for the raw calls: the kernel (here the emulator) writes into them.
let scratchArr = 0n;
let scratchErr = 0n;
function addrOf(sys: Syscalls, a: BigUint64Array | Int32Array): bigint {
  if (!scratchArr) {
    scratchArr = sys.mmap(null, 1 << 20, PROT_READ | PROT_WRITE, 0x22, -1, 0);
    scratchErr = scratchArr + BigInt(1 << 19);
  }
  const target = a instanceof BigUint64Array ? scratchArr : scratchErr;
  sys.memcpy(target, a, a.byteLength);
  return target;
}

function setup(pages: number) {
  const emu = testHost();
  const sys = emu.syscalls;
  const fd = sys.open('/dev/xen/privcmd', O_RDWR | O_CLOEXEC);
  assert.ok(fd >= 0);
  const addr = sys.mmap(null, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  assert.notEqual(addr, MAP_FAILED);
  return {
    emu, sys, fd, addr,
    done: () => {
      sys.munmap(addr, pages * PAGE_SIZE);
      sys.close(fd);
    },
  };
}

const RAM = 0x20;
const PAGED = LAYOUT.paged[0];
const HOLE = LAYOUT.hole[0];

test('num == 0 is EINVAL', () => {
  const { sys, fd, addr, done } = setup(1);
  try {
    const r = v2(sys, fd, addr, []);
    assert.equal(r.ret, -1);
    assert.equal(r.errno, EINVAL);
  } finally {
    done();
  }
});

test('the first call must cover the whole VMA', () => {
  const { sys, fd, addr, done } = setup(4);
  try {
    assert.equal(v2(sys, fd, addr, [RAM, RAM + 1]).errno, EINVAL, 'only part of the VMA');
    assert.equal(v2(sys, fd, addr + BigInt(PAGE_SIZE), [RAM, RAM + 1, RAM + 2]).errno, EINVAL, 'not from its start');
    const r = v2(sys, fd, addr, [RAM, RAM + 1, PAGED, HOLE]);
    assert.equal(r.ret, 0, 'the whole VMA; the last frame is a hole, not paged, so 0');
    assert.deepEqual(r.errs, [0, 0, -ENOENT, -EINVAL]);
  } finally {
    done();
  }
});

test('later calls may only fill holes; asking for a mapped page again is EINVAL', () => {
  const { sys, fd, addr, done } = setup(4);
  try {
    const first = v2(sys, fd, addr, [RAM, PAGED, RAM + 1, HOLE]);
    assert.deepEqual(first.errs, [0, -ENOENT, 0, -EINVAL]);
    assert.equal(v2(sys, fd, addr, [RAM]).errno, EINVAL, 'page 0 is mapped');
    assert.equal(v2(sys, fd, addr, [PAGED, RAM + 1]).errno, EINVAL, 'a range holding a mapped page');
    const err = v2(sys, fd, addr + BigInt(PAGE_SIZE), [RAM + 5]); // fill the paged frame's hole
    assert.equal(err.ret, 0);
    assert.deepEqual(err.errs, [0]);
    assert.equal(v2(sys, fd, addr + BigInt(4 * PAGE_SIZE), [RAM]).errno, EINVAL, 'past the VMA');
  } finally {
    done();
  }
});

test('an address outside any privcmd mapping is EINVAL', () => {
  const { sys, fd, done } = setup(1);
  try {
    const anon = sys.mmap(null, PAGE_SIZE, PROT_READ | PROT_WRITE, 0x22, -1, 0);
    assert.equal(v2(sys, fd, anon, [RAM]).errno, EINVAL);
    sys.munmap(anon, PAGE_SIZE);
  } finally {
    done();
  }
});

test('ENOENT is returned only when the last frame of some 512-frame block is paged', () => {
  const cases: Array<[number[], number]> = [
    [[PAGED], -1],
    [[PAGED, RAM], 0],
    [[RAM, PAGED + 1], -1],
  ];
  for (const [frames, want] of cases) {
    const { sys, fd, addr, done } = setup(frames.length);
    try {
      const r = v2(sys, fd, addr, frames);
      assert.equal(r.ret, want, `frames ${frames}`);
      if (want < 0) assert.equal(r.errno, ENOENT);
      assert.ok(r.errs.includes(-ENOENT), 'err is valid either way');
    } finally {
      done();
    }
  }
  for (const [at, want] of [[511, -1], [510, 0]] as const) {
    const frames = Array.from({ length: 513 }, (_, i) => (i === at ? PAGED + 2 : i % 0x100));
    const { sys, fd, addr, done } = setup(frames.length);
    try {
      assert.equal(v2(sys, fd, addr, frames).ret, want, `paged frame at index ${at} of 513`);
    } finally {
      done();
    }
  }
});

test('with the "any" rule every paged frame makes the call return ENOENT', () => {
  const { emu, sys, fd, addr, done } = setup(2);
  emu.setKnob('enoent_rule', 1);
  try {
    const r = v2(sys, fd, addr, [PAGED, RAM]);
    assert.equal(r.ret, -1);
    assert.equal(r.errno, ENOENT);
  } finally {
    done();
  }
});

test('the driver zeroes err before anything else, even when the call then fails', () => {
  const { sys, fd, addr, done } = setup(2);
  try {
    v2(sys, fd, addr, [RAM, RAM + 1]);
    const again = v2(sys, fd, addr, [RAM, RAM + 1]);
    assert.equal(again.errno, EINVAL);
    assert.deepEqual(again.errs, [0, 0]);
  } finally {
    done();
  }
});

test('touching the page of a frame that failed to map is SIGBUS, as on the real driver', () => {
  // in a child: the signal kills the process that takes it
  const script = `
    const { loadEmulator } = require(${JSON.stringify(path.join(__dirname, '../../native/emulator'))});
    const { testHost, TEST_DOMID, LAYOUT } = require(${JSON.stringify(path.join(__dirname, '../fakes/emulator-host'))});
    const { PrivcmdDevice } = require(${JSON.stringify(path.join(__dirname, '../../native/privcmd-device'))});
    const emu = testHost();
    const sys = emu.syscalls;
    const fd = sys.open('/dev/xen/privcmd', 2);
    const addr = sys.mmap(null, 8192, 3, 1, fd, 0);
    const arr = sys.mmap(null, 4096, 3, 0x22, -1, 0);
    sys.memcpy(arr, BigUint64Array.of(0x20n, BigInt(LAYOUT.hole[0])), 16);
    sys.ioctlMmapBatchV2(fd, 0x00205004, { num: 2, dom: TEST_DOMID, addr, arr, err: arr + 2048n });
    const page = Buffer.alloc(4096);
    sys.memcpy(page, addr, 4096);
    process.stdout.write('mapped page read\\n');
    sys.memcpy(page, addr + 4096n, 4096);
    process.stdout.write('failed page read\\n');
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.stdout, 'mapped page read\n', r.stderr);
  assert.equal(r.signal, 'SIGBUS');
});

test('the paging daemon and concurrent batches from worker threads never race', async () => {
  const emu = testHost();
  emu.setPaging(TEST_DOMID, { outPerSecond: 20000, inPerSecond: 20000, latencyMs: [1, 3], initialPagedFraction: 0.2, maxPagedFraction: 0.6, ringSize: 256 });
  emu.setClockMode('realtime');
  try {
    const workers = Array.from({ length: 4 }, (_, i) => new Promise<{ batches: number; bad: string[] }>((resolve, reject) => {
      const w = new Worker(path.join(__dirname, 'concurrent-batches.js'), { workerData: { seed: i, batches: 300 } });
      w.once('message', resolve);
      w.once('error', reject);
    }));
    const results = await Promise.all(workers);
    for (const r of results) {
      assert.equal(r.batches, 300);
      assert.deepEqual(r.bad, []);
    }
    const stats = emu.stats();
    assert.equal(stats.liveVmas, 0);
    assert.equal(stats.mappedPages, 0);
    assert.ok(stats.pageOuts > 0 && stats.pageIns > 0, 'the daemon paged while the batches ran');
  } finally {
    emu.setClockMode('stepped');
  }
});
