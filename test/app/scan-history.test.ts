/**
 * The scan history's budget: a record larger than it is refused with a clear error and never
 * kept, whether it is a live scan or a snapshot (refused from its header, before inflating).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { decode, encode } from '@msgpack/msgpack';
import WebSocket from 'ws';

import type { InspectorEvent, ScanRecord, ScanSummary, WireToClient } from '../../app/api';
import { openDumpSource } from '../../app/dump/dump-source';
import { startInspector } from '../../app/inspector-client';
import { InspectorService } from '../../app/inspector-service';
import { HISTORY_BUDGET_BYTES, ScanHistory, ScanTooLargeError, UnknownScanError } from '../../app/scan-history';
import { API_PATH, startServer } from '../../app/server';
import { writeDump } from '../fakes/dump-builders';
import { snapshotBomb } from '../fakes/hostile-snapshots';

function record(scanId: string, frames: number): ScanRecord {
  const summary: ScanSummary = {
    domain: 1, first: 0, last: frames - 1, frames, scanned: frames, counts: { mapped: frames, paged: 0, invalid: 0 }, errnos: {},
    abi: 'v2', durationMs: 0, mode: 'observe', batch: 1024, retry: null, cancelled: false, error: null,
  };
  return {
    scanId, kind: 'scan', domain: 1, domainName: 'd', takenAt: '2026-11-26T12:00:00.000Z', summary, codes: new Uint8Array(frames),
    origin: { backend: 'sim', description: 'x', hostname: 'h' },
  };
}

test('a record larger than the budget is refused, never kept; the others stay within it', () => {
  const history = new ScanHistory(1000);
  history.add(record('a', 400));
  history.add(record('b', 400));
  assert.throws(() => history.add(record('huge', 1001)), (e: Error) =>
    e instanceof ScanTooLargeError && /scan huge: 1001 frames is more than this session keeps \(at most 1000 frames/.test(e.message));
  assert.deepEqual(history.infos().map((r) => r.scanId), ['a', 'b'], 'nothing dropped for a record that was refused');
  assert.equal(history.heldBytes, 800);
  assert.throws(() => history.get('huge'), (e: Error) => e instanceof ScanTooLargeError && /scan huge was not kept: 1001 frames/.test(e.message));
  assert.throws(() => history.get('never'), UnknownScanError);
  // a record of exactly the budget is kept, alone
  history.add(record('full', 1000));
  assert.deepEqual(history.infos().map((r) => r.scanId), ['full']);
  assert.equal(history.heldBytes, 1000);
  history.add(record('c', 1));
  assert.deepEqual(history.infos().map((r) => r.scanId), ['c']);
});

test('a live scan larger than the history: it ends normally, no record, and asking for it says why', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-history-'));
  const guest = path.join(dir, 'guest.raw');
  writeDump(guest, { kind: 'raw', frames: 64 });
  const service = new InspectorService(await openDumpSource(guest), { historyBudgetBytes: 32 });
  try {
    const ended = new Promise<ScanSummary>((resolve) => service.onEvent((e: InspectorEvent) => e.type === 'end' && resolve(e.summary)));
    const big = await service.startScan({ domain: 0 });
    const summary = await ended;
    assert.equal(summary.scanned, 64);
    assert.equal(summary.error, null);
    assert.deepEqual(await service.listScans(), []);
    await assert.rejects(service.exportScan({ scanId: big.scanId, format: 'snapshot' }), /was not kept: 64 frames is more than this session keeps \(at most 32 frames/);
    // a scan that fits is kept as before
    const kept = new Promise<ScanSummary>((resolve) => service.onEvent((e: InspectorEvent) => e.type === 'end' && resolve(e.summary)));
    await service.startScan({ domain: 0, first: 0, last: 31 });
    await kept;
    assert.equal((await service.listScans()).length, 1);
  } finally {
    await service.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** One call over a raw WebSocket, as a hostile client makes it. */
function call(ws: WebSocket, id: number, method: string, args: unknown[]): Promise<WireToClient> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const m = decode(data) as WireToClient;
      if (m.t !== 'event' && m.id === id) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => reject(new Error(`connection closed (${code})`)));
    ws.send(encode({ t: 'call', id, method, args }));
  });
}

test('importSnapshot over the WebSocket: a 1 MB file claiming 2^30 frames is an error, not a 1 GiB record', { timeout: 30_000 }, async () => {
  const inspector = await startInspector({ backend: 'sim', simClock: 'stepped' });
  const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-history-ui-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
  const server = await startServer({ api: inspector, staticDir });
  const ws = new WebSocket(`ws://${server.host}:${server.port}${API_PATH}?token=${server.token}`);
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const bomb = snapshotBomb(2 ** 30);
    assert.ok(bomb.length < 1.1e6, `${bomb.length} bytes`);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const answer = await call(ws, 1, 'importSnapshot', [{ fileName: 'bomb.fsnap', bytes: bomb }]);
    const ms = performance.now() - started;
    const grewMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.equal(answer.t, 'error', 'refused');
    if (answer.t !== 'error') return;
    assert.equal(answer.error.name, 'ScanTooLargeError');
    assert.equal(answer.error.code, 'E2BIG');
    assert.match(answer.error.message, new RegExp(`^bomb\\.fsnap: 1073741824 frames is more than this session keeps \\(at most ${HISTORY_BUDGET_BYTES} frames, 256 MiB`));
    assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
    assert.ok(grewMiB < 128, `RSS grew ${grewMiB.toFixed(0)} MiB`);
    const list = await call(ws, 2, 'listScans', []);
    assert.deepEqual(list.t === 'result' && list.value, [], 'nothing kept');
    // a snapshot that fits still imports, and diffs against itself
    const small = snapshotBomb(1 << 20);
    const ok = await call(ws, 3, 'importSnapshot', [{ fileName: 'ok.fsnap', bytes: small }]);
    assert.equal(ok.t, 'result');
    const id = ok.t === 'result' ? (ok.value as { scanId: string }).scanId : '';
    const diff = await call(ws, 4, 'diffScans', [{ a: id, b: id }]);
    assert.equal(diff.t === 'result' && (diff.value as { compared: number }).compared, 1 << 20);
  } finally {
    ws.close();
    await server.close();
    await inspector.close();
    fs.rmSync(staticDir, { recursive: true, force: true });
  }
});
