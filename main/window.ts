/** The main window: sandboxed, context-isolated, no Node in the page, the app's page only. */
import path from 'node:path';
import { BrowserWindow } from 'electron';

import { APP_ENTRY } from './ipc-guard';
import { loadWindowState, trackWindowState } from './window-state';

export function createMainWindow(): BrowserWindow {
  const state = loadWindowState();
  const win = new BrowserWindow({
    ...state.bounds,
    minWidth: 800,
    minHeight: 500,
    show: false,
    backgroundColor: '#15171c',
    title: 'framescope',
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  trackWindowState(win);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY);
  return win;
}
