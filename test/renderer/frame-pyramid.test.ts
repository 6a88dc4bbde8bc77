import { test } from 'node:test';
import assert from 'node:assert/strict';

import { CODE_RANK, CODE_UNSCANNED } from '../../renderer/frame-codes';
import { FIRST_STORED_LEVEL, FramePyramid } from '../../renderer/grid/frame-pyramid';
import { type GridLayout, HilbertLayout, RowsLayout } from '../../renderer/grid/layout';
import { paletteWords } from '../../renderer/grid/palette';
import { NO_MARK } from '../../renderer/store/change-marks';
import { FrameBuffer } from '../../renderer/store/frame-buffer';

const PALETTE = paletteWords();
const CODES = [0, 0, 0, 0, 2, 22, 1, 16, 12, 255];

/** Codes in runs of random length, deterministic. */
function sampleBuffer(frames: number, seed: number): FrameBuffer {
  const buffer = new FrameBuffer(1, frames);
  const codes = new Uint8Array(frames);
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < frames;) {
    const run = 1 + Math.floor(next() * next() * 40);
    codes.fill(CODES[Math.floor(next() * CODES.length)], i, i + run);
    i += run;
  }
  buffer.apply(0, codes);
  return buffer;
}

/** The frames of block i of level k, as the pyramid's comment defines them. */
function blockFrames(layout: GridLayout, k: number, i: number, levelCols: number): number[] {
  const out: number[] = [];
  if (layout instanceof HilbertLayout) {
    for (let g = i * 4 ** k; g < Math.min(layout.frames, (i + 1) * 4 ** k); g++) out.push(g);
    return out;
  }
  const bx = i % levelCols;
  const by = Math.floor(i / levelCols);
  for (let r = by * 2 ** k; r < Math.min(layout.rows, (by + 1) * 2 ** k); r++) {
    for (let c = bx * 2 ** k; c < Math.min(layout.cols, (bx + 1) * 2 ** k); c++) {
      const g = r * layout.cols + c;
      if (g < layout.frames) out.push(g);
    }
  }
  return out;
}

/** Every stored entry against its definition over the frames of its block. */
function checkAgainstFrames(pyramid: FramePyramid, highlight: Uint8Array | null): void {
  const { layout, buffer } = pyramid;
  for (let k = FIRST_STORED_LEVEL; k <= pyramid.maxLevel; k++) {
    const lvl = pyramid.levels[k]!;
    for (let i = 0; i < lvl.length; i++) {
      const frames = blockFrames(layout, k, i, lvl.cols);
      if (frames.length === 0) continue;
      let best = CODE_UNSCANNED;
      let bestHl = NO_MARK;
      let hits = 0;
      let marked = false;
      const sum = [0, 0, 0];
      for (const g of frames) {
        const code = buffer.codes[g];
        if (CODE_RANK[code] > CODE_RANK[best]) best = code;
        if (highlight?.[code]) {
          hits++;
          if (bestHl === NO_MARK || CODE_RANK[code] > CODE_RANK[bestHl]) bestHl = code;
        }
        if (buffer.marks.at(g) !== NO_MARK) marked = true;
        for (let ch = 0; ch < 3; ch++) sum[ch] += (PALETTE[code] >>> (8 * ch)) & 0xff;
      }
      const where = `${layout.kind} level ${k} block ${i}`;
      assert.equal(lvl.notable[i], best, `${where}: notable`);
      assert.equal(lvl.marks[i] !== NO_MARK, marked, `${where}: marks`);
      if (highlight) {
        assert.equal(lvl.highlight![2 * i], bestHl, `${where}: highlight`);
        const share = lvl.highlight![2 * i + 1];
        assert.ok(Math.abs(share - (255 * hits) / frames.length) <= 0.5 * (k - 1) + 1, `${where}: share ${share}, ${hits} of ${frames.length}`);
        assert.equal(share > 0, hits > 0, `${where}: any highlighted frame has a share`);
      }
      for (let ch = 0; ch < 3; ch++) {
        const mean = sum[ch] / frames.length;
        const got = (lvl.mix[i] >>> (8 * ch)) & 0xff;
        // each level rounds once: within half a step per level of the exact mean
        assert.ok(Math.abs(got - mean) <= 0.5 * (k - 1) + 1e-9, `${where}: channel ${ch} ${got} vs ${mean}`);
      }
    }
  }
}

