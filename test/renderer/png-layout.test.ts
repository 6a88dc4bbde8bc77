import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MAX_PNG_PIXELS, MAX_PNG_SIDE, wholeGridScale } from '../../renderer/export/png-layout';

test('the whole grid is one pixel per cell while it fits', () => {
  assert.deepEqual(wholeGridScale(512, 2048), { level: 0, width: 512, height: 2048 });
  assert.deepEqual(wholeGridScale(1, 1), { level: 0, width: 1, height: 1 });
  assert.deepEqual(wholeGridScale(MAX_PNG_SIDE, 4096), { level: 0, width: MAX_PNG_SIDE, height: 4096 });
});

test('past a side of 16384 or 2^26 pixels, a pixel covers 2^k x 2^k cells', () => {
  // bigmem-64g at 512 a row: 32896 rows
  assert.deepEqual(wholeGridScale(512, 32896), { level: 2, width: 128, height: 8224 });
  // a 2^30-frame guest fitted at 40960 a row
  const s = wholeGridScale(40960, 26215);
  assert.equal(s.level, 3);
  for (const [cols, rows] of [[1, 1e6], [3, 5], [40960, 26215], [2 ** 15, 2 ** 15], [16384, 16385]]) {
    const l = wholeGridScale(cols, rows);
    assert.ok(l.width <= MAX_PNG_SIDE && l.height <= MAX_PNG_SIDE && l.width * l.height <= MAX_PNG_PIXELS, `${cols}x${rows}`);
    assert.ok(l.width * 2 ** l.level >= cols && l.height * 2 ** l.level >= rows, 'every cell has a pixel');
    if (l.level > 0) {
      const finer = { w: Math.ceil(cols / 2 ** (l.level - 1)), h: Math.ceil(rows / 2 ** (l.level - 1)) };
      assert.ok(finer.w > MAX_PNG_SIDE || finer.h > MAX_PNG_SIDE || finer.w * finer.h > MAX_PNG_PIXELS, 'the finest that fits');
    }
  }
});
