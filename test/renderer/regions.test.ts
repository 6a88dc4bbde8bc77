import { test } from 'node:test';
import assert from 'node:assert/strict';

import { NO_MARK } from '../../renderer/store/change-marks';
import { FrameBuffer } from '../../renderer/store/frame-buffer';
import {
  type RegionFilter,
  type RegionRuns,
  type RegionSource,
  NO_REGIONS,
  RegionScan,
  RegionsUpdater,
  computeRegions,
  regionAt,
  regionSourceOf,
  sortRegions,
} from '../../renderer/store/regions';
import { ManualClock } from '../fakes/manual-clock';

const OK = 0;
const EPERM = 1;
const ENOENT = 2;
const ENOMEM = 12;
const EBUSY = 16;
const EINVAL = 22;
const UNSCANNED = 255;

/** Codes made of runs: [frames, code] each. */
function codesOf(...runs: Array<[number, number]>): Uint8Array {
  return codesOfRuns(runs);
}

function codesOfRuns(runs: Array<[number, number]>): Uint8Array {
  const codes = new Uint8Array(runs.reduce((n, [frames]) => n + frames, 0));
  let at = 0;
  for (const [frames, code] of runs) {
    codes.fill(code, at, at + frames);
    at += frames;
  }
  return codes;
}

function unmarked(frames: number): Uint8Array {
  return new Uint8Array(frames).fill(NO_MARK);
}

/** The runs as [first, last, code] (and from, for changed runs), in the order given. */
function rows(runs: RegionRuns, order?: Uint32Array): number[][] {
  const indices = order ? [...order] : [...Array(runs.count).keys()];
  return indices.map((i) => {
    const r = regionAt(runs, i);
    return r.from === null ? [r.first, r.last, r.code] : [r.first, r.last, r.from, r.code];
  });
}

/**
 * A hvm-firmware-like layout: RAM 0x0-0x9f with two paged frames, the VGA hole 0xa0-0xbf,
 * RAM 0xc0-0x3ff, EPERM right after EINVAL (two runs: the codes differ), EBUSY, unscanned.
 */
const LAYOUT = codesOf([0x50, OK], [2, ENOENT], [0x4e, OK], [0x20, EINVAL], [0x340, OK], [0x10, EINVAL], [0x8, EPERM], [0x4, EBUSY], [0x14, UNSCANNED]);
const LAYOUT_RUNS = [
  [0x0, 0x4f, OK], [0x50, 0x51, ENOENT], [0x52, 0x9f, OK], [0xa0, 0xbf, EINVAL], [0xc0, 0x3ff, OK],
  [0x400, 0x40f, EINVAL], [0x410, 0x417, EPERM], [0x418, 0x41b, EBUSY], [0x41c, 0x42f, UNSCANNED],
];

function layoutSource(): RegionSource {
  return { codes: LAYOUT, from: unmarked(LAYOUT.length) };
}

test('runs are the maximal sequences of equal code, with their frames', () => {
  const runs = computeRegions(layoutSource());
  assert.deepEqual(rows(runs), LAYOUT_RUNS);
  assert.deepEqual([runs.count, runs.total, runs.frames, runs.truncated, runs.changes, runs.sourceFrames], [9, 9, 0x430, false, false, 0x430]);
  const filter = { status: 'invalid' as const };
  assert.equal(computeRegions(layoutSource(), filter).filter, filter, 'the runs say which filter they pass');
  assert.deepEqual(regionAt(runs, 3), { first: 0xa0, last: 0xbf, frames: 0x20, code: EINVAL, status: 'invalid', from: null });
  assert.equal(regionAt(runs, 6).status, 'invalid');
  assert.equal(regionAt(runs, 8).status, 'unscanned');
});

test('a single frame and a single run', () => {
  assert.deepEqual(rows(computeRegions({ codes: Uint8Array.of(ENOENT), from: unmarked(1) })), [[0, 0, ENOENT]]);
  assert.deepEqual(rows(computeRegions({ codes: new Uint8Array(1000), from: unmarked(1000) })), [[0, 999, OK]]);
});

test('an empty buffer has no runs, and sorts to nothing', () => {
  const runs = computeRegions({ codes: new Uint8Array(0), from: new Uint8Array(0) }, { changed: true });
  assert.deepEqual([runs.count, runs.total, runs.frames, runs.truncated], [0, 0, 0, false]);
  for (const sort of ['gfn', 'frames', 'status'] as const) assert.equal(sortRegions(runs, sort).length, 0);
  assert.equal(NO_REGIONS.count, 0);
  assert.throws(() => regionAt(runs, 0), /region 0: there are 0/);
});

