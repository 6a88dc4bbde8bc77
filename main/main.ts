/**
 * The Electron main process. Reading this file tells what the app does: secure the
 * session, serve the renderer from app://, start the inspector (the mapper worker that owns
 * the privcmd descriptor), open the window, wire IPC and menus.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog } from 'electron';

import { BackendOptions } from '../app/backend';
import { Inspector, startInspector } from '../app/inspector-client';
import { connectEventPort, setupIpc } from './ipc';
import { setupMenu } from './menu';
import { registerAppScheme, setupAppProtocol } from './protocol';
import { setupSecurity } from './security';
import { createMainWindow } from './window';

/** `electron . --backend sim --sim-config FILE`: the CLI's backend options. */
function backendOptionsFromArgs(argv: string[]): BackendOptions {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const backend = value('--backend');
  const clock = value('--sim-clock');
  return {
    backend: backend === 'sim' || backend === 'xen' ? backend : 'auto',
    simConfig: value('--sim-config'),
    simClock: clock === 'stepped' || clock === 'realtime' ? clock : undefined,
  };
}

registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | null = null;
let inspector: Inspector | null = null;

app.whenReady().then(async () => {
  setupSecurity();
  setupAppProtocol(path.join(__dirname, '..', 'ui'));
  try {
    inspector = await startInspector(backendOptionsFromArgs(process.argv));
  } catch (e) {
    dialog.showErrorBox('framescope cannot start', (e as Error).message);
    app.quit();
    return;
  }
  const getWindow = () => mainWindow;
  setupIpc(inspector, getWindow);
  setupMenu(inspector, getWindow);
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
