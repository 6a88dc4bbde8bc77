/**
 * The renderer's store against the real inspector (mapper worker, simulated host, stepped
 * clock): the legend's counts, kept from the chunks, equal the scanner's summary, for a whole
 * domain, a partial rescan and a stopped scan.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Inspector, startInspector } from '../../app/inspector-client';
import { CodeHistogram, createFramescopeStore, isScanActive } from '../../renderer/store';
import type { FramescopeStore } from '../../renderer/store';

let inspector: Inspector;

before(async () => {
  inspector = await startInspector({ backend: 'sim', simClock: 'stepped' });
});

after(async () => {
  await inspector.close();
});

/** Resolves once the store's scan has ended. */
function scanEnded(store: FramescopeStore): Promise<void> {
  return new Promise((resolve) => {
    if (!isScanActive(store.getState().scan)) return resolve();
    const unsubscribe = store.subscribe((s) => {
      if (!isScanActive(s.scan)) {
        unsubscribe();
        resolve();
      }
    });
  });
}

test('whole domain, partial rescan and stop: the legend equals what the scanner reports', async () => {
  const { store, dispose } = createFramescopeStore(inspector);
  const s = () => store.getState();
  try {
    await s().init();
    s().selectDomain(1);
    await s().startScan();
    await scanEnded(store);
    const whole = s().scan!;
    assert.equal(whole.phase, 'done');
    assert.equal(whole.countsCheck, 'ok');
    const { mapped, paged, invalid, unscanned, total } = s().counts;
    assert.deepEqual({ mapped, paged, invalid }, whole.summary!.counts);
    assert.equal(unscanned, 0);
    assert.equal(total, 0x100000);

    // A rescan of part of it: the counts stay exact over the whole domain.
    const before = Uint8Array.from(s().frameBuffer()!.codes);
    await s().startScan({ first: 0x1000, last: 0x3fff });
    await scanEnded(store);
    assert.equal(s().scan!.countsCheck, 'ok');
    assert.equal(s().scan!.summary!.frames, 0x3000);
    const after = s().frameBuffer()!.codes;
    assert.deepEqual(after.subarray(0, 0x1000), before.subarray(0, 0x1000));
    assert.deepEqual(after.subarray(0x4000), before.subarray(0x4000));
    const h = new CodeHistogram();
    h.add(after);
    assert.deepEqual(s().counts, h.counts());

    // A stopped scan of a bigger domain: whatever arrived before the end is counted exactly.
    s().selectDomain(5);
    const started = s().startScan();
    await started;
    await s().stopScan();
    await scanEnded(store);
    const stopped = s().scan!;
    assert.equal(stopped.phase, 'done');
    assert.equal(stopped.summary!.cancelled, true);
    assert.ok(stopped.summary!.scanned < stopped.frames);
    assert.equal(stopped.countsCheck, 'ok');
    assert.equal(s().counts.total - s().counts.unscanned, stopped.summary!.scanned);
  } finally {
    dispose();
  }
});

test('readFrame through the store: bytes for a mapped frame, none for a hole', async () => {
  const { store, dispose } = createFramescopeStore(inspector);
  const s = () => store.getState();
  try {
    await s().init();
    s().selectDomain(1);
    s().selectFrame(0xfeffc);
    await s().readSelected('observe');
    assert.equal(s().frameRead?.code, 0);
    assert.equal(s().frameRead?.bytes?.length, 4096);
    s().selectFrame(0xa0);
    await s().readSelected('observe');
    assert.equal(s().frameRead?.codeName, 'EINVAL');
    assert.equal(s().frameRead?.bytes, null);
  } finally {
    dispose();
  }
});