test('filter by status and by exact code: whole runs, counted', () => {
  const invalid = computeRegions(layoutSource(), { status: 'invalid' });
  assert.deepEqual(rows(invalid), [[0xa0, 0xbf, EINVAL], [0x400, 0x40f, EINVAL], [0x410, 0x417, EPERM], [0x418, 0x41b, EBUSY]]);
  assert.deepEqual([invalid.total, invalid.frames], [4, 0x20 + 0x10 + 0x8 + 0x4]);
  assert.deepEqual(rows(computeRegions(layoutSource(), { code: EINVAL })), [[0xa0, 0xbf, EINVAL], [0x400, 0x40f, EINVAL]]);
  assert.deepEqual(rows(computeRegions(layoutSource(), { status: 'paged' })), [[0x50, 0x51, ENOENT]]);
  assert.deepEqual(rows(computeRegions(layoutSource(), { status: 'mapped' })), [[0x0, 0x4f, OK], [0x52, 0x9f, OK], [0xc0, 0x3ff, OK]]);
  assert.deepEqual(rows(computeRegions(layoutSource(), { status: 'unscanned' })), [[0x41c, 0x42f, UNSCANNED]]);
  // a status and a code that do not go together: nothing
  assert.equal(computeRegions(layoutSource(), { status: 'mapped', code: EINVAL }).total, 0);
  assert.equal(computeRegions(layoutSource(), { code: ENOMEM }).total, 0);
});

/** LAYOUT after a rescan: some frames changed, their marks say from what. */
function changedSource(): RegionSource {
  const codes = LAYOUT.slice();
  const from = unmarked(codes.length);
  const change = (first: number, last: number, was: number, now: number) => {
    for (let g = first; g <= last; g++) {
      assert.equal(codes[g], was, `frame 0x${g.toString(16)} was ${codes[g]}`);
      codes[g] = now;
      from[g] = was;
    }
  };
  change(0x50, 0x51, ENOENT, OK); // paged in: now OK like its neighbours, but changed
  change(0x60, 0x63, OK, ENOENT);
  change(0x64, 0x65, OK, ENOENT); // adjacent, same pair: one run with 0x60-0x63
  change(0x100, 0x107, OK, ENOENT);
  change(0x108, 0x10b, OK, EBUSY); // adjacent, other "to": its own run
  change(0x3fc, 0x3ff, OK, EINVAL); // next to the EINVAL run 0x400-0x40f: not merged, the from differs
  return { codes, from };
}

test('changed frames: runs of the same (from, to) pair, unmarked frames left out', () => {
  const source = changedSource();
  const runs = computeRegions(source, { changed: true });
  assert.equal(runs.changes, true);
  assert.deepEqual(rows(runs), [
    [0x50, 0x51, ENOENT, OK], [0x60, 0x65, OK, ENOENT], [0x100, 0x107, OK, ENOENT], [0x108, 0x10b, OK, EBUSY], [0x3fc, 0x3ff, OK, EINVAL],
  ]);
  assert.deepEqual([runs.total, runs.frames], [5, 2 + 6 + 8 + 4 + 4]);
  // without the changes filter the same codes give plain runs: the paged-in frames merge into OK
  const plain = computeRegions(source);
  assert.equal(plain.changes, false);
  assert.deepEqual(rows(plain).slice(0, 4), [[0x0, 0x5f, OK], [0x60, 0x65, ENOENT], [0x66, 0x9f, OK], [0xa0, 0xbf, EINVAL]]);
  assert.equal(regionAt(plain, 0).from, null);
});

