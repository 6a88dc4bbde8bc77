import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { DomainInfo } from '../../app/api';
import { createFramescopeStore } from '../../renderer/store';
import { FakeScanApi, fakeSnapshotBytes, sampleCodes } from './fake-scan-api';

const DOMAINS: DomainInfo[] = [{ id: 3, name: 'web-01', memoryKiB: 40000, maxMemoryKiB: null, frames: 10000 }];

async function setup() {
  const api = new FakeScanApi(DOMAINS.map((d) => ({ ...d })));
  api.truth.set(3, sampleCodes(10000, 3));
  const saved: Array<{ fileName: string; bytes: Uint8Array; mime: string }> = [];
  const files = { save: async (f: { fileName: string; bytes: Uint8Array; mime: string }) => (saved.push(f), `/home/me/${f.fileName}`) };
  const { store } = createFramescopeStore(api, 'local', { files });
  await store.getState().init();
  return { api, saved, store, s: () => store.getState() };
}

test('save and export take the latest scan of the domain on show, and say where they went', async () => {
  const { s, api, saved } = await setup();
  assert.equal(await s().exportScan('snapshot'), false);
  assert.match(s().notices.at(-1)?.text ?? '', /scan the domain first/);
  await s().startScan();
  api.run(api.lastScanId);
  assert.equal(s().scanOnShow(), api.lastScanId);
  assert.equal(await s().exportScan('csv'), true);
  assert.deepEqual(api.calls.at(-1), { method: 'exportScan', args: [{ scanId: api.lastScanId, format: 'csv' }] });
  assert.equal(saved.at(-1)?.mime, 'text/csv');
  assert.match(s().notices.at(-1)?.text ?? '', /Saved the CSV as \/home\/me\/web-01-scan-1\.csv/);
  // a cancelled save dialog is not an error
  const cancel = createFramescopeStore(api, 'local', { files: { save: async () => null } }).store;
  await cancel.getState().init();
  cancel.setState({ lastScanIds: { 3: api.lastScanId } });
  assert.equal(await cancel.getState().exportScan('json'), false);
  assert.equal(cancel.getState().notices.length, 0);
});

test('a past scan is shown in its own buffer; the live one keeps following scans', async () => {
  const { s, api } = await setup();
  await s().startScan();
  api.run(api.lastScanId);
  const first = api.lastScanId;
  const truth = api.truth.get(3)!;
  truth.fill(0);
  await s().startScan();
  assert.equal(await s().showRecord(first), true);
  assert.equal(s().pastView?.kind, 'scan');
  assert.equal(s().pastView?.record.scanId, first);
  // the live scan goes on underneath
  api.run(api.lastScanId);
  assert.equal(s().liveBuffer()!.counts().mapped, 10000);
  assert.notEqual(s().frameBuffer()!.counts().mapped, 10000);
  assert.deepEqual(s().counts, s().frameBuffer()!.counts());
  // save and export take the scan on show
  assert.equal(s().scanOnShow(), first);
  s().backToLive();
  assert.equal(s().counts.mapped, 10000);
  assert.equal(s().scanOnShow(), api.lastScanId);
});

test('a snapshot opens like a past scan, even of a domain not on this host', async () => {
  const { s, api } = await setup();
  const codes = Array.from(sampleCodes(500, 8));
  const bytes = fakeSnapshotBytes({ domain: 42, domainName: 'gone-guest', first: 100, codes });
  assert.equal(await s().importSnapshot('gone.fsnap', bytes), true);
  assert.equal(s().pastView?.kind, 'snapshot');
  assert.equal(s().pastView?.record.domainName, 'gone-guest');
  assert.equal(s().frameBuffer()?.frames, 600);
  assert.equal(s().counts.unscanned, 100);
  // a frame of it has statuses but no bytes to read
  const reads = api.calls.filter((c) => c.method === 'readFrame').length;
  s().selectFrame(150);
  assert.equal(s().readStatus, 'unavailable');
  assert.match(s().readError ?? '', /dom42 "gone-guest" is not on what is inspected now/);
  assert.equal(api.calls.filter((c) => c.method === 'readFrame').length, reads);
});

test('a corrupt snapshot says what is wrong in one line and changes nothing', async () => {
  const { s, api } = await setup();
  await s().startScan();
  api.run(api.lastScanId);
  const before = s().counts;
  assert.equal(await s().importSnapshot('bad.fsnap', new TextEncoder().encode('FSNAPSHT?')), false);
  const notice = s().notices.at(-1)!;
  assert.equal(notice.kind, 'error');
  assert.equal(notice.text, 'bad.fsnap: not a snapshot (bad magic)');
  assert.equal(s().pastView, null);
  assert.deepEqual(s().counts, before);
  // and the app keeps working
  assert.equal(await s().startScan(), true);
});

test('notices are bounded and dismissable', async () => {
  const { s } = await setup();
  for (let i = 0; i < 10; i++) s().notify('info', `n${i}`);
  assert.deepEqual(s().notices.map((n) => n.text), ['n6', 'n7', 'n8', 'n9']);
  s().dismissNotice(s().notices[0].id);
  assert.equal(s().notices.length, 3);
});

test('a source change (a dump opened) starts over on the new source', async () => {
  const { s, api } = await setup();
  s().setAutoRescan(true);
  await new Promise((resolve) => setImmediate(resolve));
  api.run(api.lastScanId);
  s().setAutoRescan(false);
  await s().startScan();
  const truth = api.truth.get(3)!;
  truth[0] = truth[0] === 0 ? 2 : 0;
  api.run(api.lastScanId);
  assert.equal(s().timelineSeries().points.length, 2);
  assert.equal(s().frameHistory(0).length, 1);
  s().setAutoRescan(true);
  // the desktop app opened a dump: one domain, named after the file
  api.domains.splice(0, api.domains.length, { id: 0, name: 'web-01.core', memoryKiB: 4096, maxMemoryKiB: null, frames: 1024 });
  api.truth.set(0, sampleCodes(1024, 5));
  const host = { ...(await api.hostInfo()), backend: 'dump' as const, simulated: false, description: 'xl dump-core /srv/web-01.core (1024 frames present of 1024)' };
  api.emit({ type: 'source-changed', host });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(s().host?.backend, 'dump');
  assert.equal(s().autoRescan, false);
  assert.deepEqual(s().domains.map((d) => d.name), ['web-01.core']);
  assert.equal(s().domainId, 0);
  assert.deepEqual(s().counts, { mapped: 0, paged: 0, invalid: 0, unscanned: 1024, total: 1024 });
  assert.equal(s().scanOnShow(), null);
  // and scanning the dump works
  await s().startScan();
  api.run(api.lastScanId);
  assert.equal(s().counts.unscanned, 0);
  // back to the host: what was known of it before the dump is gone too (it may have changed since)
  api.domains.splice(0, api.domains.length, ...DOMAINS.map((d) => ({ ...d })));
  api.emit({ type: 'source-changed', host: await api.hostInfo() });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(s().domainId, 3);
  assert.equal(s().counts.unscanned, 10000);
  assert.equal(s().timelineSeries().points.length, 0);
  assert.equal(s().frameHistory(0).length, 0);
});
