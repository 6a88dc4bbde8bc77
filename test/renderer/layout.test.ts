import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  HilbertLayout, RowsLayout, fillOf, fitColumns, fitHilbert, hilbertCell, hilbertIndex, refitColumns,
} from '../../renderer/grid/layout';
import { boxRange } from '../../renderer/grid/view-math';

test('the Hilbert index and cell are inverses, and consecutive frames are neighbours', () => {
  for (const order of [0, 1, 2, 3, 5]) {
    const side = 2 ** order;
    const seen = new Set<number>();
    let prev: { x: number; y: number } | null = null;
    for (let d = 0; d < side * side; d++) {
      const c = hilbertCell(order, d);
      assert.ok(c.x >= 0 && c.y >= 0 && c.x < side && c.y < side);
      assert.equal(hilbertIndex(order, c.x, c.y), d, `order ${order} d ${d}`);
      seen.add(c.y * side + c.x);
      if (prev) assert.equal(Math.abs(prev.x - c.x) + Math.abs(prev.y - c.y), 1, `order ${order}: ${d - 1} and ${d} are neighbours`);
      prev = c;
    }
    assert.equal(seen.size, side * side, 'every cell once');
  }
  // it starts at the top-left corner and ends at the top-right one: squares side by side join up
  assert.deepEqual(hilbertCell(4, 0), { x: 0, y: 0 });
  assert.deepEqual(hilbertCell(4, 255), { x: 15, y: 0 });
  // an aligned 2^k block holds 4^k consecutive frames: the index of a block is the frame's >> 2k
  for (let d = 0; d < 1024; d += 7) {
    const c = hilbertCell(5, d);
    assert.equal(hilbertIndex(3, c.x >> 2, c.y >> 2), d >> 4);
  }
});

test('the Hilbert layout: squares left to right, top to bottom; cellOf and gfnAt agree', () => {
  const layout = new HilbertLayout(3 * 256 + 100, 4, 2);
  assert.equal(layout.cols, 32);
  assert.equal(layout.rows, 32);
  for (let gfn = 0; gfn < layout.frames; gfn += 13) {
    const { col, row } = layout.cellOf(gfn);
    assert.equal(layout.gfnAt(col, row), gfn);
  }
  assert.deepEqual(layout.cellOf(256), { col: 16, row: 0 }, 'the second square starts right of the first');
  assert.deepEqual(layout.cellOf(512), { col: 0, row: 16 }, 'the third below the first');
  assert.equal(layout.gfnAt(31, 31), null, 'past the last frame');
  assert.equal(layout.gfnAt(-1, 0), null);
});

test('a box on a Hilbert layout takes the smallest and largest frame of its cells', () => {
  const layout = new HilbertLayout(5 * 64, 3, 3);
  const cases: Array<[number, number, number, number]> = [[0, 0, 0, 0], [2, 3, 5, 6], [6, 1, 12, 4], [0, 0, 23, 15], [9, 9, 9, 14], [20, 10, 23, 15]];
  for (const [c0, r0, c1, r1] of cases) {
    let first = Infinity;
    let last = -Infinity;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const g = layout.gfnAt(c, r);
        if (g !== null) {
          first = Math.min(first, g);
          last = Math.max(last, g);
        }
      }
    }
    const got = boxRange(layout, { x: c0 + 0.5, y: r0 + 0.5 }, { x: c1 + 0.5, y: r1 + 0.5 });
    assert.deepEqual(got, Number.isFinite(first) ? { first, last } : null, `box ${c0},${r0}-${c1},${r1}`);
  }
});

test('fit: the chosen row width fills most of the window, whatever the guest and the window', () => {
  for (const frames of [1, 7, 100, 0x8000, 0x100000, 0x1010000, 2 ** 28, 2 ** 30]) {
    for (const area of [{ width: 800, height: 500 }, { width: 1600, height: 900 }, { width: 400, height: 900 }]) {
      const cols = fitColumns(frames, area);
      const fill = fillOf(frames, cols, Math.ceil(frames / cols), area);
      // a tiny guest fills little at 40 px a frame; any guest of a window's worth fills 85 %
      if (frames * 40 * 40 >= area.width * area.height * 1.5) assert.ok(fill >= 0.85, `${frames} frames in ${area.width}x${area.height}: ${cols}/row fills ${fill}`);
      else assert.ok(cols >= 1 && cols <= Math.max(8, frames));
    }
  }
  // bigmem-64g in a laptop's grid: far wider than 512 a row
  assert.ok(fitColumns(0x1010000, { width: 700, height: 550 }) > 4000);
});

test('a resize keeps the row width while it still fills nearly as well', () => {
  const frames = 0x1010000;
  const cols = fitColumns(frames, { width: 900, height: 600 });
  assert.equal(refitColumns(cols, frames, { width: 905, height: 601 }), cols);
  const tall = refitColumns(cols, frames, { width: 300, height: 1400 });
  assert.ok(tall < cols, 'a very different shape re-fits');
  assert.equal(tall, fitColumns(frames, { width: 300, height: 1400 }));
});

test('the Hilbert arrangement fills the window with as few, as large squares as it can', () => {
  const web = fitHilbert(0x100000, { width: 700, height: 700 });
  assert.deepEqual(web, { order: 10, across: 1 });
  const big = fitHilbert(0x1010000, { width: 1000, height: 600 });
  const layout = new HilbertLayout(0x1010000, big.order, big.across);
  assert.ok(fillOf(layout.frames, layout.cols, layout.rows, { width: 1000, height: 600 }) >= 0.6);
  assert.ok(layout.cols * layout.rows >= 0x1010000);
});

test('rows: cellOf and gfnAt, a short last row', () => {
  const layout = new RowsLayout(1000, 512);
  assert.equal(layout.rows, 2);
  assert.deepEqual(layout.cellOf(999), { col: 487, row: 1 });
  assert.equal(layout.gfnAt(487, 1), 999);
  assert.equal(layout.gfnAt(488, 1), null);
});
