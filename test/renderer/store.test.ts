import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { DomainInfo } from '../../app/api';
import { CodeHistogram, createFramescopeStore } from '../../renderer/store';
import { layoutOf } from '../../renderer/store/view-slice';
import { encodeCodes } from '../../app/chunk-codec';
import { FakeScanApi, sampleCodes } from './fake-scan-api';

const rawChunk = encodeCodes;

const DOMAINS: DomainInfo[] = [
  { id: 0, name: 'Domain-0', memoryKiB: 1048576, maxMemoryKiB: 1048576, frames: 0x4000 },
  { id: 3, name: 'web-01', memoryKiB: 2097152, maxMemoryKiB: null, frames: 50000 },
  { id: 7, name: 'mystery', memoryKiB: null, maxMemoryKiB: null, frames: null },
];

async function setup() {
  const api = new FakeScanApi(DOMAINS);
  api.truth.set(3, sampleCodes(50000, 3));
  api.truth.set(7, sampleCodes(3000, 7));
  const { store, dispose } = createFramescopeStore(api);
  await store.getState().init();
  return { api, store, dispose, s: () => store.getState() };
}

function countsOf(codes: Uint8Array) {
  const h = new CodeHistogram();
  h.add(codes);
  return h.counts();
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('init loads the host and shows a guest rather than dom0', async () => {
  const { s, api } = await setup();
  assert.equal(s().hostStatus, 'ready');
  assert.equal(s().host?.simulated, true);
  assert.equal(s().domains.length, 3);
  assert.equal(s().domainId, 3);
  assert.deepEqual(s().counts, { mapped: 0, paged: 0, invalid: 0, unscanned: 50000, total: 50000 });
  assert.equal(api.listenerCount, 1);
});

test('init failure lands in state, not in an exception', async () => {
  const api = new FakeScanApi(DOMAINS);
  api.failNext = { method: 'hostInfo', error: new Error('ECONNREFUSED') };
  const { store } = createFramescopeStore(api);
  await store.getState().init();
  assert.equal(store.getState().hostStatus, 'error');
  assert.match(store.getState().hostError ?? '', /ECONNREFUSED/);
});

test('after a whole-domain scan the legend counts equal the summary', async () => {
  const { s, api } = await setup();
  await s().startScan();
  assert.equal(s().scan?.phase, 'running');
  assert.deepEqual(api.calls.find((c) => c.method === 'startScan')?.args[0], { domain: 3, mode: 'observe' });
  const versions: number[] = [];
  api.chunks(api.lastScanId, 4096, 3);
  versions.push(s().bufferVersion);
  assert.equal(s().scan?.scanned, 3 * 4096);
  assert.equal(s().counts.unscanned, 50000 - 3 * 4096);
  const summary = api.run(api.lastScanId, 4096);
  const run = s().scan!;
  assert.equal(run.phase, 'done');
  assert.equal(run.countsCheck, 'ok');
  assert.equal(run.error, null);
  const { mapped, paged, invalid, unscanned, total } = s().counts;
  assert.deepEqual({ mapped, paged, invalid }, summary.counts);
  assert.equal(unscanned, 0);
  assert.equal(total, 50000);
  assert.deepEqual(s().frameBuffer()!.codes, api.truth.get(3));
  assert.ok(s().bufferVersion > versions[0]);
  assert.ok(s().invalidCodes.length > 0);
});

test('events of another scanId are ignored', async () => {
  const { s, api } = await setup();
  await s().startScan();
  const before = s().bufferVersion;
  api.emit({ type: 'chunk', scanId: 'someone-else', first: 0, ...rawChunk(new Uint8Array(100).fill(2)), scanned: 100, elapsedMs: 1 });
  api.emit({ type: 'end', scanId: 'someone-else', summary: api.summary(api.lastScanId) });
  assert.equal(s().bufferVersion, before);
  assert.equal(s().counts.paged, 0);
  assert.equal(s().scan?.phase, 'running');
  assert.equal(s().scan?.scanned, 0);
});

test('a partial rescan updates only its range and keeps the counts exact', async () => {
  const { s, api } = await setup();
  await s().startScan();
  api.run(api.lastScanId, 5000);
  const truth = api.truth.get(3)!;
  const before = Uint8Array.from(truth);
  // The guest changed: part of it is paged out now.
  truth.fill(2, 10000, 20000);
  truth.fill(22, 30000, 30100);
  s().setBoxRange({ first: 12000, last: 30049 });
  await s().rescanBox();
  assert.equal(s().boxRange, null);
  assert.deepEqual(api.calls.filter((c) => c.method === 'startScan').at(-1)?.args[0], { domain: 3, mode: 'observe', first: 12000, last: 30049 });
  const summary = api.run(api.lastScanId, 4000);
  assert.equal(summary.frames, 30049 - 12000 + 1);
  const expected = Uint8Array.from(before);
  expected.set(truth.subarray(12000, 30050), 12000);
  const codes = s().frameBuffer()!.codes;
  assert.deepEqual(codes, expected);
  assert.deepEqual(s().counts, countsOf(expected));
  assert.equal(s().scan?.countsCheck, 'ok');
  // frames outside the range kept their old codes
  assert.equal(codes[11999], before[11999]);
  assert.equal(codes[10000], before[10000]);
});

test('a rescan of a typed range', async () => {
  const { s, api } = await setup();
  s().setRangeText('first', '0x100');
  s().setRangeText('last', '511');
  await s().startScan();
  assert.deepEqual(api.calls.at(-1)?.args[0], { domain: 3, mode: 'observe', first: 256, last: 511 });
  api.run(api.lastScanId);
  assert.equal(s().counts.unscanned, 50000 - 256);
});

test('an invalid typed range does not start a scan', async () => {
  const { s, api } = await setup();
  s().setRangeText('last', '0xfffffff');
  await s().startScan();
  assert.equal(s().scan, null);
  assert.equal(api.calls.filter((c) => c.method === 'startScan').length, 0);
});

test('stop: stopScan is called and the cancelled end finishes the run', async () => {
  const { s, api } = await setup();
  s().setScanMode('retry');
  s().setScanBatch(256);
  await s().startScan();
  assert.deepEqual(api.calls.at(-1)?.args[0], { domain: 3, mode: 'retry', batch: 256 });
  const id = api.lastScanId;
  api.chunks(id, 1000, 5);
  await s().stopScan();
  assert.deepEqual(api.calls.at(-1), { method: 'stopScan', args: [id] });
  assert.equal(s().scan?.phase, 'stopping');
  api.chunks(id, 1000); // nothing: stopped
  const summary = api.end(id);
  assert.equal(summary.cancelled, true);
  assert.equal(s().scan?.phase, 'done');
  assert.equal(s().scan?.summary?.cancelled, true);
  assert.equal(s().scan?.countsCheck, 'ok');
  assert.equal(s().counts.unscanned, 50000 - 5000);
  // a new scan can start
  await s().startScan();
  assert.equal(s().scan?.phase, 'running');
});

test('stop while startScan has not answered stops the scan once it has an id', async () => {
  const { s, api } = await setup();
  let open!: () => void;
  api.startGate = new Promise((resolve) => (open = resolve));
  const starting = s().startScan();
  await tick();
  assert.equal(s().scan?.phase, 'starting');
  await s().stopScan();
  assert.equal(s().scan?.phase, 'stopping');
  open();
  await starting;
  assert.deepEqual(api.calls.at(-1), { method: 'stopScan', args: [api.lastScanId] });
  api.end(api.lastScanId);
  assert.equal(s().scan?.phase, 'done');
});

test('events that overtake the startScan answer are replayed, not lost', async () => {
  const { s, api } = await setup();
  let open!: () => void;
  api.startGate = new Promise((resolve) => (open = resolve));
  const starting = s().startScan();
  await tick();
  // The transport delivers the first chunk before the answer: the id is scan-1.
  api.emit({ type: 'chunk', scanId: 'scan-1', first: 0, ...rawChunk(new Uint8Array(10).fill(2)), scanned: 10, elapsedMs: 1 });
  api.emit({ type: 'chunk', scanId: 'stale-scan', first: 10, ...rawChunk(new Uint8Array(10).fill(2)), scanned: 10, elapsedMs: 1 });
  open();
  await starting;
  assert.equal(api.lastScanId, 'scan-1');
  assert.equal(s().counts.paged, 10);
  assert.equal(s().scan?.scanned, 10);
});

test('errors land in state: startScan refused, summary.error, stopScan failing', async () => {
  const { s, api } = await setup();
  api.failNext = { method: 'startScan', error: new RangeError('range 0x0-0xc34f goes past the end') };
  await s().startScan();
  assert.equal(s().scan?.phase, 'failed');
  assert.match(s().scan?.error ?? '', /did not start: range 0x0-0xc34f goes past the end/);

  await s().startScan();
  api.chunks(api.lastScanId, 1000, 2);
  api.end(api.lastScanId, { error: 'privcmd: EFAULT in batch at 0x7d0' });
  assert.equal(s().scan?.phase, 'done');
  assert.equal(s().scan?.error, 'privcmd: EFAULT in batch at 0x7d0');

  await s().startScan();
  api.failNext = { method: 'stopScan', error: new Error('the inspector is closed') };
  await s().stopScan();
  assert.equal(s().scan?.phase, 'failed');
  assert.match(s().scan?.error ?? '', /inspector is closed/);
});

test('a summary that disagrees with the chunks is reported', async () => {
  const { s, api } = await setup();
  await s().startScan();
  api.chunks(api.lastScanId, 10000);
  const summary = api.summary(api.lastScanId);
  api.emit({ type: 'end', scanId: api.lastScanId, summary: { ...summary, counts: { ...summary.counts, paged: summary.counts.paged + 1 } } });
  assert.match(String(s().scan?.countsCheck), /^paged: chunks/);
});

test('losing the connection fails the running scan', async () => {
  const { s } = await setup();
  await s().startScan();
  s().setConnection('closed');
  assert.equal(s().scan?.phase, 'failed');
  assert.match(s().scan?.error ?? '', /connection/);
});

test('a domain of unknown size learns it from ScanStarted', async () => {
  const { s, api } = await setup();
  s().selectDomain(7);
  assert.equal(s().frameBuffer()?.frames, 0);
  s().setRangeText('first', '0');
  s().setRangeText('last', '2999');
  await s().startScan();
  assert.equal(s().frameBuffer()?.frames, 3000);
  api.run(api.lastScanId);
  assert.equal(s().counts.total, 3000);
  assert.equal(s().counts.unscanned, 0);
});

test('switching domains keeps each domain\'s results', async () => {
  const { s, api } = await setup();
  await s().startScan();
  api.run(api.lastScanId);
  const counts = s().counts;
  s().selectDomain(0);
  assert.equal(s().counts.unscanned, 0x4000);
  s().selectDomain(3);
  assert.deepEqual(s().counts, counts);
  s().clearResults();
  assert.equal(s().counts.unscanned, 50000);
});

test('chunks of a scan of another domain do not touch the legend on show', async () => {
  const { s, api } = await setup();
  await s().startScan();
  s().selectDomain(0);
  api.run(api.lastScanId);
  assert.equal(s().counts.unscanned, 0x4000);
  s().selectDomain(3);
  assert.equal(s().counts.unscanned, 0);
});

test('selecting a frame reads it; retry reads in retry mode; stale answers are dropped', async () => {
  const { s, api } = await setup();
  s().selectFrame(5);
  assert.equal(s().readStatus, 'loading');
  s().selectFrame(6);
  await tick();
  assert.equal(s().selectedGfn, 6);
  assert.equal(s().frameRead?.gfn, 6);
  assert.equal(s().readStatus, 'ready');
  await s().readSelected('retry');
  assert.deepEqual(api.calls.at(-1)?.args[0], { domain: 3, gfn: 6, mode: 'retry' });
  assert.equal(s().readMode, 'retry');
  api.failNext = { method: 'readFrame', error: new Error('EFAULT') };
  await s().readSelected('observe');
  assert.equal(s().readStatus, 'error');
  assert.equal(s().readError, 'EFAULT');
  s().selectFrame(null);
  assert.equal(s().frameRead, null);
});

test('view actions: fit, zoom around a point, aligned rows keep the centre', async () => {
  const { s } = await setup();
  s().setFramesPerRow(512);
  s().setViewport(1000, 500);
  assert.equal(s().layoutMode, 'aligned');
  s().fit();
  const fit = s().view;
  assert.equal(fit.cellPx, Math.min(1000 / 512, 500 / Math.ceil(50000 / 512)));
  s().zoomAt(4, 100, 100);
  assert.ok(Math.abs(s().view.cellPx - 4 * fit.cellPx) < 1e-9);
  const gfn = 39 * 512 + 200;
  s().revealGfn(gfn, 10);
  const centreGfn = () => {
    const v = s().view;
    return layoutOf(s()).gfnAt(Math.floor(v.originX + 500 / v.cellPx), Math.floor(v.originY + 250 / v.cellPx));
  };
  assert.equal(s().view.cellPx, 10);
  assert.equal(centreGfn(), gfn);
  s().setFramesPerRow(256);
  assert.equal(centreGfn(), gfn);
  s().fit();
  assert.equal(s().view.originY, 0);
});

test('the default layout fits the guest to the window, and a resize fits it again', async () => {
  const { s } = await setup();
  s().setViewport(1000, 500);
  assert.equal(s().layoutMode, 'fit');
  const filled = () => {
    const l = layoutOf(s());
    const cell = s().view.cellPx;
    return (l.frames * cell * cell) / (s().viewport.width * s().viewport.height);
  };
  assert.ok(filled() > 0.85, `fills ${filled()}`);
  const cols = layoutOf(s()).cols;
  s().setViewport(400, 900);
  assert.ok(layoutOf(s()).cols < cols, 'a tall window: narrower rows');
  assert.ok(filled() > 0.85, `after the resize fills ${filled()}`);
  // zoomed in by the user: a resize keeps the zoom
  s().zoomBy(3);
  const zoomed = s().view.cellPx;
  s().setViewport(410, 905);
  assert.equal(s().view.cellPx, zoomed);
});

test('the hover follows the grid when a key pans it: the tooltip never names the frame that was there', async () => {
  const { s } = await setup();
  s().setFramesPerRow(512);
  s().setViewport(1000, 500);
  s().setView({ cellPx: 10, originX: 0, originY: 0 });
  s().setHover({ gfn: 512 * 2 + 3, x: 35, y: 25 });
  s().panBy(0, -100); // ArrowDown moves the content up by 100 px: ten rows
  assert.equal(s().hover?.gfn, 512 * 12 + 3);
  s().revealGfn(40000, 10);
  const v = s().view;
  assert.equal(s().hover?.gfn, layoutOf(s()).gfnAt(Math.floor(v.originX + 35 / v.cellPx), Math.floor(v.originY + 25 / v.cellPx)));
});

test('a highlighted errno: next and previous select its frames in order, wrapping round', async () => {
  const { s, api } = await setup();
  assert.equal(await s().startScan(), true);
  api.run(api.lastScanId, 4096);
  const buffer = s().frameBuffer()!;
  const code = buffer.codes.find((c) => c !== 0 && c !== 2 && c !== 255)!;
  const frames = [...buffer.codes.keys()].filter((g) => buffer.codes[g] === code);
  assert.ok(frames.length > 2);
  s().toggleHighlight({ kind: 'code', code });
  assert.equal(s().stepHighlight(1), frames[0]);
  assert.equal(s().selectedGfn, frames[0]);
  assert.equal(s().stepHighlight(1), frames[1]);
  assert.equal(s().stepHighlight(-1), frames[0]);
  assert.equal(s().stepHighlight(-1), frames[frames.length - 1], 'wraps round');
  s().toggleHighlight({ kind: 'code', code });
  assert.equal(s().highlight, null, 'the same button again turns it off');
  assert.equal(s().stepHighlight(1), null);
});

test('dispose stops listening', async () => {
  const api = new FakeScanApi(DOMAINS);
  const { dispose } = createFramescopeStore(api);
  assert.equal(api.listenerCount, 1);
  dispose();
  assert.equal(api.listenerCount, 0);
});
