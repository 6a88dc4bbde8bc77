/** Paging over time through the inspector: scan history, snapshots, diff, search, sources. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { InspectorEvent, SearchHit } from '../../app/api';
import { Inspector, startInspector } from '../../app/inspector-client';
import { scanToEnd } from '../../app/scan-to-end';
import { decodeSnapshot } from '../../app/snapshot';
import { writeDump } from '../fakes/dump-builders';

let inspector: Inspector;

before(async () => {
  inspector = await startInspector({ backend: 'sim', simClock: 'stepped', allowOpenSource: true });
});

after(async () => {
  await inspector.close();
});

test('snapshots: export a scan, import it back, diff it against a live scan', async () => {
  const first = await scanToEnd(inspector, { domain: 3, first: 0, last: 0xffff });
  const record = (await inspector.listScans()).at(-1)!;
  assert.deepEqual(record.summary.counts, first.counts);
  const file = await inspector.exportScan({ scanId: record.scanId, format: 'snapshot' });
  assert.match(file.fileName, /^web-01-\d{4}-\d\d-\d\dT[\d-]+\.fsnap$/);
  const snapshot = decodeSnapshot(file.bytes);
  assert.deepEqual(snapshot.header.counts, first.counts);
  assert.equal(snapshot.header.backend, 'sim');
  const imported = await inspector.importSnapshot({ fileName: file.fileName, bytes: file.bytes });
  assert.equal(imported.kind, 'snapshot');
  assert.equal(imported.origin.backend, 'sim');
  const live = await scanToEnd(inspector, { domain: 3, first: 0, last: 0xffff });
  const liveRecord = (await inspector.listScans()).at(-1)!;
  const d = await inspector.diffScans({ a: imported.scanId, b: liveRecord.scanId });
  assert.equal(d.compared, 0x10000);
  assert.equal(d.changed, 0, 'a frozen host does not change between two scans');
  assert.deepEqual((await inspector.scanRecord(imported.scanId)).codes, (await inspector.scanRecord(record.scanId)).codes);
  assert.deepEqual(live.counts, first.counts);
  const csv = await inspector.exportScan({ scanId: liveRecord.scanId, format: 'csv' });
  assert.match(Buffer.from(csv.bytes).toString('utf8'), /^first_gfn,last_gfn,frames,status,errno\n0x0,/);
  await assert.rejects(inspector.importSnapshot({ fileName: 'broken.fsnap', bytes: file.bytes.subarray(0, 50) }), /broken\.fsnap: truncated/);
  await assert.rejects(inspector.scanRecord('no-such-scan'), /no scan no-such-scan in this session/);
});

async function search(request: import('../../app/api').SearchRequest) {
  const hits: SearchHit[] = [];
  const started = await inspector.startSearch(request);
  const summary = await new Promise<import('../../app/api').SearchSummary>((resolve) => {
    const off = inspector.onEvent((e: InspectorEvent) => {
      if (e.type === 'search-hits' && e.searchId === started.searchId) hits.push(...e.hits);
      if (e.type === 'search-end' && e.searchId === started.searchId) {
        off();
        resolve(e.summary);
      }
    });
  });
  return { started, summary, at: hits.map((h) => `${h.gfn.toString(16)}:${h.offset.toString(16)}`) };
}

test('search: hits stream in where the emulator planted the strings, across frames too', async () => {
  const markers = await search({ domain: 3, first: 0, last: 0x3fff, text: 'MARKER' });
  assert.equal(markers.started.pattern, Buffer.from('MARKER').toString('hex'));
  assert.equal(markers.summary.error, null);
  // "FRAMESCOPE-MARKER" at 0x1234:0x100, "BOUNDARY-MARKER" from 0x2000:0xffa into 0x2001
  assert.deepEqual(markers.at, ['1234:10b', '2001:3']);
  assert.equal(markers.summary.hits, 2);
  const straddling = await search({ domain: 3, first: 0, last: 0x3fff, text: 'BOUNDARY-MARKER' });
  assert.deepEqual(straddling.at, ['2000:ffa']);
  const utf16 = await search({ domain: 3, first: 0x4000, last: 0x4fff, text: 'utf16-marker', encoding: 'utf16le' });
  assert.deepEqual(utf16.at, ['4242:21c']); // after "C:\\framescope\\", 14 UTF-16 units into the string at 0x200
  await assert.rejects(inspector.startSearch({ domain: 3, hex: 'zz' }), /not hex bytes/);
});

test('opening a dump, then the host again, tells every listener', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-open-'));
  const dump = path.join(dir, 'guest.raw');
  writeDump(dump, { kind: 'raw', frames: 64 });
  const seen: string[] = [];
  const off = inspector.onEvent((e) => {
    if (e.type === 'source-changed') seen.push(e.host.backend);
  });
  try {
    const host = await inspector.openSource({ kind: 'dump', path: dump });
    assert.equal(host.backend, 'dump');
    assert.deepEqual((await inspector.listDomains()).map((d) => d.name), ['guest.raw']);
    const s = await scanToEnd(inspector, { domain: 0 });
    assert.equal(s.counts.mapped, 64);
    await assert.rejects(inspector.openSource({ kind: 'dump', path: path.join(dir, 'missing') }), /missing/);
    assert.equal((await inspector.hostInfo()).backend, 'dump', 'a failed open keeps the current source');
    const back = await inspector.openSource({ kind: 'host' });
    assert.equal(back.backend, 'sim');
    assert.equal((await inspector.listDomains()).length, 7);
  } finally {
    off();
  }
  assert.deepEqual(seen, ['dump', 'sim']);
});

test('where opening files is not allowed, openSource is refused', async () => {
  const server = await startInspector({ backend: 'sim', simClock: 'stepped' });
  try {
    await assert.rejects(server.openSource({ kind: 'dump', path: '/etc/passwd' }), /may not open other sources/);
  } finally {
    await server.close();
  }
});
