import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { DomainInfo } from '../../app/api';
import { FrameHistory } from '../../renderer/store/frame-history';
import { createFramescopeStore } from '../../renderer/store';
import { TIMELINE_MAX_POINTS, Timeline, timelinePointOf } from '../../renderer/store/timeline';
import { FakeScanApi, sampleCodes } from './fake-scan-api';
import { ManualClock } from '../fakes/manual-clock';

const DOMAINS: DomainInfo[] = [
  { id: 1, name: 'hvm-firmware', memoryKiB: 8000, maxMemoryKiB: null, frames: 2000 },
  { id: 3, name: 'web-01', memoryKiB: 40000, maxMemoryKiB: null, frames: 10000 },
];


const tick = () => new Promise((resolve) => setImmediate(resolve));

async function setup() {
  const api = new FakeScanApi(DOMAINS);
  api.truth.set(3, sampleCodes(10000, 3));
  api.truth.set(1, sampleCodes(2000, 1));
  const clock = new ManualClock();
  const { store, dispose } = createFramescopeStore(api, 'local', { clock });
  await store.getState().init();
  store.getState().selectDomain(3);
  return { api, store, dispose, clock, s: () => store.getState() };
}

test('a frame keeps its last 8 transitions, oldest first', () => {
  const h = new FrameHistory(8, 1000);
  for (let i = 0; i < 20; i++) h.record(3, 42, { at: i, from: i % 2 ? 0 : 2, to: i % 2 ? 2 : 0, source: 'scan' });
  const list = h.of(3, 42);
  assert.equal(list.length, 8);
  assert.deepEqual(list.map((t) => t.at), [12, 13, 14, 15, 16, 17, 18, 19]);
  assert.equal(h.size, 8);
  // another domain's frame of the same gfn is another frame
  assert.equal(h.of(1, 42).length, 0);
  // frames that never changed have no entry (and share one empty list)
  assert.equal(h.frameCount, 1);
  assert.equal(h.of(3, 43), h.of(3, 44));
});

test('past the cap, the frames changed longest ago are forgotten first', () => {
  const h = new FrameHistory(8, 100);
  for (let gfn = 0; gfn < 60; gfn++) h.record(3, gfn, { at: gfn, from: 0, to: 2, source: 'scan' });
  // frame 0 changes again: it is now the most recent
  h.record(3, 0, { at: 100, from: 2, to: 0, source: 'scan' });
  assert.equal(h.size, 61);
  for (let gfn = 60; gfn < 110; gfn++) h.record(3, gfn, { at: gfn + 100, from: 0, to: 2, source: 'scan' });
  assert.ok(h.size <= 100, `${h.size} transitions held`);
  assert.equal(h.of(3, 0).length, 2, 'the frame changed recently keeps its history');
  assert.equal(h.of(3, 1).length, 0, 'the frame changed longest ago is forgotten');
  assert.equal(h.of(3, 109).length, 1);
});

test('rescans record each frame\'s transitions with their time, codes and source', async () => {
  const { s, api, clock } = await setup();
  const truth = api.truth.get(3)!;
  await s().startScan();
  api.run(api.lastScanId);
  assert.equal(s().historyVersion, 0);
  const gfn = [...truth.keys()].find((g) => truth[g] === 0)!;
  truth[gfn] = 2;
  clock.advance(5000);
  const t1 = clock.now();
  await s().startScan();
  api.run(api.lastScanId);
  truth[gfn] = 22;
  clock.advance(5000);
  await s().startScan();
  api.run(api.lastScanId);
  assert.ok(s().historyVersion >= 2);
  assert.deepEqual(s().frameHistory(gfn).map((t) => ({ ...t })), [
    { at: t1, from: 0, to: 2, source: 'scan' },
    { at: t1 + 5000, from: 2, to: 22, source: 'scan' },
  ]);
  // frames that never changed have none
  assert.equal(s().frameHistory(gfn + 1).length, 0);
});

