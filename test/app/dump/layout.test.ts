import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_RUNS, PAGE_SIZE, RunsBuilder } from '../../../app/dump/layout';

const fail = (detail: string): never => {
  throw new Error(detail);
};
const noDuplicates = (gfn: number): never => fail(`duplicate ${gfn}`);

function runsOf(b: RunsBuilder) {
  const runs = b.finish(noDuplicates);
  return Array.from({ length: runs.count }, (_, i) => [runs.gfn(i), runs.frames(i), runs.offset(i), runs.bytes(i)]);
}

test('pages continuing a run in gfn and in the file merge into it', () => {
  const b = new RunsBuilder(fail);
  for (let i = 0; i < 10; i++) b.add(i, 1, 0x1000 + i * PAGE_SIZE, PAGE_SIZE);
  b.add(10, 1, 0x1000 + 11 * PAGE_SIZE, PAGE_SIZE); // next gfn, but not the next page of the file
  b.add(12, 1, 0x1000 + 12 * PAGE_SIZE, PAGE_SIZE); // next page of the file, but not the next gfn
  assert.deepEqual(runsOf(b), [
    [0, 10, 0x1000, 10 * PAGE_SIZE],
    [10, 1, 0x1000 + 11 * PAGE_SIZE, PAGE_SIZE],
    [12, 1, 0x1000 + 12 * PAGE_SIZE, PAGE_SIZE],
  ]);
});

test('nothing merges onto a run that ends in a partial page', () => {
  const b = new RunsBuilder(fail);
  b.add(0, 2, 0, PAGE_SIZE + 10);
  b.add(2, 1, PAGE_SIZE + 10, PAGE_SIZE);
  assert.equal(runsOf(b).length, 2);
});

test('runs added out of order come out sorted, found by binary search; overlaps are duplicates', () => {
  const b = new RunsBuilder(fail);
  b.add(50, 5, 0, 5 * PAGE_SIZE);
  b.add(10, 5, 0x10000, 5 * PAGE_SIZE);
  b.add(30, 1, 0x20000, PAGE_SIZE);
  const runs = b.finish(noDuplicates);
  assert.deepEqual([runs.gfn(0), runs.gfn(1), runs.gfn(2)], [10, 30, 50]);
  assert.deepEqual([runs.present, runs.end], [11, 55]);
  assert.deepEqual([9, 10, 14, 15, 30, 31, 54, 1e12].map((g) => runs.indexAtOrBefore(g)), [-1, 0, 0, 0, 1, 1, 2, 2]);

  const dup = new RunsBuilder(fail);
  dup.add(10, 5, 0, 5 * PAGE_SIZE);
  dup.add(3, 8, 0x10000, 8 * PAGE_SIZE);
  assert.throws(() => dup.finish(noDuplicates), /duplicate 10/);
});

test('an index past MAX_RUNS is refused instead of grown', () => {
  const b = new RunsBuilder(fail);
  for (let i = 0; i < MAX_RUNS; i++) b.add(2 * i, 1, 2 * i * PAGE_SIZE, PAGE_SIZE);
  assert.throws(() => b.add(2 * MAX_RUNS, 1, 0, PAGE_SIZE), /scattered over more than 4194304 runs/);
});