test('changed frames of a given transition: by status or by exact codes', () => {
  const source = changedSource();
  assert.deepEqual(rows(computeRegions(source, { transition: { from: 'mapped', to: 'paged' } })), [[0x60, 0x65, OK, ENOENT], [0x100, 0x107, OK, ENOENT]]);
  assert.deepEqual(rows(computeRegions(source, { transition: { from: 'mapped', to: 'invalid' } })), [[0x108, 0x10b, OK, EBUSY], [0x3fc, 0x3ff, OK, EINVAL]]);
  assert.deepEqual(rows(computeRegions(source, { transition: { from: OK, to: EINVAL } })), [[0x3fc, 0x3ff, OK, EINVAL]]);
  assert.deepEqual(rows(computeRegions(source, { transition: { from: 'paged', to: OK } })), [[0x50, 0x51, ENOENT, OK]]);
  // a status filter on top applies to the "to" code
  assert.deepEqual(rows(computeRegions(source, { changed: true, status: 'invalid', code: EBUSY })), [[0x108, 0x10b, OK, EBUSY]]);
  assert.equal(computeRegions(source, { transition: { from: 'invalid', to: 'mapped' } }).total, 0);
});

test('sorting: by gfn, by frames largest first, by status then code; ties in gfn order', () => {
  const runs = computeRegions(layoutSource());
  assert.deepEqual(rows(runs, sortRegions(runs, 'gfn')), LAYOUT_RUNS);
  assert.deepEqual(rows(runs, sortRegions(runs, 'frames')), [
    [0xc0, 0x3ff, OK], [0x0, 0x4f, OK], [0x52, 0x9f, OK], [0xa0, 0xbf, EINVAL], [0x41c, 0x42f, UNSCANNED],
    [0x400, 0x40f, EINVAL], [0x410, 0x417, EPERM], [0x418, 0x41b, EBUSY], [0x50, 0x51, ENOENT],
  ]);
  assert.deepEqual(rows(runs, sortRegions(runs, 'status')), [
    [0x0, 0x4f, OK], [0x52, 0x9f, OK], [0xc0, 0x3ff, OK], [0x50, 0x51, ENOENT],
    [0x410, 0x417, EPERM], [0x418, 0x41b, EBUSY], [0xa0, 0xbf, EINVAL], [0x400, 0x40f, EINVAL],
    [0x41c, 0x42f, UNSCANNED],
  ]);
  // equal sizes keep gfn order
  const even = computeRegions({ codes: codesOf([4, OK], [4, ENOENT], [4, OK], [9, EINVAL], [4, ENOENT]), from: unmarked(25) });
  assert.deepEqual(rows(even, sortRegions(even, 'frames')).map((r) => r[0]), [12, 0, 4, 8, 21]);
  assert.throws(() => sortRegions(runs, 'size' as never), /sort: 'size' is not one of gfn, frames, status/);
});

test('a million runs sort by frames exactly as a comparator sorts them (the packed keys do not collide)', () => {
  // runs of 1-7 frames, alternating OK and ENOENT
  const sizes: number[] = [];
  const parts: Array<[number, number]> = [];
  for (let i = 0; i < 1_000_000; i++) {
    const frames = 1 + ((i * 7919) % 7);
    sizes.push(frames);
    parts.push([frames, i % 2 ? ENOENT : OK]);
  }
  const codes = codesOfRuns(parts);
  const runs = computeRegions({ codes, from: unmarked(codes.length) });
  assert.equal(runs.count, 1_000_000);
  const order = sortRegions(runs, 'frames');
  const expected = [...sizes.keys()].sort((a, b) => sizes[b] - sizes[a] || a - b);
  assert.deepEqual([...order], expected);
});

test('the cap keeps the first runs in gfn order and counts the rest', () => {
  const runs = computeRegions(layoutSource(), {}, 3);
  assert.deepEqual(rows(runs), LAYOUT_RUNS.slice(0, 3));
  assert.deepEqual([runs.count, runs.total, runs.truncated, runs.frames], [3, 9, true, 0x430]);
  // the cap applies after the filter: filtering narrows to what fits
  const invalid = computeRegions(layoutSource(), { status: 'invalid' }, 3);
  assert.deepEqual(rows(invalid), [[0xa0, 0xbf, EINVAL], [0x400, 0x40f, EINVAL], [0x410, 0x417, EPERM]]);
  assert.deepEqual([invalid.total, invalid.truncated], [4, true]);
  assert.equal(computeRegions(layoutSource(), { status: 'invalid' }, 4).truncated, false);
  const none = computeRegions(layoutSource(), {}, 0);
  assert.deepEqual([none.count, none.total, none.truncated], [0, 9, true]);
  // past the arrays' first capacity (4096): they grow
  const many = codesOfRuns(Array.from({ length: 10_000 }, (_, i): [number, number] => [1, i % 2 ? EINVAL : OK]));
  const grown = computeRegions({ codes: many, from: unmarked(many.length) }, {}, 9000);
  assert.deepEqual([grown.count, grown.total, regionAt(grown, 8999).first], [9000, 10_000, 8999]);
});

