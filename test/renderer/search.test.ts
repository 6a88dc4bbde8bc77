import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { DomainInfo, SearchHit } from '../../app/api';
import { createFramescopeStore } from '../../renderer/store';
import { SearchHits } from '../../renderer/store/search-hits';
import { normaliseHex } from '../../renderer/store/search-slice';
import { FakeScanApi, sampleCodes } from './fake-scan-api';

const DOMAINS: DomainInfo[] = [{ id: 3, name: 'web-01', memoryKiB: 4_000_000, maxMemoryKiB: null, frames: 0x10000 }];

function hit(gfn: number, offset: number): SearchHit {
  return { gfn, offset, context: new Uint8Array(40), contextOffset: 16 };
}

async function setup() {
  const api = new FakeScanApi(DOMAINS);
  api.truth.set(3, sampleCodes(0x10000, 3));
  const { store } = createFramescopeStore(api);
  await store.getState().init();
  return { api, store, s: () => store.getState() };
}

test('hits mark their frames, and the frames a match runs into', () => {
  const hits = new SearchHits();
  hits.reset('BOUNDARY-MARKER'.length);
  hits.add([hit(0x2000, 4090), hit(0x1234, 0x100)]);
  hits.add([hit(0x1234, 0x800), hit(0x10, 4096 - 15)]);
  // 0x2000 + 4090 + 15 bytes runs into 0x2001; a match ending at the last byte does not
  assert.deepEqual(hits.frames(), [0x10, 0x1234, 0x2000, 0x2001]);
  assert.deepEqual(hits.inRange(0x1000, 0x2000), [0x1234, 0x2000]);
  assert.deepEqual(hits.inRange(0x2002, 0xffff), []);
  assert.equal(hits.isMarked(0x2001), true);
  assert.equal(hits.isMarked(0x2002), false);
  assert.equal(hits.count, 4);
  hits.reset(4);
  assert.deepEqual(hits.frames(), []);
});

test('hex queries take pairs of hex digits in any spacing', () => {
  assert.deepEqual(normaliseHex('de ad BE ef'), { ok: true, hex: 'deadbeef' });
  assert.deepEqual(normaliseHex('0xde,0xad'), { ok: true, hex: 'dead' });
  assert.equal(normaliseHex('dea').ok, false);
  assert.equal(normaliseHex('zz').ok, false);
  assert.equal(normaliseHex('  ').ok, false);
});

test('a text search over the scan range: request, progress, hits and end', async () => {
  const { s, api } = await setup();
  s().setRangeText('first', '0x1000');
  s().setRangeText('last', '0x4fff');
  s().setSearchText('FRAMESCOPE-MARKER');
  assert.equal(await s().startSearch(), true);
  assert.deepEqual(api.calls.at(-1)?.args[0], {
    domain: 3, text: 'FRAMESCOPE-MARKER', encoding: 'ascii', first: 0x1000, last: 0x4fff, maxHits: 1000,
  });
  const id = api.lastSearchId;
  assert.equal(s().search?.phase, 'running');
  assert.equal(s().search?.pattern, Buffer.from('FRAMESCOPE-MARKER').toString('hex'));
  api.emit({ type: 'search-hits', searchId: id, hits: [], scanned: 0x2000, frames: 0x4000 });
  api.emit({ type: 'search-hits', searchId: id, hits: [hit(0x1234, 0x100)], scanned: 0, frames: 0x4000 });
  // a hits event carries scanned 0: progress does not go back
  assert.equal(s().search?.scanned, 0x2000);
  assert.equal(s().search?.hits, 1);
  assert.deepEqual(s().searchHits().frames(), [0x1234]);
  api.emit({ type: 'search-hits', searchId: 'another', hits: [hit(7, 0)], scanned: 1, frames: 1 });
  assert.equal(s().search?.hits, 1);
  api.emit({
    type: 'search-end', searchId: id,
    summary: { pattern: s().search!.pattern, frames: 0x4000, scanned: 0x4000, mappedFrames: 0x3000, bytesSearched: 0x3000 * 4096, hits: 1, truncated: false, cancelled: false, durationMs: 12, error: null },
  });
  assert.equal(s().search?.phase, 'done');
  // the hit: the frame selected, the hex view told where the match is
  s().showHit(0);
  assert.equal(s().selectedGfn, 0x1234);
  assert.deepEqual(s().hexHighlight, { gfn: 0x1234, offset: 0x100, length: 'FRAMESCOPE-MARKER'.length });
  assert.equal(api.calls.at(-1)?.method, 'readFrame');
});

test('UTF-16 text, hex bytes, and a range of the search\'s own', async () => {
  const { s, api } = await setup();
  s().setSearchKind('utf16le');
  s().setSearchText('C:\\framescope');
  s().setSearchRange('first', '0x4000');
  await s().startSearch();
  assert.deepEqual(api.calls.at(-1)?.args[0], { domain: 3, text: 'C:\\framescope', encoding: 'utf16le', first: 0x4000, last: 0xffff, maxHits: 1000 });
  api.emit({
    type: 'search-end', searchId: api.lastSearchId,
    summary: { pattern: '', frames: 1, scanned: 1, mappedFrames: 1, bytesSearched: 1, hits: 0, truncated: false, cancelled: false, durationMs: 1, error: null },
  });
  s().setSearchKind('hex');
  s().setSearchText('de ad');
  s().setSearchRange('first', '');
  await s().startSearch();
  // the whole domain: no range sent
  assert.deepEqual(api.calls.at(-1)?.args[0], { domain: 3, hex: 'dead', maxHits: 1000 });
  // stop: stopSearch, and a bad query starts nothing
  await s().stopSearch();
  assert.deepEqual(api.calls.at(-1), { method: 'stopSearch', args: [api.lastSearchId] });
  api.emit({
    type: 'search-end', searchId: api.lastSearchId,
    summary: { pattern: 'dead', frames: 1, scanned: 1, mappedFrames: 1, bytesSearched: 1, hits: 0, truncated: false, cancelled: true, durationMs: 1, error: null },
  });
  s().setSearchText('xyz');
  assert.equal(await s().startSearch(), false);
  assert.equal(s().searchQuery().ok, false);
});

test('a search that does not start says why', async () => {
  const { s, api } = await setup();
  s().setSearchText('x');
  api.failNext = { method: 'startSearch', error: new Error('pattern: too long') };
  assert.equal(await s().startSearch(), false);
  assert.equal(s().search?.phase, 'failed');
  assert.match(s().search?.error ?? '', /did not start: pattern: too long/);
});
