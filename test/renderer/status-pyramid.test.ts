import { test } from 'node:test';
import assert from 'node:assert/strict';

import { CODE_PRIORITY } from '../../renderer/frame-codes';
import { StatusPyramid } from '../../renderer/grid/status-pyramid';
import { gridGeometry } from '../../renderer/grid/view-math';
import { FrameBuffer } from '../../renderer/store/frame-buffer';
import { sampleCodes } from './fake-scan-api';

/** The block's expected code, computed from the frames directly. */
function brute(codes: Uint8Array, cols: number, level: number, bx: number, by: number): number {
  const size = 2 ** level;
  let best = 255;
  for (let r = by * size; r < (by + 1) * size; r++) {
    for (let c = bx * size; c < Math.min(cols, (bx + 1) * size); c++) {
      const gfn = r * cols + c;
      if (gfn >= codes.length) continue;
      if (CODE_PRIORITY[codes[gfn]] > CODE_PRIORITY[best]) best = codes[gfn];
    }
  }
  return best;
}

function checkAgainstBrute(p: StatusPyramid, codes: Uint8Array, cols: number): void {
  for (let k = 1; k <= p.maxLevel; k++) {
    const level = p.levels[k];
    for (let by = 0; by < level.rows; by++) {
      for (let bx = 0; bx < level.cols; bx++) {
        const got = level.data.notable[by * level.cols + bx];
        const want = brute(codes, cols, k, bx, by);
        if (CODE_PRIORITY[got] !== CODE_PRIORITY[want]) assert.fail(`level ${k} block ${bx},${by}: ${got} vs ${want}`);
      }
    }
  }
}

test('every level holds the highest-priority status of its block', () => {
  for (const [frames, cols] of [[5000, 256], [0x10000 + 77, 512], [300, 256]] as const) {
    const codes = new Uint8Array(frames).fill(0);
    // sparse statuses: a few invalid, one paged, some unscanned
    for (let i = 0; i < frames; i += 997) codes[i] = 22;
    codes[frames >> 1] = 2;
    codes.fill(255, frames - 50);
    const b = new FrameBuffer(1, frames);
    b.apply(0, codes);
    const p = new StatusPyramid(b, gridGeometry(frames, cols));
    checkAgainstBrute(p, codes, cols);
    // the top level still shows the one paged frame
    const top = p.levels[p.maxLevel];
    assert.ok(top.data.notable.includes(2), `${frames}/${cols}: paged frame lost at level ${p.maxLevel}`);
  }
});

test('incremental updates equal a rebuild', () => {
  const frames = 40000;
  const cols = 256;
  const b = new FrameBuffer(1, frames);
  const p = new StatusPyramid(b, gridGeometry(frames, cols));
  b.onChange((first, last) => p.update(first, last));
  const codes = sampleCodes(frames, 7);
  for (let gfn = 0; gfn < frames; gfn += 3001) b.apply(gfn, codes.subarray(gfn, gfn + 3001));
  // a partial rescan with different codes
  const again = new Uint8Array(5000).fill(0);
  b.apply(12345, again);
  codes.set(again, 12345);
  checkAgainstBrute(p, codes, cols);
  const rebuilt = new StatusPyramid(b, gridGeometry(frames, cols));
  for (let k = 1; k <= p.maxLevel; k++) {
    assert.deepEqual(p.levels[k].data.notable, rebuilt.levels[k].data.notable);
    assert.deepEqual(p.levels[k].data.common, rebuilt.levels[k].data.common);
  }
});

test('dirty spans cover what changed, per level, until taken', () => {
  const b = new FrameBuffer(1, 4096);
  const p = new StatusPyramid(b, gridGeometry(4096, 256));
  for (let k = 0; k <= p.maxLevel; k++) {
    p.takeDirty(k, 'notable');
    p.takeDirty(k, 'common');
  }
  p.update(600, 700);
  assert.deepEqual(p.takeDirty(0), { start: 600, end: 701 });
  assert.equal(p.takeDirty(0), null);
  // rows 2 (frames 512-767): level 1 block row 1, 128 blocks per row
  assert.deepEqual(p.takeDirty(1), { start: 128, end: 256 });
});

/** The expected "common" code: the most common status of each 2x2 group, level after level. */
function bruteCommon(codes: Uint8Array, cols: number, levels: number): Uint8Array[] {
  const rank = (c: number) => CODE_PRIORITY[c];
  let cur = { data: Array.from(codes), cols, rows: Math.ceil(codes.length / cols), len: codes.length };
  const out: Uint8Array[] = [];
  for (let k = 1; k <= levels; k++) {
    const nc = Math.ceil(cur.cols / 2);
    const nr = Math.ceil(cur.rows / 2);
    const next: number[] = [];
    for (let by = 0; by < nr; by++) {
      for (let bx = 0; bx < nc; bx++) {
        const kids: number[] = [];
        for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
          const x = 2 * bx + dx;
          const y = 2 * by + dy;
          const i = y * cur.cols + x;
          if (x < cur.cols && i < cur.len) kids.push(cur.data[i]);
        }
        const n = [0, 0, 0, 0];
        for (const c of kids) n[rank(c)]++;
        let best = 0;
        for (let p = 1; p < 4; p++) if (n[p] > 0 && n[p] >= n[best]) best = p;
        next.push(kids.length === 0 ? 255 : [255, 0, kids.find((c) => rank(c) === 2) ?? 22, 2][best]);
      }
    }
    out.push(Uint8Array.from(next));
    cur = { data: next, cols: nc, rows: nr, len: next.length };
  }
  return out;
}

test('the common flavour keeps proportions: mostly mapped stays mapped', () => {
  const frames = 0x10000 + 300;
  const cols = 512;
  const codes = new Uint8Array(frames).fill(0);
  for (let i = 0; i < frames; i += 37) codes[i] = 2; // 2.7 % paged, everywhere
  codes.fill(22, 0x8000, 0x9000); // a hole
  const b = new FrameBuffer(1, frames);
  b.apply(0, codes);
  const p = new StatusPyramid(b, gridGeometry(frames, cols));
  const want = bruteCommon(codes, cols, p.maxLevel);
  for (let k = 1; k <= p.maxLevel; k++) {
    const got = p.levels[k].data.common;
    for (let i = 0; i < got.length; i++) {
      if (CODE_PRIORITY[got[i]] !== CODE_PRIORITY[want[k - 1][i]]) assert.fail(`level ${k} block ${i}: ${got[i]} vs ${want[k - 1][i]}`);
    }
  }
  // level 4 (16x16 blocks): notable is paged nearly everywhere, common is mapped except the hole
  const l4 = p.levels[4];
  const share = (a: Uint8Array, code: number) => a.filter((c) => c === code).length / a.length;
  assert.ok(share(l4.data.notable, 2) > 0.9);
  assert.ok(share(l4.data.common, 0) > 0.8);
  assert.ok(l4.data.common.includes(22));
});