/** Runs the slow, obvious way: for checking the fast one on random input. */
function bruteRuns(source: RegionSource, filter: RegionFilter): number[][] {
  const changes = filter.changed === true || filter.transition != null;
  const status = (c: number) => (c === 0 ? 'mapped' : c === 2 ? 'paged' : c === 255 ? 'unscanned' : 'invalid');
  const ok = (c: number, m: string | number) => (typeof m === 'number' ? c === m : status(c) === m);
  const out: number[][] = [];
  const n = source.codes.length;
  const from = source.from!;
  let i = 0;
  while (i < n) {
    const c = source.codes[i];
    const f = from[i];
    if (changes && f === NO_MARK) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && source.codes[j] === c && (!changes || from[j] === f)) j++;
    const pass = (filter.status == null || status(c) === filter.status) && (filter.code == null || c === filter.code) &&
      (!filter.transition || (ok(f, filter.transition.from) && ok(c, filter.transition.to)));
    if (pass) out.push(changes ? [i, j - 1, f, c] : [i, j - 1, c]);
    i = j;
  }
  return out;
}

/** A small deterministic generator (xorshift32), so a failure can be replayed. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('random buffers: the same runs as the obvious way, however the work is sliced', () => {
  const filters: RegionFilter[] = [
    {}, { status: 'invalid' }, { code: ENOENT }, { changed: true }, { transition: { from: 'mapped', to: 'paged' } },
    { transition: { from: ENOENT, to: 'mapped' } }, { changed: true, status: 'invalid' },
  ];
  const pick = [OK, OK, OK, ENOENT, EINVAL, EPERM, UNSCANNED];
  for (let seed = 1; seed <= 20; seed++) {
    const rnd = random(seed);
    const n = 1 + Math.floor(rnd() * 3000);
    // offset 1 into a bigger array: the marks are not word-aligned (the word skip is off)
    const offset = seed % 2;
    const codes = new Uint8Array(n + offset).subarray(offset);
    const from = unmarked(n + offset).subarray(offset);
    let code = OK;
    for (let g = 0; g < n; g++) {
      if (rnd() < 0.2) code = pick[Math.floor(rnd() * pick.length)];
      codes[g] = code;
      // marks come in clumps, as after a rescan
      if (rnd() < 0.05) {
        const len = Math.floor(rnd() * 40);
        const was = pick[Math.floor(rnd() * (pick.length - 1))];
        for (let k = g; k < Math.min(n, g + len); k++) from[k] = was;
      }
    }
    const source = { codes, from };
    for (const filter of filters) {
      const expected = bruteRuns(source, filter);
      const whole = computeRegions(source, filter);
      assert.deepEqual(rows(whole), expected, `seed ${seed} ${JSON.stringify(filter)}`);
      const scan = new RegionScan(source, filter);
      const budget = 1 + Math.floor(rnd() * 100);
      while (!scan.step(budget)) assert.ok(scan.progress > 0 && scan.progress < n);
      assert.deepEqual(rows(scan.result()), expected, `seed ${seed} sliced by ${budget}`);
    }
  }
});

test('a FrameBuffer: its codes and change marks, as a diff leaves them', () => {
  const buffer = new FrameBuffer(1, 0x40);
  buffer.apply(0, codesOf([0x10, OK], [0x10, EINVAL], [0x20, OK]));
  for (let g = 0x28; g < 0x30; g++) buffer.markChanged(g, ENOENT);
  const source = regionSourceOf(buffer);
  assert.deepEqual(rows(computeRegions(source)), [[0x0, 0xf, OK], [0x10, 0x1f, EINVAL], [0x20, 0x3f, OK]]);
  assert.deepEqual(rows(computeRegions(source, { changed: true })), [[0x28, 0x2f, ENOENT, OK]]);
});

test('bad input is refused with a clear error', () => {
  assert.throws(() => computeRegions({ codes: new Uint8Array(10), from: unmarked(9) }), /regions: 9 change marks for 10 frames/);
  assert.throws(() => computeRegions(layoutSource(), { code: 256 }), /code: 256 is not a frame code/);
  assert.throws(() => computeRegions(layoutSource(), { status: 'gone' as never }), /status: 'gone' is not a frame status/);
  assert.throws(() => computeRegions(layoutSource(), { transition: { from: 'mapped', to: -1 } }), /transition to: -1 is not a frame code/);
  assert.throws(() => computeRegions(layoutSource(), {}, -1), /limit -1 is not a count of runs/);
});


function updaterSetup() {
  const clock = new ManualClock(1000);
  const results: Array<{ at: number; runs: RegionRuns }> = [];
  const updater = new RegionsUpdater(clock, (runs) => results.push({ at: clock.t, runs }), { minIntervalMs: 500, sliceMs: 12 });
  const buffer = new FrameBuffer(1, 0x1000);
  return { clock, results, updater, buffer };
}

test('updater: the first request computes at once, an unchanged one not again', () => {
  const { clock, results, updater, buffer } = updaterSetup();
  buffer.apply(0, codesOf([0x800, OK], [0x800, EINVAL]));
  updater.request(buffer, buffer.version, {});
  assert.equal(results.length, 0, 'not inside request(): the caller is rendering');
  clock.advance(0);
  assert.deepEqual(rows(results[0].runs), [[0, 0x7ff, OK], [0x800, 0xfff, EINVAL]]);
  updater.request(buffer, buffer.version, {});
  clock.advance(5000);
  assert.equal(results.length, 1);
  assert.equal(updater.busy, false);
});

test('updater: while chunks stream in, at most one computation per interval, and one after the last', () => {
  const { clock, results, updater, buffer } = updaterSetup();
  updater.request(buffer, buffer.version, {});
  clock.advance(0);
  assert.equal(results.length, 1);
  // a scan writes a chunk every 20 ms for 2 s
  for (let k = 0; k < 100; k++) {
    clock.advance(20);
    buffer.apply(k * 0x20, new Uint8Array(0x20).fill(k % 2 ? ENOENT : OK));
    updater.request(buffer, buffer.version, {});
  }
  const starts = results.slice(1).map((r) => r.at);
  assert.ok(starts.length >= 3 && starts.length <= 5, `${starts.length} computations in 2 s`);
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i] - starts[i - 1] >= 500, `computations ${starts[i] - starts[i - 1]} ms apart`);
  // the last chunk is not lost: one more computation once the interval is up
  clock.advance(500);
  const last = results.at(-1)!.runs;
  assert.deepEqual(rows(last), rows(computeRegions(regionSourceOf(buffer))));
  assert.equal(last.total, 100 + 1);
  assert.equal(updater.busy, false);
});

test('updater: another filter or buffer starts over at once, dropping the computation under way', () => {
  const { clock, results, updater } = updaterSetup();
  const big = new FrameBuffer(1, 1 << 23);
  // 32768 runs of 0x100 frames, OK and EINVAL in turn
  big.apply(0, codesOfRuns(Array.from({ length: 1 << 15 }, (_, i): [number, number] => [0x100, i % 2 ? EINVAL : OK])));
  clock.msPerNow = 5; // each look at the clock costs 5 ms: a slice does a few steps
  updater.request(big, big.version, {});
  clock.advance(0);
  assert.equal(results.length, 0, 'sliced: not done in one task');
  assert.ok(updater.busy);
  updater.request(big, big.version, { status: 'invalid' });
  clock.advance(1000);
  assert.equal(results.length, 1, 'only the new filter answers');
  assert.equal(results[0].runs.total, 1 << 14);
  assert.deepEqual(rows(results[0].runs)[0], [0x100, 0x1ff, EINVAL]);
  // another buffer: at once too, though the interval is not up
  const small = new FrameBuffer(2, 4);
  small.apply(0, Uint8Array.of(OK, OK, ENOENT, OK));
  updater.request(small, small.version, { status: 'invalid' });
  clock.advance(0);
  assert.equal(results[1].runs.total, 0);
  const none = {};
  updater.request(null, 0, none);
  clock.advance(0);
  assert.equal(results[2].runs.count, 0);
  assert.equal(results[2].runs.filter, none);
});

test('updater: nothing after dispose', () => {
  const { clock, results, updater, buffer } = updaterSetup();
  updater.request(buffer, buffer.version, {});
  updater.dispose();
  clock.advance(1000);
  updater.request(buffer, buffer.version + 1, {});
  clock.advance(1000);
  assert.equal(results.length, 0);
  assert.equal(clock.pending, 0);
});
