/**
 * What main accepts on the desktop channel, from a page that bypasses the preload and invokes
 * the channel itself (a compromised renderer can): handles it handed out, in the mode it
 * handed them out for, arguments of the right shape, from the app's own page only. Main runs
 * as main.ts starts it (test/fakes/electron.ts stubs Electron's modules).
 */
import { electron } from '../fakes/electron';

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';

import type { DesktopBridge } from '../../app/desktop-api';
import { FileHandles, MAX_FILE_HANDLES } from '../../main/file-handles';
import { CHANNEL_CALL, CHANNEL_DESKTOP } from '../../main/ipc-guard';
import { writeDump } from '../fakes/dump-builders';

const ARGV = ['electron', '.', '--backend', 'sim', '--sim-clock', 'stepped'];

afterEach(async () => {
  await electron.quit();
  electron.reset();
});

type Reply = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; code?: string } };

/** The channel as a page would reach it without the preload. */
const invoke = (action: unknown, arg?: unknown) => electron.module.ipcRenderer.invoke(CHANNEL_DESKTOP, action, arg) as Promise<Reply>;

async function refusal(action: unknown, arg?: unknown): Promise<{ message: string; code?: string }> {
  const reply = await invoke(action, arg);
  assert.equal(reply.ok, false, `${String(action)} ${JSON.stringify(arg)?.slice(0, 80)} was accepted`);
  return (reply as Extract<Reply, { ok: false }>).error;
}

async function startDesktop() {
  const win = await electron.startMain(ARGV);
  electron.loadPreload(win);
  win.webContents.emit('did-finish-load');
  const dir = fs.realpathSync(electron.home);
  const dump = path.join(dir, 'guest.raw');
  writeDump(dump, { kind: 'raw', frames: 16 });
  return { win, dir, dump, desktop: electron.exposed.framescopeDesktop as DesktopBridge };
}

test('files are named by handles main handed out, never by path', async () => {
  const { dump } = await startDesktop();
  for (const named of ['/etc/passwd', dump, '', 42, null, { path: dump }, 'A'.repeat(21), 'A'.repeat(23), '../../../../etc/passwd/']) {
    const e = await refusal('openDump', named);
    assert.equal(e.code, 'EINVAL', JSON.stringify(named));
    assert.match(e.message, /^openDump: /);
  }
  // the shape of a handle, but not one main gave
  const forged = await refusal('openDump', 'A'.repeat(22));
  assert.equal(forged.code, 'EBADF');
  assert.match(forged.message, /no longer known to the app: choose it again/);
  // the path-taking save of old is gone
  assert.match((await refusal('saveFile', { defaultName: 'x.fsnap', bytes: new Uint8Array(1) })).message, /no such desktop action: "saveFile"/);
  assert.equal(electron.dialogCalls.length, 0, 'nothing the page sent opened a dialog');
});

test('a dump\'s handle reads, never writes; a save dialog\'s handle writes once', async () => {
  const { desktop, dump, dir } = await startDesktop();
  const dropped = await desktop.dropFile(electron.diskFile(dump));
  const before = fs.readFileSync(dump);
  const overwrite = await refusal('writeFile', { handle: dropped.handle, bytes: new Uint8Array([1, 2, 3]) });
  assert.deepEqual([overwrite.code, overwrite.message], ['EPERM', 'guest.raw was not chosen to be saved to']);
  assert.deepEqual(fs.readFileSync(dump), before, 'the dump is untouched');

  const target = path.join(dir, 'out.csv');
  electron.answerDialog({ kind: 'save', filePath: target });
  const chosen = (await desktop.chooseSaveFile({ defaultName: 'out.csv', title: 'Export' }))!;
  assert.deepEqual((await refusal('openDump', chosen.handle)).code, 'EPERM', 'a save target is not opened as a dump');
  await desktop.writeFile(chosen.handle, new Uint8Array([0x61, 0x0a]));
  assert.equal(fs.readFileSync(target, 'utf8'), 'a\n');
  const again = await refusal('writeFile', { handle: chosen.handle, bytes: new Uint8Array([0x62]) });
  assert.equal(again.code, 'EBADF', 'a save dialog answers for one write');
  assert.equal(fs.readFileSync(target, 'utf8'), 'a\n');

  // a cancelled dialog gives no handle
  electron.answerDialog({ kind: 'save', filePath: undefined, canceled: true });
  assert.equal(await desktop.chooseSaveFile({ defaultName: 'out.csv' }), null);
});

test('the save and write arguments are checked', async () => {
  const { desktop, dir } = await startDesktop();
  for (const request of [{ defaultName: '../../.bashrc' }, { defaultName: '/etc/x' }, { defaultName: '' }, { defaultName: 'a', bytes: new Uint8Array(1) }, 'x', null]) {
    assert.equal((await refusal('chooseSaveFile', request)).code, 'EINVAL', JSON.stringify(request));
  }
  electron.answerDialog({ kind: 'save', filePath: path.join(dir, 'x.bin') });
  const chosen = (await desktop.chooseSaveFile({ defaultName: 'x.bin' }))!;
  for (const arg of [{ handle: chosen.handle, bytes: [1, 2] }, { handle: chosen.handle, bytes: 'AQI=' }, { handle: chosen.handle }, { handle: '/tmp/x', bytes: new Uint8Array(1) }, { handle: chosen.handle, bytes: new Uint8Array(1), path: '/tmp/x' }]) {
    assert.equal((await refusal('writeFile', arg)).code, 'EINVAL', JSON.stringify(arg));
  }
  assert.equal(fs.existsSync(path.join(dir, 'x.bin')), false, 'nothing written');
});

