/**
 * The Electron main process. Reading this file tells what the app does: either run as the
 * CLI (`--cli`, how the installed `framescope` command runs without a system Node.js), or
 * secure the session, serve the renderer from app://, start the inspector (the mapper worker
 * that owns the privcmd descriptor) with its IPC and menus, and open the window.
 */
import path from 'node:path';
import { app, BrowserWindow } from 'electron';

import type { Inspector } from '../app/inspector-client';
import { cliModeArguments, runCliMode } from './cli-mode';
import { setupInspector } from './inspector';
import { connectEventPort } from './ipc';
import { registerAppScheme, setupAppProtocol } from './protocol';
import { setupSecurity } from './security';
import { createMainWindow } from './window';

const cliArguments = cliModeArguments(process.argv, process.defaultApp === true);
if (cliArguments) void runCliMode(cliArguments);
else startDesktopApp();

function startDesktopApp(): void {
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
}
