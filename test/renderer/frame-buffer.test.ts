import { test } from 'node:test';
import assert from 'node:assert/strict';

import { CodeHistogram, FrameBuffer, FrameBuffers } from '../../renderer/store/frame-buffer';
import { sampleCodes } from './fake-scan-api';

function bruteCounts(codes: Uint8Array) {
  const h = new CodeHistogram();
  h.add(codes);
  return h.counts();
}

test('a new buffer is all unscanned', () => {
  const b = new FrameBuffer(3, 1000);
  assert.equal(b.frames, 1000);
  assert.ok(b.codes.every((c) => c === 255));
  assert.deepEqual(b.counts(), { mapped: 0, paged: 0, invalid: 0, unscanned: 1000, total: 1000 });
});

test('apply writes codes, keeps the histogram exact and reports the range', () => {
  const b = new FrameBuffer(1, 10000);
  const changes: Array<[number, number]> = [];
  b.onChange((first, last) => changes.push([first, last]));
  const codes = sampleCodes(10000);
  for (let gfn = 0; gfn < 10000; gfn += 777) {
    assert.deepEqual(b.apply(gfn, codes.subarray(gfn, gfn + 777)), { first: gfn, last: Math.min(9999, gfn + 776) });
  }
  assert.deepEqual(b.codes, codes);
  assert.deepEqual(b.counts(), bruteCounts(codes));
  assert.equal(changes.length, Math.ceil(10000 / 777));
  assert.equal(b.version, changes.length);
});

test('rewriting part of the buffer takes the old codes out first', () => {
  const b = new FrameBuffer(1, 5000);
  b.apply(0, sampleCodes(5000, 1));
  const again = sampleCodes(1000, 2);
  b.apply(2000, again);
  const expected = sampleCodes(5000, 1);
  expected.set(again, 2000);
  assert.deepEqual(b.codes, expected);
  assert.deepEqual(b.counts(), bruteCounts(expected));
});

test('apply clips to the buffer', () => {
  const b = new FrameBuffer(1, 100);
  assert.deepEqual(b.apply(90, new Uint8Array(20)), { first: 90, last: 99 });
  assert.deepEqual(b.apply(-5, new Uint8Array(10).fill(2)), { first: 0, last: 4 });
  assert.equal(b.apply(100, new Uint8Array(5)), null);
  assert.deepEqual(b.counts(), { mapped: 10, paged: 5, invalid: 0, unscanned: 85, total: 100 });
});

test('invalidCodes lists the error codes present, most frequent first', () => {
  const b = new FrameBuffer(1, 10);
  b.apply(0, Uint8Array.of(22, 22, 22, 1, 16, 16, 0, 2, 2, 2));
  assert.deepEqual(b.histogram.invalidCodes(), [{ code: 22, count: 3 }, { code: 16, count: 2 }, { code: 1, count: 1 }]);
});

test('ensureFrames grows with unscanned frames; clear forgets everything', () => {
  const b = new FrameBuffer(1, 4);
  b.apply(0, Uint8Array.of(0, 2, 22, 0));
  b.ensureFrames(8);
  assert.deepEqual([...b.codes], [0, 2, 22, 0, 255, 255, 255, 255]);
  assert.deepEqual(b.counts(), { mapped: 2, paged: 1, invalid: 1, unscanned: 4, total: 8 });
  b.ensureFrames(6);
  assert.equal(b.frames, 8);
  b.clear();
  assert.deepEqual(b.counts(), { mapped: 0, paged: 0, invalid: 0, unscanned: 8, total: 8 });
});

test('FrameBuffers keeps one buffer per domain', () => {
  const all = new FrameBuffers();
  const a = all.ensure(1, 10);
  assert.equal(all.ensure(1, 10), a);
  assert.notEqual(all.ensure(2, 10), a);
  all.retain([2]);
  assert.equal(all.get(1), undefined);
  assert.ok(all.get(2));
});