test('a drop registers only a regular file, by the path the preload read from the drop', async () => {
  const { desktop, dir, dump } = await startDesktop();
  // a File the page built has no path: the preload refuses it before main is asked
  await assert.rejects(desktop.dropFile(new File(['x'], 'guest.raw')), /only a file dropped from the disk can be opened/);
  await assert.rejects(desktop.dropFile(new Blob(['x'])), /only a file dropped from the disk can be opened/);

  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  fs.symlinkSync('/dev/zero', path.join(dir, 'zero-link'));
  const cases: Array<[unknown, string, RegExp]> = [
    ['guest.raw', 'EINVAL', /an absolute path/],
    [`${dump}\0.png`, 'EINVAL', /without NUL/],
    ['/' + 'a'.repeat(5000), 'EINVAL', /registerDrop: /],
    [42, 'EINVAL', /registerDrop: /],
    [dir, 'EINVAL', /not a regular file/],
    ['/dev/zero', 'EINVAL', /zero: not a regular file/],
    [path.join(dir, 'zero-link'), 'EINVAL', /zero-link: not a regular file/],
    [fifo, 'EINVAL', /fifo: not a regular file/],
    [path.join(dir, 'missing.raw'), 'ENOENT', /missing\.raw: no such file/],
  ];
  for (const [dropped, code, message] of cases) {
    const e = await refusal('registerDrop', dropped);
    assert.equal(e.code, code, String(dropped).slice(0, 60));
    assert.match(e.message, message);
  }
  // a drop through a symlink is registered as the file it resolves to
  fs.symlinkSync(dump, path.join(dir, 'link.raw'));
  assert.equal((await desktop.dropFile(electron.diskFile(path.join(dir, 'link.raw')))).path, dump);
});

test('main keeps a bounded number of handles, forgetting the oldest', async () => {
  const { desktop, dir, dump } = await startDesktop();
  const first = await desktop.dropFile(electron.diskFile(dump));
  for (let i = 0; i < MAX_FILE_HANDLES; i++) {
    const f = path.join(dir, `f${i}.raw`);
    fs.writeFileSync(f, '');
    await desktop.dropFile(electron.diskFile(f));
  }
  assert.equal((await refusal('openDump', first.handle)).code, 'EBADF');

  const files = new FileHandles(3);
  const a = files.register('/a', 'read');
  assert.equal(files.register('/a', 'read').handle, a.handle, 'one path, one handle');
  const aw = files.register('/a', 'write');
  assert.notEqual(aw.handle, a.handle, 'a handle per mode');
  files.register('/b', 'read');
  files.register('/a', 'read'); // used again: now the newest
  files.register('/c', 'read');
  assert.equal(files.size, 3);
  assert.equal(files.take(a.handle, 'read'), '/a');
  assert.throws(() => files.take(aw.handle, 'write'), /no longer known/, 'the least recently registered went first');
});

test('only the app\'s own page, in its window\'s main frame, may ask', async () => {
  const { win, desktop, dump } = await startDesktop();
  const dropped = await desktop.dropFile(electron.diskFile(dump));
  const untrusted: Array<[string, () => void]> = [
    ['an iframe', () => (electron.senderFrame = { url: 'app://framescope/index.html' })],
    ['another page', () => (electron.senderFrame = win.webContents.mainFrame = { url: 'https://evil.example/' })],
    ['another window', () => (electron.rendererWindow = electron.fakeWindow())],
    ['a closed window', () => (win.destroyed = true)],
  ];
  const actions: Array<[string, unknown]> = [
    ['openDumpDialog', undefined], ['registerDrop', dump], ['openDump', dropped.handle], ['recentDumps', undefined],
    ['inspectHost', undefined], ['chooseSaveFile', { defaultName: 'x' }], ['writeFile', { handle: dropped.handle, bytes: new Uint8Array(1) }],
    ['openSnapshotDialog', undefined],
  ];
  for (const [who, become] of untrusted) {
    const saved = { frame: electron.senderFrame, main: win.webContents.mainFrame, renderer: electron.rendererWindow };
    become();
    for (const [action, arg] of actions) {
      await assert.rejects(invoke(action, arg), /refused/, `${action} from ${who}`);
    }
    await assert.rejects(electron.module.ipcRenderer.invoke(CHANNEL_CALL, 'hostInfo', []), /refused/, `the API from ${who}`);
    electron.senderFrame = saved.frame;
    win.webContents.mainFrame = saved.main;
    electron.rendererWindow = saved.renderer;
    win.destroyed = false;
  }
  assert.equal(electron.dialogCalls.length, 0);
  // and from the page itself, all is well again
  assert.equal((await desktop.openDump(dropped.handle)).backend, 'dump');
});
