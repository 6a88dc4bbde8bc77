/**
 * The desktop's additions to the API (app/desktop-api.ts): native dialogs, dumps opened from a
 * dialog, a drop or the recent list, files saved where the user says. Only the app's own page
 * may ask, and every argument is checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import { z } from 'zod';

import type { HostInfo } from '../app/api';
import type { OpenedFile } from '../app/desktop-api';
import { writeFileAtomic } from '../app/export-files';
import type { Inspector } from '../app/inspector-client';
import { toWireError } from '../app/inspector-protocol';
import { CHANNEL_DESKTOP, isTrustedSender } from './ipc-guard';

const MAX_RECENT = 10;
const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;

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

const saveSchema = z.strictObject({
  defaultName: z.string().min(1).max(255).refine((n) => path.basename(n) === n, { message: 'a file name, not a path' }),
  bytes: z.instanceof(Uint8Array),
  title: z.string().max(200).optional(),
});

export function setupDesktopIpc(actions: DesktopActions, getWindow: () => BrowserWindow | null): void {
  const handlers: Record<string, (arg: unknown) => Promise<unknown>> = {
    openDumpDialog: () => actions.openDumpDialog(),
    openDump: (arg) => actions.openDump(z.string().min(1).max(4096).parse(arg)),
    recentDumps: async () => recentDumps(),
    inspectHost: () => actions.inspectHost(),
    saveFile: async (arg) => {
      const request = saveSchema.parse(arg);
      const win = getWindow();
      const options: Electron.SaveDialogOptions = { title: request.title, defaultPath: path.join(app.getPath('documents'), request.defaultName) };
      const r = await (win ? dialog.showSaveDialog(win, options) : dialog.showSaveDialog(options));
      if (r.canceled || !r.filePath) return null;
      writeFileAtomic(r.filePath, request.bytes);
      return r.filePath;
    },
    openSnapshotDialog: async (): Promise<OpenedFile | null> => {
      const win = getWindow();
      const options: Electron.OpenDialogOptions = { title: 'Open a snapshot', properties: ['openFile'], filters: [{ name: 'framescope snapshots', extensions: ['fsnap'] }] };
      const r = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options));
      const file = r.filePaths[0];
      if (r.canceled || !file) return null;
      if (fs.statSync(file).size > MAX_SNAPSHOT_BYTES) throw new Error(`${path.basename(file)}: too large for a snapshot`);
      return { fileName: path.basename(file), bytes: fs.readFileSync(file) };
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
