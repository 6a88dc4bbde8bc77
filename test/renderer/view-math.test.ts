import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  FAR_CELL_PX, MAX_CELL_PX, aggregationLevel, boxRange, cellCenter, clampView, fitView, gfnAtPoint, gridGeometry,
  labelStep, minCellPx, panBy, pyramidLevels, revealGfn, zoomAt,
} from '../../renderer/grid/view-math';

const BIG = 0xf10000; // bigmem-64g: 16.8 M frames
const vp = { width: 1000, height: 700 };

test('gfn <-> pixel: the centre of a frame\'s cell maps back to the frame', () => {
  const geom = gridGeometry(BIG, 512);
  for (const view of [{ cellPx: 8, originX: 3.25, originY: 1000.5 }, { cellPx: 1.5, originX: 0, originY: 12345.7 }]) {
    for (const gfn of [512 * 1001 + 7, 512 * 1002 + 100, 512 * 1010 + 300]) {
      const c = cellCenter(view, geom, gfn);
      if (c.x < 0 || c.y < 0 || c.x > vp.width || c.y > vp.height) continue;
      assert.equal(gfnAtPoint(view, geom, c.x, c.y), gfn);
    }
  }
  const view = { cellPx: 10, originX: 0, originY: 0 };
  assert.equal(gfnAtPoint(view, geom, 5, 5), 0);
  assert.equal(gfnAtPoint(view, geom, 15, 25), 2 * 512 + 1);
  assert.equal(gfnAtPoint(view, geom, -1, 5), null);
});

test('the last, partial row ends at the domain\'s last frame', () => {
  const geom = gridGeometry(1000, 512);
  assert.equal(geom.rows, 2);
  const view = { cellPx: 1, originX: 0, originY: 0 };
  assert.equal(gfnAtPoint(view, geom, 487.5, 1.5), 999);
  assert.equal(gfnAtPoint(view, geom, 488.5, 1.5), null);
});

test('zooming keeps the grid point under the cursor fixed', () => {
  const geom = gridGeometry(BIG, 512);
  const view = { cellPx: 4, originX: 100, originY: 5000 };
  const x = 300;
  const y = 400;
  const before = { x: view.originX + x / view.cellPx, y: view.originY + y / view.cellPx };
  for (const factor of [1.1, 3, 0.6]) {
    const z = zoomAt(view, factor, x, y, geom, vp);
    assert.ok(Math.abs(z.cellPx - view.cellPx * factor) < 1e-9);
    assert.ok(Math.abs(z.originX + x / z.cellPx - before.x) < 1e-6);
    assert.ok(Math.abs(z.originY + y / z.cellPx - before.y) < 1e-6);
  }
});

test('zoom is clamped from ~16 frames per pixel (or fit) to 40 px per cell', () => {
  const small = gridGeometry(0x40000, 512);
  assert.equal(minCellPx(small, vp), FAR_CELL_PX);
  assert.equal(zoomAt({ cellPx: 30, originX: 0, originY: 0 }, 100, 0, 0, small, vp).cellPx, MAX_CELL_PX);
  assert.equal(zoomAt({ cellPx: 1, originX: 0, originY: 0 }, 1e-6, 0, 0, small, vp).cellPx, FAR_CELL_PX);
  // 32768 rows do not fit at 1/16 px: the farthest zoom goes as far as fitting takes.
  const big = gridGeometry(BIG, 512);
  assert.ok(minCellPx(big, vp) < FAR_CELL_PX);
  const fit = fitView(big, vp);
  assert.ok(big.rows * fit.cellPx <= vp.height + 1e-9);
  assert.equal(fit.cellPx, minCellPx(big, vp));
});

test('clampView keeps the grid on screen; a side that fits sits at the edge', () => {
  const geom = gridGeometry(0x40000, 512);
  assert.deepEqual(clampView({ cellPx: 1, originX: -50, originY: -50 }, geom, vp), { cellPx: 1, originX: 0, originY: 0 });
  const far = clampView({ cellPx: 4, originX: 1e9, originY: 1e9 }, geom, vp);
  assert.equal(far.originX, 512 - vp.width / 4);
  assert.equal(far.originY, 512 - vp.height / 4);
  const moved = panBy({ cellPx: 4, originX: 100, originY: 100 }, 40, -80, geom, vp);
  assert.deepEqual(moved, { cellPx: 4, originX: 90, originY: 120 });
});

test('revealGfn zooms in and centres a frame that is out of view or too small', () => {
  const geom = gridGeometry(BIG, 512);
  const view = fitView(geom, vp);
  const gfn = 0x123456;
  const r = revealGfn(view, geom, vp, gfn, 8);
  assert.equal(r.cellPx, 8);
  const c = cellCenter(r, geom, gfn);
  assert.ok(c.x > 0 && c.x < vp.width && c.y > 0 && c.y < vp.height);
  assert.equal(gfnAtPoint(r, geom, c.x, c.y), gfn);
  assert.equal(revealGfn(r, geom, vp, gfn, 8), r);
});

test('the aggregated level makes blocks at least a device pixel wide', () => {
  assert.equal(aggregationLevel(1, 10), 0);
  assert.equal(aggregationLevel(40, 10), 0);
  assert.equal(aggregationLevel(0.5, 10), 1);
  assert.equal(aggregationLevel(0.4, 10), 2);
  assert.equal(aggregationLevel(1 / 16, 10), 4);
  assert.equal(aggregationLevel(1 / 17, 10), 5);
  assert.equal(aggregationLevel(1e-9, 10), 10);
  for (const geom of [gridGeometry(BIG, 256), gridGeometry(BIG, 4096), gridGeometry(10, 512)]) {
    const levels = pyramidLevels(geom);
    assert.ok(2 ** -levels <= minCellPx(geom, { width: 64, height: 64 }) + 1e-12);
  }
});

test('row labels stay apart at every zoom', () => {
  assert.equal(labelStep(40, 16), 1);
  assert.equal(labelStep(2, 16), 8);
  assert.equal(labelStep(1 / 16, 16), 256);
});

test('a box selection is the reading-order range from its top-left to its bottom-right cell', () => {
  const geom = gridGeometry(10000, 512);
  assert.deepEqual(boxRange(geom, { x: 10.5, y: 2.2 }, { x: 3.1, y: 5.9 }), { first: 2 * 512 + 3, last: 5 * 512 + 10 });
  assert.deepEqual(boxRange(geom, { x: -5, y: -5 }, { x: 1e6, y: 1e6 }), { first: 0, last: 9999 });
});
