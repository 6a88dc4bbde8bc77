import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_PNG_SIDE, wholeGridLayout, wholeGridPixels } from '../../renderer/export/png-layout';
import { STATUS_COLORS, parseHex } from '../../renderer/grid/palette';

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

test('the whole grid keeps the grid\'s frames per row when it fits', () => {
  assert.deepEqual(wholeGridLayout(1 << 20, 512), { cols: 512, rows: 2048, framesPerPixel: 1 });
  assert.deepEqual(wholeGridLayout(0x4000, 1024), { cols: 1024, rows: 16, framesPerPixel: 1 });
  // a domain narrower than a row: the row is cut to a power of two that holds it
  assert.deepEqual(wholeGridLayout(100, 512), { cols: 128, rows: 1, framesPerPixel: 1 });
});

test('taller than 16384 rows: wider rows, a power of two', () => {
  // 64 GiB: 16 M frames at 512 a row would be 32768 rows
  assert.deepEqual(wholeGridLayout(16 * 1024 * 1024, 512), { cols: 1024, rows: 16384, framesPerPixel: 1 });
  assert.deepEqual(wholeGridLayout(16 * 1024 * 1024 + 1, 512), { cols: 2048, rows: 8193, framesPerPixel: 1 });
  // 2^28 frames fill 16384 x 16384 exactly
  assert.deepEqual(wholeGridLayout(2 ** 28, 512), { cols: MAX_PNG_SIDE, rows: MAX_PNG_SIDE, framesPerPixel: 1 });
});

test('past 2^28 frames, pixels cover a power of two frames each; neither side ever passes 16384', () => {
  assert.deepEqual(wholeGridLayout(2 ** 28 + 1, 512), { cols: MAX_PNG_SIDE, rows: 8193, framesPerPixel: 2 });
  for (const frames of [1, 3, 511, 513, 1e6, 2 ** 24, 2 ** 30, 2 ** 32]) {
    for (const preferred of [256, 512, 4096]) {
      const l = wholeGridLayout(frames, preferred);
      assert.ok(isPow2(l.cols) && l.cols <= MAX_PNG_SIDE && l.rows <= MAX_PNG_SIDE, `${frames}: ${JSON.stringify(l)}`);
      assert.ok(l.cols * l.rows * l.framesPerPixel >= frames, 'every frame has a pixel');
      assert.ok(isPow2(l.framesPerPixel));
    }
  }
});

test('pixels: the status colour, white where changed, the most notable status of a block', () => {
  const codes = Uint8Array.of(0, 2, 22, 255, 0, 0);
  const marks = Uint8Array.of(255, 255, 255, 255, 2, 255);
  const px = wholeGridPixels(codes, marks, { cols: 4, rows: 2, framesPerPixel: 1 });
  const at = (i: number) => [...px.subarray(i * 4, i * 4 + 4)];
  assert.deepEqual(at(0), [...parseHex(STATUS_COLORS.mapped), 255]);
  assert.deepEqual(at(1), [...parseHex(STATUS_COLORS.paged), 255]);
  assert.deepEqual(at(2), [...parseHex(STATUS_COLORS.invalid), 255]);
  assert.deepEqual(at(3), [...parseHex(STATUS_COLORS.unscanned), 255]);
  assert.deepEqual(at(4), [255, 255, 255, 255]);
  assert.deepEqual(at(6), [0, 0, 0, 0], 'past the last frame: transparent');
  const blocks = wholeGridPixels(codes, null, { cols: 2, rows: 2, framesPerPixel: 2 });
  assert.deepEqual([...blocks.subarray(0, 4)], [...parseHex(STATUS_COLORS.paged), 255]);
  assert.deepEqual([...blocks.subarray(4, 8)], [...parseHex(STATUS_COLORS.invalid), 255]);
});
