/** The native menus: File, View, Help (with About showing the backend and the ABI). */
import { app, BrowserWindow, dialog, Menu, MenuItemConstructorOptions } from 'electron';

import type { Inspector } from '../app/inspector-client';

export const KEYBOARD_SHORTCUTS: Array<[string, string]> = [
  ['Arrows, PageUp/PageDown, Home/End', 'pan the grid'],
  ['+ / - (or the wheel)', 'zoom around the cursor'],
  ['0 or F', 'fit the grid to the window'],
  ['Shift+drag', 'select a box of frames and rescan it'],
  ['Click', 'select a frame and show its bytes'],
];

async function showAbout(inspector: Inspector, win: BrowserWindow | null): Promise<void> {
  const info = await inspector.hostInfo().catch(() => null);
  const detail = [
    info ? `Inspecting: ${info.description}` : 'Inspecting: (the inspector is not answering)',
    info ? `Backend: ${info.backend}${info.simulated ? ' (simulated host)' : ''}` : '',
    `Batch ioctl: ${info?.abi === 'v2' ? 'IOCTL_PRIVCMD_MMAPBATCH_V2' : info?.abi === 'v1' ? 'IOCTL_PRIVCMD_MMAPBATCH (V1 fallback)' : 'not used yet'}`,
    info ? `Host: ${info.hostname}` : '',
    `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
  ].filter(Boolean).join('\n');
  const options = { type: 'info' as const, title: 'About framescope', message: `framescope ${app.getVersion()}`, detail };
  await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
}

async function showShortcuts(win: BrowserWindow | null): Promise<void> {
  const detail = KEYBOARD_SHORTCUTS.map(([keys, what]) => `${keys}: ${what}`).join('\n');
  const options = { type: 'info' as const, title: 'Keyboard shortcuts', message: 'Keyboard shortcuts', detail };
  await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
}

export function setupMenu(inspector: Inspector, getWindow: () => BrowserWindow | null): void {
  const template: MenuItemConstructorOptions[] = [
    { label: 'File', submenu: [{ role: 'quit' }] },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Keyboard Shortcuts', accelerator: 'F1', click: () => void showShortcuts(getWindow()) },
        { type: 'separator' },
        { label: 'About framescope', click: () => void showAbout(inspector, getWindow()) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