test('every stored level holds, per block, the mix, the most notable code and the marks of its frames', () => {
  // a row width that is not a multiple of 4 and a short last row: the edge blocks are partial
  const buffer = sampleBuffer(613 * 97 + 250, 7);
  buffer.markChanged(10_000, 2);
  buffer.markChanged(613 * 96 + 5, 0);
  checkAgainstFrames(new FramePyramid(buffer, new RowsLayout(buffer.frames, 613)), null);
  // a width of whole words: blocks of one code take the word-at-a-time path
  checkAgainstFrames(new FramePyramid(buffer, new RowsLayout(buffer.frames, 612)), null);
  checkAgainstFrames(new FramePyramid(buffer, new HilbertLayout(buffer.frames, 7, 4)), null);
});

test('the mix is proportional: 8 % paged frames make a block 8 % of the way to orange, at every level', () => {
  const frames = 1 << 16;
  const buffer = new FrameBuffer(1, frames);
  const codes = new Uint8Array(frames);
  for (let i = 0; i < frames; i++) if (i % 25 < 2) codes[i] = 2;
  buffer.apply(0, codes);
  const pyramid = new FramePyramid(buffer, new HilbertLayout(frames, 8, 1));
  const top = pyramid.levels[pyramid.maxLevel]!;
  const blue = PALETTE[0] & 0xff;
  const orange = PALETTE[2] & 0xff;
  const red = top.mix[0] & 0xff;
  assert.ok(Math.abs((red - blue) / (orange - blue) - 0.08) < 0.01, `red channel ${red}`);
});

test('a highlight keeps, per block, the most notable highlighted code; clearing it drops them', () => {
  const buffer = sampleBuffer(300 * 130 + 17, 3);
  const set = new Uint8Array(256);
  set[16] = 1; // EBUSY
  set[12] = 1; // ENOMEM
  for (const layout of [new RowsLayout(buffer.frames, 300), new HilbertLayout(buffer.frames, 6, 3)]) {
    const pyramid = new FramePyramid(buffer, layout);
    pyramid.setHighlight(set);
    checkAgainstFrames(pyramid, set);
    assert.ok(pyramid.takeDirty(FIRST_STORED_LEVEL, 'highlight'));
    // a chunk written while the highlight is on keeps it exact
    buffer.onChange((first, last) => pyramid.update(first, last));
    buffer.apply(777, new Uint8Array(3000).fill(16), {});
    checkAgainstFrames(pyramid, set);
    pyramid.setHighlight(null);
    assert.equal(pyramid.levels[FIRST_STORED_LEVEL]!.highlight, null);
  }
});

test('incremental updates equal a rebuild, and dirty spans cover what changed', () => {
  for (const makeLayout of [(f: number) => new RowsLayout(f, 1000), (f: number) => new HilbertLayout(f, 7, 2)]) {
    const buffer = sampleBuffer(1000 * 30, 11);
    const layout = makeLayout(buffer.frames);
    const live = new FramePyramid(buffer, layout);
    buffer.onChange((first, last) => live.update(first, last));
    for (let k = 0; k <= live.maxLevel; k++) live.takeDirty(k, 'mix');
    const chunk = new Uint8Array(4000).fill(2);
    buffer.apply(12_345, chunk, {});
    const fresh = new FramePyramid(buffer, layout);
    for (let k = FIRST_STORED_LEVEL; k <= live.maxLevel; k++) {
      const a = live.levels[k]!;
      const b = fresh.levels[k]!;
      assert.deepEqual([...a.mix], [...b.mix], `level ${k} mix`);
      assert.deepEqual([...a.notable], [...b.notable], `level ${k} notable`);
      assert.deepEqual([...a.marks], [...b.marks], `level ${k} marks`);
    }
    const zero = live.takeDirty(0, 'mix');
    assert.ok(zero && zero.start <= 12_345 && zero.end >= 12_345 + 4000, 'level 0: the frames written');
    for (let k = FIRST_STORED_LEVEL; k <= live.maxLevel; k++) {
      const span = live.takeDirty(k, 'mix');
      assert.ok(span && span.end > span.start, `level ${k} dirty`);
      assert.equal(live.takeDirty(k, 'mix'), null, 'taken once');
    }
  }
});
