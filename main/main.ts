/**
 * The Electron main process. Reading this file tells what the app does: secure the
 * session, serve the renderer from app://, start the inspector (the mapper worker that owns
 * the privcmd descriptor), open the window, wire IPC and menus.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow } from 'electron';

import { BackendOptions } from '../app/backend';
import { Inspector, startInspector } from '../app/inspector-client';
import { apiProxy, toWireError } from '../app/inspector-protocol';
import { connectRemoteInspector, DEFAULT_SOCKET_PATH } from '../app/remote-inspector';
import { desktopActions, setupDesktopIpc } from './desktop';
import { connectEventPort, setupIpc } from './ipc';
import { setupMenu } from './menu';
import { registerAppScheme, setupAppProtocol } from './protocol';
import { setupSecurity } from './security';
import { createMainWindow } from './window';

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `electron . --backend sim --sim-config FILE`: the CLI's backend options. */
function backendOptionsFromArgs(argv: string[]): BackendOptions {
  const value = (name: string) => argValue(argv, name);
  const backend = value('--backend');
  const clock = value('--sim-clock');
  return {
    backend: backend === 'sim' || backend === 'xen' ? backend : 'auto',
    simConfig: value('--sim-config'),
    simClock: clock === 'stepped' || clock === 'realtime' ? clock : undefined,
  };
}

/**
 * The inspector the window talks to: a privileged `framescope serve --unix` when asked to
 * attach (or when this user may not open privcmd but one is running), else a mapper worker
 * of our own.
 */
async function openInspector(argv: string[]): Promise<Inspector> {
  const attach = argValue(argv, '--attach');
  if (attach) return connectRemoteInspector(attach);
  try {
    return await startInspector(backendOptionsFromArgs(argv));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if ((code === 'EACCES' || code === 'EPERM') && fs.existsSync(DEFAULT_SOCKET_PATH)) return connectRemoteInspector(DEFAULT_SOCKET_PATH);
    throw e;
  }
}

/** Stands in when no inspector could start: every call answers why, and the UI shows it. */
function failedInspector(error: unknown): Inspector {
  const wire = toWireError(error);
  const fail = async (): Promise<never> => {
    throw Object.assign(new Error(wire.message), { name: wire.name, code: wire.code });
  };
  return { ...apiProxy(fail), onEvent: () => () => {}, close: async () => {} };
}

registerAppScheme();
if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | null = null;
let inspector: Inspector | null = null;

app.whenReady().then(async () => {
  setupSecurity();
  setupAppProtocol(path.join(__dirname, '..', 'ui'));
  inspector = await openInspector(process.argv).catch(failedInspector);
  const getWindow = () => mainWindow;
  const getInspector = () => inspector!;
  const actions = desktopActions(getInspector, getWindow, () => setupMenu(getInspector, getWindow, actions));
  setupIpc(inspector, getWindow);
  setupDesktopIpc(actions, getWindow);
  setupMenu(getInspector, getWindow, actions);
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
