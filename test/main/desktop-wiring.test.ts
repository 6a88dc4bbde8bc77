/**
 * The desktop app as main.ts wires it: main/main.js itself runs, with the command line of
 * `electron . --backend sim`, so the inspector is the one its setupInspector starts; the real
 * preload is loaded into the window main opens, and the page's calls go through the very IPC
 * handlers the preload invokes. Only Electron's modules are stubbed (test/fakes/electron.ts),
 * at the edge: dialogs answer as a user would.
 */
import { electron } from '../fakes/electron';

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';

import type { FramescopeApi } from '../../app/api';
import type { DesktopBridge } from '../../app/desktop-api';
import { scanToEnd } from '../../app/scan-to-end';
import { decodeSnapshot } from '../../app/snapshot';
import { writeDump } from '../fakes/dump-builders';

/** What `npm start` and the Electron e2e spec run: `electron . --backend sim --sim-clock stepped`. */
const ARGV = ['electron', '.', '--backend', 'sim', '--sim-clock', 'stepped'];

afterEach(async () => {
  // quitting closes the inspector main started (its will-quit handler waits for it)
  await electron.quit();
  electron.reset();
});

async function startDesktop() {
  const win = await electron.startMain(ARGV);
  electron.loadPreload(win);
  win.webContents.emit('did-finish-load');
  const page = electron.exposed as { framescope: FramescopeApi; framescopeDesktop: DesktopBridge };
  return { win, api: page.framescope, desktop: page.framescopeDesktop };
}

function recentMenuLabels(): string[] {
  const template = (electron.menu as { template: Array<{ label?: string; submenu?: Array<{ label?: string; submenu?: Array<{ label: string }> }> }> }).template;
  const file = template.find((m) => m.label === 'File')!;
  return file.submenu!.find((i) => i.label === 'Open Recent Dump')!.submenu!.map((i) => i.label);
}

test('the desktop app opens a dump, saves a snapshot and lists recent dumps, as main.ts wires it', async () => {
  const { api, desktop } = await startDesktop();
  const dump = path.join(electron.home, 'guest.raw');
  writeDump(dump, { kind: 'raw', frames: 64 });
  assert.equal((await api.hostInfo()).backend, 'sim');

  // File ▸ Open Dump…, the user picks the dump
  electron.answerDialog({ kind: 'open', filePaths: [dump] });
  const host = await desktop.openDumpDialog();
  assert.equal(host?.backend, 'dump');
  const [domain] = await api.listDomains();
  assert.equal(domain.frames, 64);

  // a scan of it, through the page's API and the event port, saved as a snapshot where the user says
  const summary = await scanToEnd(api, { domain: domain.id, first: 0, last: 63 });
  assert.equal(summary.frames, 64);
  const record = (await api.listScans()).at(-1)!;
  const file = await api.exportScan({ scanId: record.scanId, format: 'snapshot' });
  const target = path.join(electron.home, 'saved.fsnap');
  electron.answerDialog({ kind: 'save', filePath: target });
  const chosen = await desktop.chooseSaveFile({ defaultName: file.fileName });
  assert.deepEqual({ ...chosen, handle: typeof chosen?.handle }, { handle: 'string', name: 'saved.fsnap', path: target });
  await desktop.writeFile(chosen!.handle, file.bytes);
  assert.deepEqual(decodeSnapshot(fs.readFileSync(target)).header.counts, summary.counts);

  // the recent list: the page's (handles), the menu's and the desktop's recent documents
  const recent = await desktop.recentDumps();
  assert.deepEqual(recent.map((f) => [f.name, f.path]), [['guest.raw', dump]]);
  assert.deepEqual(recentMenuLabels(), [dump]);
  assert.deepEqual(electron.recentDocuments, [dump]);

  // back to the host, then the dump again from the recent list, by its handle
  assert.equal((await desktop.inspectHost()).backend, 'sim');
  assert.equal((await desktop.openDump(recent[0].handle)).backend, 'dump');
});

test('a dump dropped on the window opens through the handle main gives it', async () => {
  const { api, desktop } = await startDesktop();
  const dump = path.join(fs.realpathSync(electron.home), 'dropped.raw');
  writeDump(dump, { kind: 'raw', frames: 32 });
  const dropped = await desktop.dropFile(electron.diskFile(dump));
  assert.deepEqual([dropped.name, dropped.path], ['dropped.raw', dump]);
  assert.equal((await desktop.openDump(dropped.handle)).backend, 'dump');
  assert.equal((await api.listDomains())[0].frames, 32);
  // and it is remembered like a dump opened from the dialog
  assert.deepEqual((await desktop.recentDumps()).map((f) => f.path), [dump]);
  assert.equal((await desktop.recentDumps())[0].handle, dropped.handle, 'one file, one handle');
});