test('timeline points come from scan ends: the summary counts and the end time', () => {
  const summary = {
    domain: 3, first: 0, last: 999, frames: 1000, scanned: 1000, counts: { mapped: 900, paged: 60, invalid: 40 }, errnos: {},
    abi: 'v2' as const, durationMs: 5, mode: 'observe' as const, batch: 1024, retry: null, cancelled: false, error: null,
  };
  assert.deepEqual(timelinePointOf('s1', 'scan', summary, 1234), {
    scanId: 's1', kind: 'scan', domain: 3, at: 1234, first: 0, last: 999, mapped: 900, paged: 60, invalid: 40,
  });
  // a scan stopped early describes part of the range: no point
  assert.equal(timelinePointOf('s2', 'scan', { ...summary, scanned: 400, cancelled: true }, 1), null);
  const t = new Timeline();
  t.add(timelinePointOf('a', 'scan', summary, 1000)!);
  t.add(timelinePointOf('b', 'page-in', { ...summary, domain: 1 }, 2000)!);
  t.add(timelinePointOf('c', 'page-in', { ...summary, counts: { mapped: 960, paged: 0, invalid: 40 } }, 3000)!);
  t.add(timelinePointOf('d', 'scan', summary, 3000)!); // the same millisecond
  const s = t.series(3);
  assert.deepEqual(s.points.map((p) => p.scanId), ['a', 'c', 'd']);
  assert.deepEqual([...s.paged], [60, 0, 60]);
  assert.equal(s.x[0], 1);
  assert.ok(s.x[2] > s.x[1], 'x keeps increasing');
  for (let i = 0; i < TIMELINE_MAX_POINTS + 10; i++) t.add(timelinePointOf(`p${i}`, 'scan', summary, 4000 + i)!);
  assert.equal(t.points.length, TIMELINE_MAX_POINTS);
  assert.equal(t.points[0].scanId, 'p10');
});

test('the store\'s timeline grows with each scan and page-in of the domain on show', async () => {
  const { s, api } = await setup();
  await s().startScan();
  api.run(api.lastScanId);
  await s().startPageIn({ first: 0, last: 4999 });
  api.run(api.lastScanId);
  // stopped early: no point
  await s().startScan();
  api.chunks(api.lastScanId, 1000, 2);
  await s().stopScan();
  api.end(api.lastScanId);
  assert.equal(s().timelineVersion, 2);
  const series = s().timelineSeries();
  assert.deepEqual(series.points.map((p) => p.kind), ['scan', 'page-in']);
  assert.equal(series.points[1].mapped + series.points[1].paged + series.points[1].invalid, 5000);
  // another domain has its own timeline
  s().selectDomain(1);
  assert.equal(s().timelineSeries().points.length, 0);
});

test('auto-rescan: the next rescan starts an interval after the previous one ended', async () => {
  const { s, api, clock } = await setup();
  s().setRangeText('first', '0x100');
  s().setRangeText('last', '0x1ff');
  s().setAutoRescanInterval(2000);
  s().setAutoRescan(true);
  // turned on while idle: a rescan starts at once
  clock.advance(0);
  await tick();
  const started = () => api.calls.filter((c) => c.method === 'startScan').length;
  assert.equal(started(), 1);
  assert.deepEqual(api.calls.at(-1)?.args[0], { domain: 3, mode: 'observe', first: 0x100, last: 0x1ff });
  // a slow scan: nothing else starts while it runs
  clock.advance(10_000);
  await tick();
  assert.equal(started(), 1);
  api.run(api.lastScanId);
  assert.equal(s().nextRescanAt, clock.now() + 2000);
  clock.advance(1999);
  await tick();
  assert.equal(started(), 1);
  clock.advance(1);
  await tick();
  assert.equal(started(), 2);
  api.run(api.lastScanId);
  // a new interval applies from the last end
  s().setAutoRescanInterval(5000);
  assert.equal(s().nextRescanAt, clock.now() + 5000);
  s().toggleAutoRescan();
  assert.equal(s().autoRescan, false);
  assert.equal(s().nextRescanAt, null);
  assert.equal(clock.pending, 0);
  clock.advance(60_000);
  await tick();
  assert.equal(started(), 2);
});

test('auto-rescan stops, saying why, when the range cannot be scanned', async () => {
  const { s, clock } = await setup();
  s().setRangeText('last', '0xfffffff');
  s().setAutoRescan(true);
  clock.advance(0);
  await tick();
  assert.equal(s().autoRescan, false);
  assert.match(s().notices.at(-1)?.text ?? '', /Auto-rescan stopped: .*past the domain's last frame/);
});

test('losing the connection turns auto-rescan off', async () => {
  const { s, clock } = await setup();
  s().setAutoRescan(true);
  s().setConnection('closed');
  assert.equal(s().autoRescan, false);
  assert.equal(clock.pending, 0);
});

test('a page opened later (or reloaded) starts its timeline from the session\'s earlier scans', async () => {
  const first = await setup();
  await first.s().startScan();
  first.api.run(first.api.lastScanId);
  await first.s().startPageIn({ first: 0, last: 4999 });
  first.api.run(first.api.lastScanId);
  first.dispose();
  // a second page on the same service
  const { store, dispose } = createFramescopeStore(first.api, 'local', { clock: new ManualClock() });
  try {
    await store.getState().init();
    store.getState().selectDomain(3);
    const points = store.getState().timelineSeries().points;
    assert.deepEqual(points.map((p) => p.kind), ['scan', 'page-in']);
    assert.deepEqual(points.map((p) => p.scanId), [...first.api.records.keys()]);
  } finally {
    dispose();
  }
});
