import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { DomainInfo } from '../../app/api';
import { FramePyramid } from '../../renderer/grid/frame-pyramid';
import { RowsLayout } from '../../renderer/grid/layout';
import { NO_MARK, forEachChanged } from '../../renderer/store/change-marks';
import { FrameBuffer, createFramescopeStore } from '../../renderer/store';
import { FakeScanApi, sampleCodes } from './fake-scan-api';

const DOMAINS: DomainInfo[] = [{ id: 3, name: 'web-01', memoryKiB: 40000, maxMemoryKiB: null, frames: 10000 }];

async function setup() {
  const api = new FakeScanApi(DOMAINS);
  api.truth.set(3, sampleCodes(10000, 3));
  const { store, dispose } = createFramescopeStore(api);
  await store.getState().init();
  const s = () => store.getState();
  /** Scans the range typed in (or the whole domain) to its end. */
  const scan = async (first?: number, last?: number) => {
    s().setRangeText('first', first === undefined ? '' : String(first));
    s().setRangeText('last', last === undefined ? '' : String(last));
    assert.equal(await s().startScan(), true);
    api.run(api.lastScanId, 700);
  };
  return { api, store, dispose, s, scan };
}

/** The marked gfns of a buffer, ascending. */
function marked(buffer: FrameBuffer): number[] {
  const out: number[] = [];
  for (let gfn = 0; gfn < buffer.frames; gfn++) if (buffer.marks.at(gfn) !== NO_MARK) out.push(gfn);
  return out;
}

/** Changes `count` frames of the truth, spread out, flipping mapped and paged; returns them. */
function flip(codes: Uint8Array, from: number, count: number, step: number): number[] {
  const changed: number[] = [];
  for (let gfn = from; changed.length < count; gfn += step) {
    if (gfn >= codes.length) throw new Error(`flip: only ${changed.length} of ${count} frames to flip`);
    if (codes[gfn] === 0) codes[gfn] = 2;
    else if (codes[gfn] === 2) codes[gfn] = 0;
    else continue;
    changed.push(gfn);
  }
  return changed;
}

test('the first scan marks nothing: a frame seen for the first time has not changed', async () => {
  const { s, scan } = await setup();
  await scan();
  assert.equal(s().changes.total, 0);
  assert.deepEqual(marked(s().frameBuffer()!), []);
});

