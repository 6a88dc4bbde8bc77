/**
 * Page-in through the inspector, on a host of its own (the emulator is per process, so this
 * file runs apart from the other inspector tests).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import type { ScanChunk, ScanSummary } from '../../app/api';
import { Inspector, startInspector } from '../../app/inspector-client';
import { scanToEnd } from '../../app/scan-to-end';
import { loadEmulator } from '../../native/emulator';

/** The worker's emulator is this process's: time moves when the test says. */
function tick(): () => void {
  const emu = loadEmulator();
  const timer = setInterval(() => emu.advanceClock(10), 2);
  return () => clearInterval(timer);
}

test('page-in turns a paged-out range mapped, round by round, and says how many came back', async () => {
  // a guest whose pager brings nothing back by itself and pages nothing new out meanwhile
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-pagein-'));
  const config = path.join(dir, 'host.json');
  fs.writeFileSync(config, JSON.stringify({
    clock: 'stepped',
    domains: [{ id: 1, name: 'paged-guest', frames: '0x8000', layout: [{ first: '0x6000', last: '0x7fff', kind: 'hole' }],
      paging: { initialPagedFraction: 0.25, latencyMs: [12, 50], ringSize: 64 } }],
  }));
  const inspector = await startInspector({ backend: 'sim', simConfig: config });
  try {
    await pageInScenario(inspector);
  } finally {
    await inspector.close();
  }
});

async function pageInScenario(inspector: Inspector): Promise<void> {
  const range = { domain: 1, first: 0, last: 0x7fff };
  const before = await scanToEnd(inspector, range);
  assert.ok(before.counts.paged > 100, `${before.counts.paged} paged frames to start with`);
  const chunks: ScanChunk[] = [];
  const stop = tick();
  const started = await inspector.pageIn(range);
  const summary = await new Promise<ScanSummary>((resolve) => {
    const off = inspector.onEvent((e) => {
      if (e.type === 'chunk' && e.scanId === started.scanId) chunks.push(e);
      if (e.type === 'end' && e.scanId === started.scanId) {
        off();
        resolve(e.summary);
      }
    });
  }).finally(stop);
  assert.equal(summary.error, null);
  assert.equal(summary.counts.paged, 0);
  assert.equal(summary.counts.mapped, before.counts.mapped + before.counts.paged);
  // the earlier scan asked Xen for a ring's worth of frames, some of which may be back already
  assert.ok(summary.retry!.retried <= before.counts.paged && summary.retry!.retried >= before.counts.paged - 64, `retried ${summary.retry!.retried} of ${before.counts.paged}`);
  assert.equal(summary.retry!.recovered, summary.retry!.retried);
  const rounds = chunks.filter((c) => c.count < 0x8000);
  assert.ok(rounds.length > 1, `frames come back in several chunks after the first pass (${rounds.length})`);
  assert.equal(summary.counts.invalid, 0x2000, 'holes stay holes');

  // the history holds both, and their diff is exactly the page-in
  const scans = await inspector.listScans();
  const pass = scans.at(-2)!;
  const paged = scans.at(-1)!;
  assert.equal(paged.kind, 'page-in');
  assert.equal(paged.domainName, 'paged-guest');
  const diff = await inspector.diffScans({ a: pass.scanId, b: paged.scanId });
  assert.equal(diff.changed, before.counts.paged);
  assert.deepEqual(diff.transitions, { 'paged→mapped': before.counts.paged });
  assert.equal(diff.changedMask.length, 0x8000 / 8);
}

