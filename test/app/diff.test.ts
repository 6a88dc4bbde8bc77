import assert from 'node:assert/strict';
import { test } from 'node:test';

import { diffScans, isChanged } from '../../app/diff';
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

test('runs: CSV and JSON list runs of equal codes', () => {
  const codes = new Uint8Array([0, 0, 0, 2, 22, 22]);
  assert.deepEqual([...codeRuns(0x10, codes)].map((r) => [r.first, r.last, r.code]), [[0x10, 0x12, 'OK'], [0x13, 0x13, 'ENOENT'], [0x14, 0x15, 'EINVAL']]);
  assert.equal(runsToCsv(0x10, codes), 'first_gfn,last_gfn,frames,status,errno\n0x10,0x12,3,mapped,OK\n0x13,0x13,1,paged,ENOENT\n0x14,0x15,2,invalid,EINVAL\n');
  const summary = { domain: 1, first: 0x10, last: 0x15, frames: 6, scanned: 6, counts: { mapped: 3, paged: 1, invalid: 2 }, errnos: { ENOENT: 1, EINVAL: 2 }, abi: 'v2', durationMs: 1, mode: 'observe', batch: 1024, retry: null, cancelled: false, error: null } as ScanSummary;
  const json = JSON.parse(scanToJson(summary, codes));
  for (const key of ['frames', 'counts', 'errnos', 'abi', 'durationMs']) assert.deepEqual(json[key], summary[key as keyof ScanSummary]);
  assert.equal(json.runs.length, 3);
});
