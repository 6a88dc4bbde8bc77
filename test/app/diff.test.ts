import assert from 'node:assert/strict';
import { test } from 'node:test';

import { changedRuns, diffScans, isChanged } from '../../app/diff';
import { codeRuns, runsToCsv, scanToJson } from '../../app/runs-export';
import type { ScanSummary } from '../../app/api';

test('changed frames counted by status transition and by exact code', () => {
  const a = new Uint8Array([0, 0, 2, 2, 22, 22, 0, 3]);
  const b = new Uint8Array([0, 2, 0, 2, 22, 0, 0, 22]);
  const d = diffScans({ first: 100, codes: a }, { first: 100, codes: b });
  assert.equal(d.compared, 8);
  assert.equal(d.changed, 4);
  assert.deepEqual(d.transitions, { 'mapped→paged': 1, 'paged→mapped': 1, 'invalid→mapped': 1, 'invalid→invalid': 1 });
  assert.deepEqual(d.codeTransitions, { 'OK→ENOENT': 1, 'ENOENT→OK': 1, 'EINVAL→OK': 1, 'ESRCH→EINVAL': 1 });
  assert.deepEqual([...Array(8).keys()].filter((i) => isChanged(d, i)), [1, 2, 5, 7]);
});

test('only the gfns both scans cover are compared', () => {
  const d = diffScans({ first: 0, codes: new Uint8Array(10) }, { first: 6, codes: new Uint8Array(10).fill(2) });
  assert.deepEqual([d.first, d.last, d.compared, d.changed, d.onlyInA, d.onlyInB], [6, 9, 4, 4, 6, 6]);
  const apart = diffScans({ first: 0, codes: new Uint8Array(4) }, { first: 100, codes: new Uint8Array(4) });
  assert.equal(apart.compared, 0);
  assert.equal(apart.first, null);
});

/** Codes made of runs: [frames, code] each. */
function codesOf(...runs: Array<[number, number]>): Uint8Array {
  const out: number[] = [];
  for (const [frames, code] of runs) for (let i = 0; i < frames; i++) out.push(code);
  return Uint8Array.from(out);
}

/** Runs as [first, last, frames, from, to] with the names checked on the way. */
function compact(r: ReturnType<typeof changedRuns>['runs']): number[][] {
  const names: Record<number, string> = { 0: 'OK', 1: 'EPERM', 2: 'ENOENT', 16: 'EBUSY', 22: 'EINVAL' };
  return r.map((run) => {
    assert.equal(run.fromName, names[run.fromCode]);
    assert.equal(run.toName, names[run.toCode]);
    return [run.first, run.last, run.frames, run.fromCode, run.toCode];
  });
}

test('changed runs: maximal runs of the same (from, to) pair, at their gfns', () => {
  // A: RAM, the VGA hole, RAM. B: two frames paged out, the hole grew, one busy, one paged in.
  const a = codesOf([0x10, 0], [0x2, 2], [0x8e, 0], [0x20, 22], [0x40, 0]);
  const b = codesOf([0x4, 0], [0x3, 2], [0x9, 0], [0x2, 0], [0x8e, 0], [0x28, 22], [0x1, 16], [0x1, 1], [0x36, 0]);
  const r = changedRuns({ first: 0x1000, codes: a }, { first: 0x1000, codes: b });
  assert.deepEqual(compact(r.runs), [
    [0x1004, 0x1006, 3, 0, 2], // OK→ENOENT
    [0x1010, 0x1011, 2, 2, 0], // ENOENT→OK, right after unchanged frames
    [0x10c0, 0x10c7, 8, 0, 22], // the hole grew: OK→EINVAL, next to the unchanged hole
    [0x10c8, 0x10c8, 1, 0, 16], // adjacent, another "to": its own run
    [0x10c9, 0x10c9, 1, 0, 1],
  ]);
  assert.deepEqual([r.runsTotal, r.runsTruncated], [5, false]);
  // the runs cover exactly the frames diffScans counts as changed
  const d = diffScans({ first: 0x1000, codes: a }, { first: 0x1000, codes: b });
  assert.equal(r.runs.reduce((n, run) => n + run.frames, 0), d.changed);
});

test('changed runs: only over the gfns both cover; capped, counted, refused when the cap is not a count', () => {
  // A covers 0x0-0xf, B 0x8-0x17: frames 0x8-0xf are compared
  const a = codesOf([0x10, 0]);
  const b = codesOf([0x2, 0], [0x2, 2], [0x2, 0], [0x1, 2], [0x1, 22], [0x8, 2]);
  const all = changedRuns({ first: 0, codes: a }, { first: 8, codes: b });
  assert.deepEqual(compact(all.runs), [[0xa, 0xb, 2, 0, 2], [0xe, 0xe, 1, 0, 2], [0xf, 0xf, 1, 0, 22]]);
  const capped = changedRuns({ first: 0, codes: a }, { first: 8, codes: b }, 2);
  assert.deepEqual(compact(capped.runs), compact(all.runs).slice(0, 2));
  assert.deepEqual([capped.runsTotal, capped.runsTruncated], [3, true]);
  assert.deepEqual(changedRuns({ first: 0, codes: a }, { first: 8, codes: b }, 0), { runs: [], runsTotal: 3, runsTruncated: true });
  assert.deepEqual(changedRuns({ first: 0, codes: a }, { first: 100, codes: b }), { runs: [], runsTotal: 0, runsTruncated: false });
  assert.deepEqual(changedRuns({ first: 0, codes: a }, { first: 0, codes: a }), { runs: [], runsTotal: 0, runsTruncated: false });
  assert.throws(() => changedRuns({ first: 0, codes: a }, { first: 0, codes: a }, -1), /-1 is not a count of runs/);
  assert.throws(() => changedRuns({ first: 0, codes: a }, { first: 0, codes: a }, 1.5), /1\.5 is not a count of runs/);
});

test('runs: CSV and JSON list runs of equal codes', () => {
  const codes = new Uint8Array([0, 0, 0, 2, 22, 22]);
  assert.deepEqual([...codeRuns(0x10, codes)].map((r) => [r.first, r.last, r.code]), [[0x10, 0x12, 'OK'], [0x13, 0x13, 'ENOENT'], [0x14, 0x15, 'EINVAL']]);
  assert.equal(runsToCsv(0x10, codes), 'first_gfn,last_gfn,frames,status,errno\n0x10,0x12,3,mapped,OK\n0x13,0x13,1,paged,ENOENT\n0x14,0x15,2,invalid,EINVAL\n');
  const summary = { domain: 1, first: 0x10, last: 0x15, frames: 6, scanned: 6, counts: { mapped: 3, paged: 1, invalid: 2 }, errnos: { ENOENT: 1, EINVAL: 2 }, abi: 'v2', durationMs: 1, mode: 'observe', batch: 1024, retry: null, cancelled: false, error: null } as ScanSummary;
  const json = JSON.parse(scanToJson(summary, codes));
  for (const key of ['frames', 'counts', 'errnos', 'abi', 'durationMs']) assert.deepEqual(json[key], summary[key as keyof ScanSummary]);
  assert.equal(json.runs.length, 3);
});