test('a rescan marks exactly the frames whose code changed, counted by transition', async () => {
  const { s, api, scan } = await setup();
  await scan();
  const truth = api.truth.get(3)!;
  const before = truth.slice();
  const changed = flip(truth, 5, 40, 97);
  await scan();
  assert.deepEqual(marked(s().frameBuffer()!), changed);
  assert.equal(s().changes.total, changed.length);
  const expected = new Map<string, number>();
  for (const gfn of changed) {
    const key = before[gfn] === 0 ? 'mapped→paged' : 'paged→mapped';
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  assert.deepEqual(new Map(s().changes.transitions.map((t) => [t.key, t.count])), expected);
  // each mark remembers the code before
  for (const gfn of changed) assert.equal(s().frameBuffer()!.marks.at(gfn), before[gfn]);
});

test('the next scan replaces the marks: old changes go, new ones come', async () => {
  const { s, api, scan } = await setup();
  await scan();
  const truth = api.truth.get(3)!;
  flip(truth, 5, 30, 101);
  await scan();
  assert.equal(s().changes.total, 30);
  const second = flip(truth, 7, 12, 211);
  await scan();
  assert.deepEqual(marked(s().frameBuffer()!), second);
  assert.equal(s().changes.total, 12);
  // nothing changed: no marks at all
  await scan();
  assert.equal(s().changes.total, 0);
  assert.deepEqual(marked(s().frameBuffer()!), []);
});

test('a partial rescan replaces the marks of its range only', async () => {
  const { s, api, scan } = await setup();
  await scan();
  const truth = api.truth.get(3)!;
  const all = flip(truth, 3, 50, 150);
  await scan();
  assert.deepEqual(marked(s().frameBuffer()!), all);
  // rescan 2000-5999 with nothing changed: its marks go, the others stay
  await scan(2000, 5999);
  assert.deepEqual(marked(s().frameBuffer()!), all.filter((g) => g < 2000 || g > 5999));
  assert.equal(s().changes.total, all.filter((g) => g < 2000 || g > 5999).length);
});

test('a stopped rescan replaces the marks of the frames it reached only', async () => {
  const { s, api, scan } = await setup();
  await scan();
  const truth = api.truth.get(3)!;
  const all = flip(truth, 1, 36, 233);
  await scan();
  await s().startScan();
  api.chunks(api.lastScanId, 1000, 3); // frames 0-2999
  await s().stopScan();
  api.end(api.lastScanId);
  assert.deepEqual(marked(s().frameBuffer()!), all.filter((g) => g >= 3000));
});

test('a page-in marks against the codes before it, even when it sees a frame twice', async () => {
  const { s, api, scan } = await setup();
  await scan();
  const truth = api.truth.get(3)!;
  const paged = [...truth.keys()].filter((g) => truth[g] === 2).slice(0, 5);
  const wasMapped = [...truth.keys()].filter((g) => truth[g] === 0).slice(0, 1)[0];
  assert.equal(await s().startPageIn({ first: 0, last: 9999 }), true);
  assert.equal(s().scan?.kind, 'page-in');
  const id = api.lastScanId;
  // the observe pass: one mapped frame is paged out meanwhile
  truth[wasMapped] = 2;
  api.chunks(id, 2500);
  // a retry round: the paged frames come back, and so does the other one
  for (const g of [...paged, wasMapped]) truth[g] = 0;
  for (const g of [...paged, wasMapped]) api.resend(id, g, 1);
  // as the service does, the summary counts the range as the page-in left it
  const counts = { mapped: 0, paged: 0, invalid: 0 };
  for (const code of truth) counts[code === 0 ? 'mapped' : code === 2 ? 'paged' : 'invalid']++;
  api.end(id, { counts, retry: { retried: paged.length + 1, recovered: paged.length + 1, timedOutBatches: 0 } });
  // marked: the paged frames (paged→mapped); not the one that went out and came back
  assert.deepEqual(marked(s().frameBuffer()!), paged);
  assert.deepEqual(s().changes.transitions, [{ key: 'paged→mapped', count: paged.length }]);
  assert.equal(s().scan?.countsCheck, 'ok');
  // but its history has both of its transitions
  assert.deepEqual(s().frameHistory(wasMapped).map((t) => [t.from, t.to, t.source]), [[0, 2, 'page-in'], [2, 0, 'page-in']]);
});

test('pair counts stay exact through many overlapping tracked writes', () => {
  const buffer = new FrameBuffer(1, 4000);
  let truth = sampleCodes(4000, 9);
  buffer.apply(0, truth, { baseline: buffer.codes.slice(), baseFirst: 0 });
  for (let round = 0; round < 6; round++) {
    const baseline = buffer.codes.slice(1000, 3500);
    truth = sampleCodes(4000, 100 + round);
    for (let at = 1000; at < 3500; at += 333) buffer.apply(at, truth.subarray(at, Math.min(3500, at + 333)), { baseline, baseFirst: 1000 });
    // brute force: every marked frame's (from, to) pair
    let total = 0;
    for (let g = 0; g < 4000; g++) if (buffer.marks.at(g) !== NO_MARK) total++;
    assert.equal(buffer.marks.count, total);
    const sum = buffer.marks.counts().transitions.reduce((n, t) => n + t.count, 0);
    assert.equal(sum, total);
    for (let g = 1000; g < 3500; g++) {
      const expected = baseline[g - 1000] !== truth[g] ? baseline[g - 1000] : NO_MARK;
      assert.equal(buffer.marks.at(g), expected);
    }
  }
  // an untracked write clears its range's marks
  buffer.apply(1000, buffer.codes.slice(1000, 2000));
  for (let g = 1000; g < 2000; g++) assert.equal(buffer.marks.at(g), NO_MARK);
});

test('the pyramid carries the marks up: a single changed frame marks its block at every level', () => {
  const buffer = new FrameBuffer(1, 512 * 512);
  buffer.apply(0, new Uint8Array(512 * 512));
  const pyramid = new FramePyramid(buffer, new RowsLayout(buffer.frames, 512));
  buffer.onChange((first, last) => pyramid.update(first, last));
  const gfn = 300 * 512 + 77;
  buffer.apply(gfn, Uint8Array.of(2), {});
  assert.equal(buffer.marks.at(gfn), 0, 'marked with the code it had');
  for (let k = 2; k < pyramid.levels.length; k++) {
    const lvl = pyramid.levels[k]!;
    const marked: number[] = [];
    lvl.marks.forEach((m, i) => m !== NO_MARK && marked.push(i));
    assert.deepEqual(marked, [(300 >> k) * lvl.cols + (77 >> k)], `level ${k}`);
  }
  // rescanned unchanged: the mark goes at every level
  buffer.apply(gfn, Uint8Array.of(2), {});
  assert.equal(buffer.marks.at(gfn), NO_MARK);
  for (const lvl of pyramid.levels.slice(2)) assert.ok(lvl!.marks.every((m) => m === NO_MARK));
});

test('a diff mask decodes to its set bits, least significant first', () => {
  const mask = Uint8Array.of(0b0000_0101, 0, 0b1000_0000, 0b1111_1111);
  const seen: number[] = [];
  forEachChanged(mask, 30, (i) => seen.push(i));
  assert.deepEqual(seen, [0, 2, 23, 24, 25, 26, 27, 28, 29]);
  const all: number[] = [];
  forEachChanged(mask, 32, (i) => all.push(i));
  assert.equal(all.length, 11);
});

test('a diff shows B with the frames that differ from A marked, whatever was scanned between', async () => {
  const { s, api, scan } = await setup();
  await scan();
  const a = api.lastScanId;
  const truth = api.truth.get(3)!;
  const before = truth.slice();
  const changed = flip(truth, 11, 25, 149);
  await scan(0, 6999);
  const b = api.lastScanId;
  assert.equal(await s().diff(a, b), true);
  const past = s().pastView!;
  assert.equal(past.kind, 'diff');
  assert.equal(past.diff?.changed, changed.filter((g) => g <= 6999).length);
  const buffer = s().frameBuffer()!;
  assert.notEqual(buffer, s().liveBuffer());
  assert.deepEqual(marked(buffer), changed.filter((g) => g <= 6999));
  for (const g of marked(buffer)) assert.equal(buffer.marks.at(g), before[g]);
  assert.equal(s().changes.total, past.diff?.changed);
  // the transitions the legend counts equal the API's
  assert.deepEqual(Object.fromEntries(s().changes.transitions.map((t) => [t.key, t.count])), past.diff?.transitions);
  // back to live: the live buffer and its own marks
  s().backToLive();
  assert.equal(s().pastView, null);
  assert.equal(s().frameBuffer(), s().liveBuffer());
});
