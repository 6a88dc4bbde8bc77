/**
 * The Electron main process. Reading this file tells what the app does: secure the
 * session, serve the renderer from app://, start the inspector (the mapper worker that owns
 * the privcmd descriptor), open the window, wire IPC and menus.
 */
import path from 'node:path';
import { app, BrowserWindow } from 'electron';

import type { Inspector } from '../app/inspector-client';
import { setupInspector } from './inspector';
import { connectEventPort } from './ipc';
import { registerAppScheme, setupAppProtocol } from './protocol';
import { setupSecurity } from './security';
import { createMainWindow } from './window';

registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | null = null;
let inspector: Inspector | null = null;

app.whenReady().then(async () => {
  setupSecurity();
  setupAppProtocol(path.join(__dirname, '..', 'ui'));
  inspector = await setupInspector(process.argv, () => mainWindow);
  mainWindow = createMainWindow();
  connectEventPort(inspector, mainWindow);
  mainWindow.on('closed', () => (mainWindow = null));
});

app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.on('window-all-closed', () => app.quit());

app.on('will-quit', (event) => {
  if (!inspector) return;
  event.preventDefault();
  const closing = inspector;
  inspector = null;
  void closing.close().finally(() => app.quit());
});
