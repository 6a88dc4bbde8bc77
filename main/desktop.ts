/**
 * The desktop's additions to the API (app/desktop-api.ts): native dialogs, dumps opened from a
 * dialog, a drop or the recent list, files saved where the user says. Only the app's own page
 * may ask, and every argument is checked. Paths enter only through a dialog the user answered
 * or a drop; the page gets a handle for each (file-handles.ts) and names files by it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import { z } from 'zod';

import type { HostInfo } from '../app/api';
import type { ChosenFile, OpenedFile } from '../app/desktop-api';
import { readSnapshotBytes, writeFileAtomic } from '../app/export-files';
import type { Inspector } from '../app/inspector-client';
import { toWireError } from '../app/inspector-protocol';
import { FILE_HANDLE_PATTERN, FileHandles } from './file-handles';
import { CHANNEL_DESKTOP, isTrustedSender } from './ipc-guard';

const MAX_RECENT = 10;
/** The longest path Linux takes (PATH_MAX, terminator included). */
const MAX_PATH_CHARS = 4096;
/**
 * The most one save writes. The biggest file the page makes is the whole grid as a PNG or the
 * CSV of a 16.8 M-frame guest: tens of MB. A page asking for more is not ours to believe.
 */
const MAX_SAVE_BYTES = 1024 * 1024 * 1024;

const recentFile = () => path.join(app.getPath('userData'), 'recent-dumps.json');

export function recentDumps(): string[] {
  try {
    const list = z.array(z.string()).parse(JSON.parse(fs.readFileSync(recentFile(), 'utf8')));
    return list.filter((p) => fs.existsSync(p)).slice(0, MAX_RECENT);
  } catch {
    return [];
  }
}

function remember(dump: string): void {
  const list = [dump, ...recentDumps().filter((p) => p !== dump)].slice(0, MAX_RECENT);
  try {
    fs.mkdirSync(path.dirname(recentFile()), { recursive: true });
    fs.writeFileSync(recentFile(), JSON.stringify(list));
    app.addRecentDocument(dump);
  } catch {
    // the recent list is a convenience
  }
}

export interface DesktopActions {
  openDumpDialog(): Promise<HostInfo | null>;
  openDump(dump: string): Promise<HostInfo>;
  inspectHost(): Promise<HostInfo>;
}

export function desktopActions(getInspector: () => Inspector, getWindow: () => BrowserWindow | null, onChange: () => void): DesktopActions {
  const openDump = async (dump: string): Promise<HostInfo> => {
    const stat = fs.statSync(dump, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${dump}: no such file`);
    if (!stat.isFile()) throw new Error(`${dump}: not a regular file`);
    const host = await getInspector().openSource({ kind: 'dump', path: dump });
    remember(dump);
    onChange();
    return host;
  };
  return {
    openDump,
    openDumpDialog: async () => {
      const win = getWindow();
      const options: Electron.OpenDialogOptions = {
        title: 'Open a memory dump',
        properties: ['openFile'],
        filters: [{ name: 'Memory dumps (xl dump-core, QEMU/libvirt ELF, raw)', extensions: ['*'] }],
      };
      const r = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
      return r.canceled || !r.filePaths[0] ? null : openDump(r.filePaths[0]);
    },
    inspectHost: async () => {
      const host = await getInspector().openSource({ kind: 'host' });
      onChange();
      return host;
    },
  };
}

const handleSchema = z.string().regex(FILE_HANDLE_PATTERN, { message: 'not a file handle' });

const saveDialogSchema = z.strictObject({
  defaultName: z.string().min(1).max(255).refine((n) => path.basename(n) === n, { message: 'a file name, not a path' }),
  title: z.string().max(200).optional(),
});

const writeSchema = z.strictObject({
  handle: handleSchema,
  bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength <= MAX_SAVE_BYTES, { message: `more than ${MAX_SAVE_BYTES} bytes` }),
});

const dropSchema = z.string().min(1).max(MAX_PATH_CHARS)
  .refine((p) => !p.includes('\0'), { message: 'a path without NUL' })
  .refine((p) => path.isAbsolute(p), { message: 'an absolute path' });

/**
 * The path of a file dropped on the window, as the preload read it from the drop
 * (webUtils.getPathForFile): the regular file it resolves to. Directories, devices and FIFOs
 * are refused here, before anything opens them (a FIFO would block the reader, a device never
 * ends).
 */
function droppedFile(dropped: string): string {
  let real: string;
  try {
    real = fs.realpathSync(dropped);
  } catch {
    throw Object.assign(new Error(`${path.basename(dropped)}: no such file`), { code: 'ENOENT' });
  }
  if (!fs.statSync(real).isFile()) throw Object.assign(new Error(`${path.basename(dropped)}: not a regular file`), { code: 'EINVAL' });
  return real;
}

export function setupDesktopIpc(actions: DesktopActions, getWindow: () => BrowserWindow | null): void {
  const files = new FileHandles();
  const handlers: Record<string, (arg: unknown) => Promise<unknown>> = {
    openDumpDialog: () => actions.openDumpDialog(),
    registerDrop: async (arg): Promise<ChosenFile> => files.register(droppedFile(dropSchema.parse(arg)), 'read'),
    openDump: (arg) => actions.openDump(files.take(handleSchema.parse(arg), 'read')),
    recentDumps: async (): Promise<ChosenFile[]> => recentDumps().map((p) => files.register(p, 'read')),
    inspectHost: () => actions.inspectHost(),
    chooseSaveFile: async (arg): Promise<ChosenFile | null> => {
      const request = saveDialogSchema.parse(arg);
      const win = getWindow();
      const options: Electron.SaveDialogOptions = { title: request.title, defaultPath: path.join(app.getPath('documents'), request.defaultName) };
      const r = await (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options));
      return r.canceled || !r.filePath ? null : files.register(r.filePath, 'write');
    },
    writeFile: async (arg) => {
      const { handle, bytes } = writeSchema.parse(arg);
      writeFileAtomic(files.take(handle, 'write'), bytes);
    },
    openSnapshotDialog: async (): Promise<OpenedFile | null> => {
      const win = getWindow();
      const options: Electron.OpenDialogOptions = { title: 'Open a snapshot', properties: ['openFile'], filters: [{ name: 'framescope snapshots', extensions: ['fsnap'] }] };
      const r = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
      const file = r.filePaths[0];
      if (r.canceled || !file) return null;
      // bounded on the open file, regular files only: the CLI's reader
      return { fileName: path.basename(file), bytes: readSnapshotBytes(file) };
    },
  };
  ipcMain.handle(CHANNEL_DESKTOP, async (event, action: unknown, arg: unknown) => {
    const win = getWindow();
    const trusted = win && isTrustedSender({
      frameUrl: event.senderFrame?.url,
      isMainFrame: event.senderFrame === event.sender.mainFrame,
      isAppWindow: !win.isDestroyed() && event.sender === win.webContents,
    });
    if (!trusted) throw new Error('refused');
    const handler = typeof action === 'string' && Object.hasOwn(handlers, action) ? handlers[action] : undefined;
    try {
      if (!handler) throw new Error(`no such desktop action: ${JSON.stringify(action)?.slice(0, 40)}`);
      return { ok: true, value: await handler(arg) };
    } catch (e) {
      return { ok: false, error: e instanceof z.ZodError ? { name: 'ValidationError', message: `${String(action)}: ${e.issues[0].message}`, code: 'EINVAL' } : toWireError(e) };
    }
  });
}
